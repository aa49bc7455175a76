import { Redis } from 'ioredis';
import { assertIncrement, assertSeconds, type Cache } from './cache.js';

/** Options of {@link RedisCache}. */
export interface RedisCacheOptions {
  /** Put in front of every key, to share one Redis between deployments or test files. */
  keyPrefix?: string;
  /**
   * Longest wait for any one call, connecting and queueing included, before it rejects.
   * Default 1000 ms: a cache slower than that should fail the request rather than stall it.
   */
  commandTimeoutMs?: number;
  /**
   * Told of connection errors, which the client otherwise handles by reconnecting. Failed
   * calls reject whether or not this is given, so it is for logging only.
   */
  onError?: (error: Error) => void;
}

/**
 * INCRBY, then an expiry only when the key has none (PEXPIRE NX, which Redis has only since 7.0),
 * then the time left, all in one atomic step. Setting the expiry on "no expiry yet" rather
 * than on "count is 1" also heals a counter that somehow lost its expiry, which would
 * otherwise lock its caller out for good.
 */
const INCREMENT_WINDOW = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

interface WindowCounter {
  incrementWindow(key: string, windowMs: number, by: number): Promise<unknown>;
}

/**
 * The cache shared by every gateway process, in Redis. Each call fails within
 * `commandTimeoutMs` when Redis is down or unreachable rather than hang the request waiting
 * for it; the client keeps reconnecting in the background and recovers by itself.
 */
export class RedisCache implements Cache {
  private readonly redis: Redis & WindowCounter;
  private closed = false;

  /** `url` is a `redis://` or `rediss://` URL; credentials and database number may be in it. */
  constructor(url: string, options: RedisCacheOptions = {}) {
    const { keyPrefix, commandTimeoutMs = 1000, onError } = options;
    const redis = new Redis(url, {
      ...(keyPrefix === undefined ? {} : { keyPrefix }),
      commandTimeout: commandTimeoutMs,
      // Calls made by concurrent requests in the same tick go out as one write: under load a
      // request's token, revocation and rate-limit lookups share round trips with others'.
      enableAutoPipelining: true,
      connectTimeout: Math.max(commandTimeoutMs, 1000),
      // Give up on a call after two failed reconnects, not the default twenty.
      maxRetriesPerRequest: 2,
      // Reconnect quickly and keep trying: a cache is cheap to reconnect to, and every second
      // it is unreachable is a second of failed requests.
      retryStrategy: (times) => Math.min(50 * 2 ** (times - 1), 1000),
    });
    // Without a listener ioredis prints each connection error to the console itself.
    redis.on('error', (error: Error) => {
      onError?.(error);
    });
    // Sent as EVALSHA, falling back to EVAL when the server does not hold the script yet.
    redis.defineCommand('incrementWindow', { numberOfKeys: 1, lua: INCREMENT_WINDOW });
    this.redis = redis as Redis & WindowCounter;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(key)) ?? undefined;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) {
      return [];
    }
    // MGET: one command however many keys, where GETs would each be parsed and answered.
    return (await this.redis.mget(...keys)).map((value) => value ?? undefined);
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    assertSeconds('ttlSeconds', ttlSeconds);
    await this.redis.set(key, value, 'EX', ttlSeconds);
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    assertSeconds('ttlSeconds', ttlSeconds);
    // One command, so the check and the store are atomic on the server: exactly one caller wins.
    return (await this.redis.set(key, value, 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(key);
  }

  async increment(
    key: string,
    windowSeconds: number,
    by = 1,
  ): Promise<{ count: number; resetInMs: number }> {
    assertSeconds('windowSeconds', windowSeconds);
    assertIncrement(by);
    const windowMs = windowSeconds * 1000;
    const reply = await this.redis.incrementWindow(key, windowMs, by);
    if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') {
      throw new Error(`unexpected reply from the window counter script: ${JSON.stringify(reply)}`);
    }
    // PTTL can read 0 in the last millisecond of a window; the contract promises more than 0.
    return { count: reply[0], resetInMs: Math.min(windowMs, Math.max(1, reply[1])) };
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    if (this.redis.status !== 'ready') {
      // QUIT would wait in the offline queue for a connection that may never come.
      this.redis.disconnect();
      return;
    }
    try {
      // QUIT lets replies already on their way arrive first.
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
