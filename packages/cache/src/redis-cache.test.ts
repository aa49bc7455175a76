import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCacheContract } from './contract/index.js';
import { RedisCache } from './redis-cache.js';
import { openTestRedisCache, testRedisUrl } from './testing.js';

describeCacheContract('RedisCache', () => Promise.resolve(openTestRedisCache()));

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('expected a TCP address');
  }
  return address.port;
}

async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
}

/** Milliseconds `work` took to settle, and its rejection. */
async function timeRejection(work: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  try {
    await work;
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
  throw new Error('expected the call to reject');
}

describe('RedisCache', () => {
  it('keeps key prefixes apart, counters and one-time keys included', async () => {
    const base = `test:${randomUUID()}:`;
    const a = new RedisCache(testRedisUrl(), { keyPrefix: `${base}a:` });
    const b = new RedisCache(testRedisUrl(), { keyPrefix: `${base}b:` });
    const raw = new RedisCache(testRedisUrl(), { keyPrefix: base });
    try {
      await a.set('k', 'from a', 60);
      expect(await b.get('k')).toBeUndefined();
      expect(await b.setIfAbsent('k', 'from b', 60)).toBe(true);
      expect(await a.get('k')).toBe('from a');
      expect((await a.increment('n', 30)).count).toBe(1);
      expect((await b.increment('n', 30)).count).toBe(1);
      // The prefix really is in front of the keys, the Lua counter's key included.
      expect(await raw.get('a:k')).toBe('from a');
      expect(await raw.get('b:k')).toBe('from b');
      expect(await raw.get('a:n')).toBe('1');
      await a.delete('k');
      expect(await raw.get('a:k')).toBeUndefined();
      expect(await raw.get('b:k')).toBe('from b');
    } finally {
      await Promise.all([a.close(), b.close(), raw.close()]);
    }
  });

  describe('when Redis is not there', () => {
    let closedPort: number;

    beforeAll(async () => {
      // A port that was free a moment ago and that nothing listens on now.
      const probe = createServer();
      closedPort = await listen(probe);
      await closeServer(probe);
    });

    it('rejects a call on a closed port within 2 s instead of hanging', async () => {
      const cache = new RedisCache(`redis://127.0.0.1:${closedPort}`);
      const { ms } = await timeRejection(cache.get('anything'));
      expect(ms).toBeLessThan(2000);
      const started = performance.now();
      await cache.close();
      expect(performance.now() - started).toBeLessThan(500);
    });

    it('rejects every call, not only the first, while Redis stays away', async () => {
      const cache = new RedisCache(`redis://127.0.0.1:${closedPort}`);
      await timeRejection(cache.set('k', 'v', 60));
      const { ms } = await timeRejection(cache.increment('n', 30));
      expect(ms).toBeLessThan(2000);
      await cache.close();
    });
  });

  describe('when Redis accepts connections but never answers', () => {
    const server = createServer();
    const sockets = new Set<Socket>();
    let port: number;

    beforeAll(async () => {
      server.on('connection', (socket) => {
        sockets.add(socket);
      });
      port = await listen(server);
    });

    afterAll(async () => {
      for (const socket of sockets) {
        socket.destroy();
      }
      await closeServer(server);
    });

    it('rejects within the command timeout', async () => {
      const cache = new RedisCache(`redis://127.0.0.1:${port}`, { commandTimeoutMs: 500 });
      const { ms, error } = await timeRejection(cache.setIfAbsent('jti', 'spent', 60));
      expect(ms).toBeLessThan(1500);
      expect(String(error)).toMatch(/timed out/i);
      await cache.close();
    });
  });
});
