import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryCache, type Cache } from '@swiftacare/cache';
import { afterEach, describe, expect, it } from 'vitest';
import { WindowCounters } from './window-counters.js';

const caches: Cache[] = [];
function newCache(): MemoryCache {
  const cache = new MemoryCache();
  caches.push(cache);
  return cache;
}
afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
});

const counts = async (counters: WindowCounters, key: string, n: number): Promise<number[]> => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push((await counters.count(key)).count);
  }
  return out;
};

describe('WindowCounters', () => {
  it('counts exactly in one process, and settles its count with the cache', async () => {
    const cache = newCache();
    const counters = new WindowCounters(cache, 60, 20);
    expect(await counts(counters, 'k', 5)).toEqual([1, 2, 3, 4, 5]);
    // Only the first request asked the cache; the other four are settled shortly after.
    await sleep(60);
    expect((await cache.increment('k', 60)).count).toBe(6);
  });

  it('keeps keys apart, and counts concurrent requests once each', async () => {
    const counters = new WindowCounters(newCache(), 60, 20);
    const burst = await Promise.all(Array.from({ length: 10 }, () => counters.count('a')));
    expect(Math.max(...burst.map((b) => b.count))).toBe(10);
    expect((await counters.count('b')).count).toBe(1);
    expect((await counters.count('a')).count).toBe(11);
  });

  it("sees another process's requests once both have settled", async () => {
    const cache = newCache();
    const one = new WindowCounters(cache, 60, 20);
    const two = new WindowCounters(cache, 60, 20);
    await counts(one, 'shared', 3);
    await counts(two, 'shared', 4);
    await sleep(80);
    // 7 counted between them; each has settled, and the next settlement tells each the total.
    await one.count('shared');
    await sleep(80);
    expect((await one.count('shared')).count).toBe(9);
  });

  it('starts over when the window ends', async () => {
    const counters = new WindowCounters(newCache(), 1, 20);
    expect(await counts(counters, 'w', 3)).toEqual([1, 2, 3]);
    await sleep(1100);
    expect((await counters.count('w')).count).toBe(1);
  });

  it('keeps what it counted when a settlement fails, and settles it later', async () => {
    const cache = newCache();
    let failing = false;
    const flaky: Cache = Object.assign(Object.create(cache) as Cache, {
      increment: (key: string, windowSeconds: number, by?: number) =>
        failing
          ? Promise.reject(new Error('cache unreachable'))
          : cache.increment(key, windowSeconds, by),
    });
    const counters = new WindowCounters(flaky, 60, 20);
    await counts(counters, 'f', 1);
    failing = true;
    expect(await counts(counters, 'f', 3)).toEqual([2, 3, 4]);
    await sleep(60);
    expect((await counters.count('f')).count).toBe(5);
    failing = false;
    await sleep(80);
    expect((await cache.increment('f', 60)).count).toBe(6);
  });
});
