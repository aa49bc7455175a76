import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { describeCacheContract } from './contract/index.js';
import { MemoryCache } from './memory-cache.js';

describeCacheContract('MemoryCache', () => Promise.resolve(new MemoryCache()));

describe('MemoryCache', () => {
  it('evicts the oldest write at maxEntries, after sweeping out expired entries', async () => {
    const cache = new MemoryCache({ maxEntries: 3 });
    await cache.set('a', '1', 60);
    await cache.set('b', '2', 60);
    await cache.set('c', '3', 60);
    // Rewriting 'a' makes it the newest, so 'b' is now the oldest write.
    await cache.set('a', '1 again', 60);
    await cache.set('d', '4', 60);
    expect(cache.size).toBe(3);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBe('1 again');
    expect(await cache.get('c')).toBe('3');
    expect(await cache.get('d')).toBe('4');
    await cache.close();
  });

  it('makes room by dropping expired entries before live ones', async () => {
    const cache = new MemoryCache({ maxEntries: 2 });
    await cache.set('live', 'stays', 60);
    await cache.set('short', 'goes', 1);
    await sleep(1100);
    await cache.set('new', 'fits', 60);
    expect(await cache.get('live')).toBe('stays');
    expect(await cache.get('new')).toBe('fits');
    await cache.close();
  });

  it('sweeps out expired entries nobody reads', async () => {
    const cache = new MemoryCache({ sweepIntervalMs: 100 });
    await cache.set('short', 'goes', 1);
    await cache.set('long', 'stays', 60);
    expect(cache.size).toBe(2);
    await sleep(1300);
    expect(cache.size).toBe(1);
    await cache.close();
  });

  it('refuses a maxEntries below one', () => {
    expect(() => new MemoryCache({ maxEntries: 0 })).toThrow(RangeError);
  });
});
