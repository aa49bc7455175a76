import { describe, expect, it } from 'vitest';
import { MemoryCache } from './memory-cache.js';
import { openCache } from './open-cache.js';
import { RedisCache } from './redis-cache.js';
import { testRedisUrl } from './testing.js';

describe('openCache', () => {
  it('opens the embedded MemoryCache without a URL', async () => {
    for (const url of [undefined, '']) {
      const cache = openCache(url);
      expect(cache).toBeInstanceOf(MemoryCache);
      await cache.close();
    }
  });

  it('opens a RedisCache for a redis:// URL', async () => {
    const cache = openCache(testRedisUrl(), { keyPrefix: 'test:open-cache:' });
    expect(cache).toBeInstanceOf(RedisCache);
    await cache.set('k', 'v', 5);
    expect(await cache.get('k')).toBe('v');
    await cache.delete('k');
    await cache.close();
  });

  it('refuses any other URL without echoing it, since it may hold a password', () => {
    expect(() => openCache('memcached://admin:s3cret@cache:11211')).toThrow(/memcached/);
    expect(() => openCache('memcached://admin:s3cret@cache:11211')).not.toThrow(/s3cret/);
    expect(() => openCache('localhost:6379')).toThrow(/unsupported cache URL/);
  });
});
