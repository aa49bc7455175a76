export * from './resource-store-contract.js';
