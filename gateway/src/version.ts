import { readFileSync } from 'node:fs';

/** The gateway package's version, as the CapabilityStatement reports it. */
export const gatewayVersion: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
