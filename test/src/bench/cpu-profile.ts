import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/** A CPU profile of this process (the gateway) being recorded. */
export interface CpuProfile {
  /** Stops recording and writes `<dir>/gateway-<name>.cpuprofile` (open it in Chrome DevTools). */
  stop(): Promise<string>;
}

/**
 * Starts profiling this process with the V8 sampling profiler, for `BENCH_CPU_PROFILE=dir`.
 * The load generator runs in another process, so the profile is the gateway's alone.
 */
export async function startCpuProfile(dir: string, name: string): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `gateway-${name}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}
