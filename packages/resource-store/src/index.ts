export * from './resource-store.js';
export * from './stored-version.js';
export * from './tenant-registry.js';
