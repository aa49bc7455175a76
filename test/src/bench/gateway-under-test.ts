import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLogger,
  listen,
  openRuntime,
  readConfig,
  type GatewayConfig,
  type Runtime,
} from '@swiftacare/gateway';
import pg from 'pg';
import type { BenchOptions } from './options.js';

/** The gateway being measured, running in this process, and how to reach its database. */
export interface GatewayUnderTest {
  url: string;
  runtime: Runtime;
  config: GatewayConfig;
  /** A login that owns the schema (the embedded superuser, or BENCH_DATABASE_URL's). */
  ownerUrl: string;
  stop(): Promise<void>;
}

/** A fresh database on an external server, so runs do not see each other's rows. */
export async function createDatabase(
  serverUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * Starts storage (an embedded PostgreSQL in a new temporary folder, or a new database on
 * BENCH_DATABASE_URL) and the gateway on a free loopback port, with an empty tenant.
 */
export async function startGateway(
  options: BenchOptions,
  tenant: string,
): Promise<GatewayUnderTest> {
  // The rate limit stays on (its counter is part of every request's cost) but far above the load.
  const env: NodeJS.ProcessEnv = {
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_POOL_SIZE: '20',
    SWIFTACARE_RATE_LIMIT: '1000000000',
  };
  let cleanup: () => Promise<void>;
  if (options.databaseUrl) {
    const db = await createDatabase(options.databaseUrl);
    env.DATABASE_URL = db.url;
    cleanup = () => db.drop();
  } else {
    const dataDir = mkdtempSync(join(tmpdir(), 'swiftacare-bench-'));
    env.SWIFTACARE_DATA_DIR = dataDir;
    cleanup = () => {
      rmSync(dataDir, { recursive: true, force: true });
      return Promise.resolve();
    };
  }
  const config = readConfig(env);
  // Warnings go to stderr, away from the figures.
  const log = createLogger(config.logLevel, process.stderr);
  let runtime: Runtime;
  try {
    runtime = await openRuntime(config, log);
  } catch (err) {
    await cleanup();
    throw err;
  }
  try {
    const server = await listen(config, runtime, log);
    await runtime.backend.tenants.create(tenant, 'Benchmark');
    const ownerUrl = runtime.embedded?.connectionString ?? config.databaseUrl ?? '';
    return {
      url: server.url,
      runtime,
      config,
      ownerUrl,
      stop: async () => {
        try {
          await server.close();
        } finally {
          await cleanup();
        }
      },
    };
  } catch (err) {
    await runtime.stop();
    await cleanup();
    throw err;
  }
}
