export * from './embedded-server.js';
export * from './migrate.js';
export * from './open-postgres.js';
export * from './postgres-audit-store.js';
export * from './postgres-identity-store.js';
export * from './postgres-resource-store.js';
export * from './postgres-tenant-registry.js';
export * from './tables.js';
