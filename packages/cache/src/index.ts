export type { Cache } from './cache.js';
export { MemoryCache, type MemoryCacheOptions } from './memory-cache.js';
export { RedisCache, type RedisCacheOptions } from './redis-cache.js';
export { openCache } from './open-cache.js';
