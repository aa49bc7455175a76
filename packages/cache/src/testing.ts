import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { RedisCache, type RedisCacheOptions } from './redis-cache.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Redis server of this test run, shared by every test file; keys keep files apart. */
    redisUrl: string;
  }
}

/** The URL of the test run's Redis server (TEST_REDIS_URL, or one the global setup started). */
export function testRedisUrl(): string {
  return inject('redisUrl');
}

/**
 * A RedisCache on the test run's server under a key prefix of its own, so that test files
 * running side by side never see each other's keys.
 */
export function openTestRedisCache(options: Omit<RedisCacheOptions, 'keyPrefix'> = {}): RedisCache {
  return new RedisCache(testRedisUrl(), { ...options, keyPrefix: `test:${randomUUID()}:` });
}
