import { warmSearchParams, warmValidation } from '@swiftacare/fhir';
import { openCache } from '@swiftacare/cache';
import type { FhirEngine } from '@swiftacare/fhir-engine';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import {
  openPostgres,
  reachableByPostgres,
  startEmbeddedPostgres,
  type EmbeddedServer,
  type PostgresBackend,
} from '@swiftacare/postgres-store';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import { buildServices, type GatewayServices } from './services.js';

/** The running backend of a gateway process: storage, engine, and how to stop both. */
export interface Runtime {
  backend: PostgresBackend;
  engine: FhirEngine;
  services: GatewayServices;
  /** Set when the gateway started its own embedded PostgreSQL. */
  embedded?: EmbeddedServer & { dataDir: string };
  stop(): Promise<void>;
}

/**
 * The embedded server's folder. Run as root inside a folder the `postgres` user cannot enter
 * (a checkout under /root, say), the default moves to /var/lib/swiftacare, one folder per
 * checkout, rather than failing; a folder given explicitly is used as given.
 */
export function embeddedDataDir(config: GatewayConfig): string {
  if (config.dataDirGiven || reachableByPostgres(resolve(config.dataDir))) {
    return config.dataDir;
  }
  const checkout = createHash('sha256').update(process.cwd()).digest('hex').slice(0, 12);
  return `/var/lib/swiftacare/${checkout}`;
}

/**
 * Opens storage as configured: the PostgreSQL at DATABASE_URL, or else an embedded one in the
 * data folder. Either way the same `pg` code path serves it. Migrations are applied first, and
 * the FHIR definitions are loaded before the first request rather than during it.
 */
export async function openRuntime(config: GatewayConfig, log: Logger): Promise<Runtime> {
  let embedded: (EmbeddedServer & { dataDir: string }) | undefined;
  let connectionString = config.databaseUrl;
  if (!connectionString) {
    const dataDir = embeddedDataDir(config);
    const server = await startEmbeddedPostgres(dataDir, (line) => {
      log.debug({ component: 'embedded-postgres' }, line);
    });
    embedded = { ...server, dataDir };
    connectionString = embedded.connectionString;
    log.info({ dataDir }, 'embedded PostgreSQL started');
  }
  try {
    warmValidation();
    warmSearchParams();
    const backend = await openPostgres({ connectionString, poolSize: config.poolSize });
    const cache = openCache(config.redisUrl);
    const services = buildServices(backend, cache);
    return {
      backend,
      engine: services.engine,
      services,
      ...(embedded ? { embedded } : {}),
      stop: async () => {
        await services.audit.close();
        await cache.close();
        await backend.close();
        await embedded?.stop();
      },
    };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}
