import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cache } from '../cache.js';

/**
 * The behaviour every Cache adapter must show, as one suite each adapter runs against the real
 * server it adapts. `open` is called once for the suite and once more for the close test; keys
 * are random, so the suite may share a server with other suites.
 */
export function describeCacheContract(name: string, open: () => Promise<Cache>): void {
  describe(`Cache contract: ${name}`, () => {
    let cache: Cache;
    const key = (label: string): string => `contract:${label}:${randomUUID()}`;

    beforeAll(async () => {
      cache = await open();
    });

    afterAll(async () => {
      await cache.close();
    });

    it('has nothing under a key never set', async () => {
      expect(await cache.get(key('missing'))).toBeUndefined();
    });

    it('reads back what it stored, the empty string included, and set replaces a value', async () => {
      const k = key('set');
      await cache.set(k, 'first', 60);
      expect(await cache.get(k)).toBe('first');
      await cache.set(k, 'second', 60);
      expect(await cache.get(k)).toBe('second');
      const empty = key('empty');
      await cache.set(empty, '', 60);
      expect(await cache.get(empty)).toBe('');
    });

    it('reads several keys at once, in their order, absent and expired ones undefined', async () => {
      const [a, b, gone, missing] = ['many-a', 'many-b', 'many-gone', 'many-missing'].map(key);
      await cache.set(a ?? '', 'first', 60);
      await cache.set(b ?? '', '', 60);
      await cache.set(gone ?? '', 'brief', 1);
      expect(await cache.getMany([b ?? '', missing ?? '', a ?? '', gone ?? ''])).toEqual([
        '',
        undefined,
        'first',
        'brief',
      ]);
      await sleep(1250);
      expect(await cache.getMany([gone ?? '', a ?? ''])).toEqual([undefined, 'first']);
      expect(await cache.getMany([])).toEqual([]);
    });

    it('forgets entries after their TTL; set renews the TTL; setIfAbsent works again', async () => {
      const expiring = key('expiring');
      const renewed = key('renewed');
      const once = key('once');
      await cache.set(expiring, 'gone soon', 1);
      await cache.set(renewed, 'short', 1);
      await cache.set(renewed, 'long', 60);
      expect(await cache.setIfAbsent(once, 'first use', 1)).toBe(true);
      expect(await cache.get(expiring)).toBe('gone soon');
      await sleep(1250);
      expect(await cache.get(expiring)).toBeUndefined();
      expect(await cache.get(renewed)).toBe('long');
      expect(await cache.get(once)).toBeUndefined();
      expect(await cache.setIfAbsent(once, 'second use', 60)).toBe(true);
      expect(await cache.get(once)).toBe('second use');
    });

    it('stores with setIfAbsent once: true, then false, keeping the first value', async () => {
      const k = key('jti');
      expect(await cache.setIfAbsent(k, 'first', 60)).toBe(true);
      expect(await cache.setIfAbsent(k, 'second', 60)).toBe(false);
      expect(await cache.get(k)).toBe('first');
      // A value from set counts as present too.
      const preset = key('preset');
      await cache.set(preset, 'there', 60);
      expect(await cache.setIfAbsent(preset, 'late', 60)).toBe(false);
      expect(await cache.get(preset)).toBe('there');
    });

    it('lets exactly one of 20 concurrent setIfAbsent calls win', async () => {
      const k = key('race');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => cache.setIfAbsent(k, `caller ${i}`, 60)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await cache.get(k)).toBe(`caller ${results.indexOf(true)}`);
    });

    it('deletes a key, after which setIfAbsent stores again; deleting nothing is fine', async () => {
      const k = key('delete');
      await cache.set(k, 'value', 60);
      await cache.delete(k);
      expect(await cache.get(k)).toBeUndefined();
      expect(await cache.setIfAbsent(k, 'again', 60)).toBe(true);
      await expect(cache.delete(key('never-set'))).resolves.toBeUndefined();
    });

    it('counts 1..n in a window, resetInMs within (0, window] and never growing', async () => {
      const k = key('counter');
      const windowSeconds = 30;
      let previous = Infinity;
      for (let n = 1; n <= 5; n++) {
        const { count, resetInMs } = await cache.increment(k, windowSeconds);
        expect(count).toBe(n);
        expect(resetInMs).toBeGreaterThan(0);
        expect(resetInMs).toBeLessThanOrEqual(windowSeconds * 1000);
        expect(resetInMs).toBeLessThanOrEqual(previous);
        previous = resetInMs;
      }
    });

    it('keeps counters apart per key', async () => {
      const a = key('counter-a');
      const b = key('counter-b');
      await cache.increment(a, 30);
      await cache.increment(a, 30);
      expect((await cache.increment(b, 30)).count).toBe(1);
      expect((await cache.increment(a, 30)).count).toBe(3);
    });

    it('adds a given amount at once, in the same window, and refuses amounts that are not counts', async () => {
      const k = key('by');
      expect((await cache.increment(k, 30, 5)).count).toBe(5);
      expect((await cache.increment(k, 30)).count).toBe(6);
      const third = await cache.increment(k, 30, 10);
      expect(third.count).toBe(16);
      expect(third.resetInMs).toBeLessThanOrEqual(30_000);
      for (const by of [0, -1, 1.5, Number.NaN]) {
        await expect(cache.increment(k, 30, by)).rejects.toThrow(RangeError);
      }
      expect((await cache.increment(k, 30)).count).toBe(17);
    });

    it('starts a new window once the first has passed; increments do not extend it', async () => {
      const k = key('window');
      const first = await cache.increment(k, 1);
      expect(first.count).toBe(1);
      await sleep(500);
      const second = await cache.increment(k, 1);
      expect(second.count).toBe(2);
      expect(second.resetInMs).toBeLessThan(first.resetInMs);
      // Past the first window's end, though not a full window after the second increment.
      await sleep(700);
      const third = await cache.increment(k, 1);
      expect(third.count).toBe(1);
      expect(third.resetInMs).toBeGreaterThan(500);
    });

    it('keeps unicode values and keys intact', async () => {
      const values = [
        'héllo wörld',
        '日本語のテキスト',
        'emoji 🩺💉 and a ZWJ sequence 👩🏽‍⚕️',
        'combining: e\u0301 and Ω\u0308',
        'right-to-left: مرحبا שלום',
        'control characters: \u0000 \t \n \r',
        '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 outside the BMP '.repeat(4000),
      ];
      for (const [i, value] of values.entries()) {
        const k = key(`unicode-ключ-🔑-${i}`);
        await cache.set(k, value, 60);
        expect(await cache.get(k)).toBe(value);
      }
    });

    it('refuses durations that are not whole seconds above zero', async () => {
      for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(cache.set(key('bad'), 'v', bad)).rejects.toThrow(RangeError);
        await expect(cache.setIfAbsent(key('bad'), 'v', bad)).rejects.toThrow(RangeError);
        await expect(cache.increment(key('bad'), bad)).rejects.toThrow(RangeError);
      }
    });

    it('refuses to increment a key holding a value that is not an integer', async () => {
      const k = key('not-a-number');
      await cache.set(k, 'abc', 60);
      await expect(cache.increment(k, 30)).rejects.toThrow();
      expect(await cache.get(k)).toBe('abc');
    });

    it('rejects calls once closed, and closing twice is harmless', async () => {
      const closing = await open();
      const k = key('closed');
      await closing.set(k, 'value', 60);
      await closing.close();
      await expect(closing.get(k)).rejects.toThrow();
      await expect(closing.getMany([k])).rejects.toThrow();
      await expect(closing.set(k, 'value', 60)).rejects.toThrow();
      await expect(closing.close()).resolves.toBeUndefined();
    });
  });
}
