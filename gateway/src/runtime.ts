import { warmSearchParams, warmValidation } from '@swiftacare/fhir';
import { FhirEngine } from '@swiftacare/fhir-engine';
import {
  openPostgres,
  startEmbeddedPostgres,
  type EmbeddedServer,
  type PostgresBackend,
} from '@swiftacare/postgres-store';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';

/** The running backend of a gateway process: storage, engine, and how to stop both. */
export interface Runtime {
  backend: PostgresBackend;
  engine: FhirEngine;
  /** Set when the gateway started its own embedded PostgreSQL. */
  embedded?: EmbeddedServer;
  stop(): Promise<void>;
}

/**
 * Opens storage as configured: the PostgreSQL at DATABASE_URL, or else an embedded one in the
 * data folder. Either way the same `pg` code path serves it. Migrations are applied first, and
 * the FHIR definitions are loaded before the first request rather than during it.
 */
export async function openRuntime(config: GatewayConfig, log: Logger): Promise<Runtime> {
  let embedded: EmbeddedServer | undefined;
  let connectionString = config.databaseUrl;
  if (!connectionString) {
    embedded = await startEmbeddedPostgres(config.dataDir, (line) => {
      log.debug({ component: 'embedded-postgres' }, line);
    });
    connectionString = embedded.connectionString;
    log.info({ dataDir: config.dataDir }, 'embedded PostgreSQL started');
  }
  try {
    warmValidation();
    warmSearchParams();
    const backend = await openPostgres({ connectionString, poolSize: config.poolSize });
    return {
      backend,
      engine: new FhirEngine(backend.resources),
      ...(embedded ? { embedded } : {}),
      stop: async () => {
        await backend.close();
        await embedded?.stop();
      },
    };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}
