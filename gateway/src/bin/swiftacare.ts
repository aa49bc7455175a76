#!/usr/bin/env node
import { main } from '../cli.js';

const code = await main(process.argv.slice(2));
// serve keeps running until a signal; every other command ends with its exit code.
if (code >= 0) {
  process.exit(code);
}
