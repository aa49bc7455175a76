/**
 * The child process that serves an earlier build's gateway for bench:access (see
 * earlier-build.ts). Its own process, because two copies of the HTTP server library in one
 * process would each replace the global Response with their own and slow the other down.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FhirEngine } from '@swiftacare/fhir-engine';
import { createDatabase } from './gateway-under-test.js';
import { analyze } from './owner-sql.js';
import { seed } from './seed.js';

/** What the parent sends first. */
export interface EarlierStart {
  dir: string;
  serverUrl: string;
  tenant: string;
}

/** What the child answers once it serves, or why it could not. */
export type EarlierReady = { url: string; appointmentIds: string[] } | { error: string };

// The few parts of an earlier build's gateway package this uses; they have kept their shape.
interface EarlierGateway {
  readConfig(env: NodeJS.ProcessEnv): unknown;
  createLogger(level: string, stream: NodeJS.WritableStream): unknown;
  openRuntime(
    config: unknown,
    log: unknown,
  ): Promise<{
    engine: FhirEngine;
    backend: { tenants: { create(id: string, name: string): Promise<unknown> } };
  }>;
  listen(
    config: unknown,
    runtime: unknown,
    log: unknown,
  ): Promise<{ url: string; close(): Promise<void> }>;
}

async function start(request: EarlierStart): Promise<() => Promise<void>> {
  const entry = pathToFileURL(join(resolve(request.dir), 'gateway', 'dist', 'index.js')).href;
  const earlier = (await import(entry)) as EarlierGateway;
  const db = await createDatabase(request.serverUrl);
  try {
    const config = earlier.readConfig({
      PORT: '0',
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '20',
    });
    const log = earlier.createLogger('warn', process.stderr);
    const runtime = await earlier.openRuntime(config, log);
    const server = await earlier.listen(config, runtime, log);
    await runtime.backend.tenants.create(request.tenant, 'Benchmark');
    const seeded = await seed(runtime.engine, request.tenant, Date.now());
    await analyze(db.url);
    process.send?.({ url: server.url, appointmentIds: seeded.appointments } satisfies EarlierReady);
    // Closing the server stops its runtime too.
    return async () => {
      try {
        await server.close();
      } finally {
        await db.drop();
      }
    };
  } catch (err) {
    await db.drop();
    throw err;
  }
}

let stop: (() => Promise<void>) | undefined;
process.on('message', (message: EarlierStart | 'stop') => {
  if (message === 'stop') {
    void (stop ?? (() => Promise.resolve()))().finally(() => process.exit(0));
    return;
  }
  start(message).then(
    (stopper) => {
      stop = stopper;
    },
    (err: unknown) => {
      process.send?.({ error: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    },
  );
});
