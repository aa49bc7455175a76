export * from './cache-contract.js';
