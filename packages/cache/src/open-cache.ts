import type { Cache } from './cache.js';
import { MemoryCache } from './memory-cache.js';
import { RedisCache, type RedisCacheOptions } from './redis-cache.js';

/**
 * The cache a deployment configured: a {@link RedisCache} for a `redis://` (or TLS `rediss://`)
 * URL, the embedded {@link MemoryCache} when no URL is given. Any other URL is refused rather
 * than quietly replaced by a per-process cache: with several processes that would silently
 * stop sharing revocations and spent JWT ids.
 *
 * @param options applies to a RedisCache only.
 */
export function openCache(url?: string, options: RedisCacheOptions = {}): Cache {
  if (url === undefined || url === '') {
    return new MemoryCache();
  }
  if (/^rediss?:\/\//i.test(url)) {
    return new RedisCache(url, options);
  }
  // The scheme only: the rest of the URL may carry a password.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1] ?? 'no scheme';
  throw new Error(`unsupported cache URL (${scheme}): expected redis:// or rediss://`);
}
