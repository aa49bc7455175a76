import { servedTypes } from '@swiftacare/fhir';
import pg from 'pg';
import { migrate } from './migrate.js';
import { maintainPartitions } from './partitions.js';
import { PostgresAuditStore } from './postgres-audit-store.js';
import { PostgresIdentityStore } from './postgres-identity-store.js';
import { PostgresResourceStore } from './postgres-resource-store.js';
import { PostgresTenantRegistry } from './postgres-tenant-registry.js';
import { appRole } from './tables.js';

/** An open PostgreSQL backend: the stores, and how to close them. */
export interface PostgresBackend {
  resources: PostgresResourceStore;
  tenants: PostgresTenantRegistry;
  identities: PostgresIdentityStore;
  audit: PostgresAuditStore;
  /** The pool queries run on (as the row-level-security role). */
  pool: pg.Pool;
  close(): Promise<void>;
}

/** Options for {@link openPostgres}. */
export interface PostgresOptions {
  connectionString: string;
  /** Connections in the query pool (default 10). */
  poolSize?: number;
  /** Apply pending migrations and partition upkeep first (default true). */
  migrate?: boolean;
}

/**
 * Connects to PostgreSQL, applies migrations, and opens the query pool. Queries run as the
 * `swiftacare_app` role so row-level security holds even when the login is a superuser;
 * migrations run as the login itself, which must own the schema.
 */
export async function openPostgres(options: PostgresOptions): Promise<PostgresBackend> {
  if (options.migrate ?? true) {
    const owner = new pg.Pool({ connectionString: options.connectionString, max: 1 });
    try {
      await migrate(owner);
      await maintainPartitions(
        owner,
        servedTypes.map((t) => t.type),
      );
    } finally {
      await owner.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    // Set in the startup packet, so no statement on these connections ever runs unrestricted.
    options: `-c role=${appRole}`,
  });
  // An idle connection that dies must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return {
    resources: new PostgresResourceStore(pool),
    tenants: new PostgresTenantRegistry(pool),
    identities: new PostgresIdentityStore(pool),
    audit: new PostgresAuditStore(pool),
    pool,
    close: () => pool.end(),
  };
}
