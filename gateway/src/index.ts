export * from './app.js';
export * from './config.js';
export * from './demo-seed.js';
export * from './logger.js';
export * from './runtime.js';
export * from './server.js';
export * from './version.js';
