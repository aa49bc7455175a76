import { inject } from 'vitest';
import { openPostgres, type PostgresBackend } from './open-postgres.js';
import { createTestDatabase } from './test-database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The PostgreSQL server of this test run; each test file makes its own database on it. */
    databaseUrl: string;
  }
}

/** A migrated backend on a database of its own, for one test file. */
export interface TestBackend extends PostgresBackend {
  url: string;
}

/**
 * Opens a fresh, migrated database on the test run's PostgreSQL server, with the given
 * tenants created. `close()` drops it.
 */
export async function openTestBackend(tenants: readonly string[] = []): Promise<TestBackend> {
  const db = await createTestDatabase(inject('databaseUrl'));
  const backend = await openPostgres({ connectionString: db.url });
  for (const t of tenants) {
    await backend.tenants.create(t, `Tenant ${t}`);
  }
  return {
    ...backend,
    url: db.url,
    close: async () => {
      await backend.close();
      await db.drop();
    },
  };
}

export { createTestDatabase };
