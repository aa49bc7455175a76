import { describeResourceStoreContract } from '@swiftacare/resource-store/contract';
import { inject } from 'vitest';
import { openPostgres } from './open-postgres.js';
import { createTestDatabase } from './test-database.js';

describeResourceStoreContract('PostgreSQL', async () => {
  const db = await createTestDatabase(inject('databaseUrl'));
  const backend = await openPostgres({ connectionString: db.url });
  await backend.tenants.create('alpha', 'Alpha Clinic');
  await backend.tenants.create('beta', 'Beta Hospital');
  return {
    store: backend.resources,
    tenants: ['alpha', 'beta'],
    close: async () => {
      await backend.close();
      await db.drop();
    },
  };
});
