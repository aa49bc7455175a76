import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../../scripts/services/redis.sh', import.meta.url));

/** A Redis of our own (Debian's, installed on first use), on a free loopback port. */
export interface OwnRedis {
  url: string;
  /** The server's pid file. */
  pidFile: string;
  stop(): void;
}

/** Starts Debian's redis-server in a new temporary folder through the project's script. */
export function startRedis(): OwnRedis {
  const dir = mkdtempSync(join(tmpdir(), 'swiftacare-redis-'));
  chmodSync(dir, 0o755);
  const url = execFileSync(script, ['start', dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return {
    url,
    pidFile: join(dir, 'redis.pid'),
    stop: () => {
      execFileSync(script, ['stop', dir], { stdio: 'inherit' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
