import { describeResourceStoreContract } from '@swiftacare/resource-store/contract';
import { openTestBackend } from './testing.js';

describeResourceStoreContract('PostgreSQL', async () => {
  const backend = await openTestBackend(['alpha', 'beta']);
  return { store: backend.resources, tenants: ['alpha', 'beta'], close: () => backend.close() };
});
