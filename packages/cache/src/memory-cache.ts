import { performance } from 'node:perf_hooks';
import { assertIncrement, assertSeconds, type Cache } from './cache.js';

/** Tuning for {@link MemoryCache}; the defaults suit one gateway process. */
export interface MemoryCacheOptions {
  /** Most entries held at once; reaching it evicts the oldest write. Default 100 000. */
  maxEntries?: number;
  /** How often expired entries are swept out even if nobody reads them. Default 60 s. */
  sweepIntervalMs?: number;
}

interface Entry {
  value: string;
  /** On the monotonic clock, so a wall-clock jump neither revives nor kills entries. */
  expiresAt: number;
}

/**
 * The embedded default: a Map with expiry inside one process. Right for a single gateway
 * process; with more than one, each has its own copy, so a revoked token or a spent JWT id is
 * known only to the process that saw it. Use {@link RedisCache} then.
 *
 * Limitation: at `maxEntries` it first sweeps out expired entries and, if still full, evicts
 * the entry written longest ago. An evicted spent JWT id can be replayed, an evicted revocation
 * stops applying, and an evicted counter starts again from zero, all until their own expiry
 * would have come. The cap is there so a flood of distinct keys cannot exhaust the process's
 * memory. Size it above the number of live entries the process really holds.
 */
export class MemoryCache implements Cache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly sweeper: NodeJS.Timeout;
  private lastSweep = 0;
  private closed = false;

  constructor(options: MemoryCacheOptions = {}) {
    const { maxEntries = 100_000, sweepIntervalMs = 60_000 } = options;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries must be a whole number above zero, got ${maxEntries}`);
    }
    this.maxEntries = maxEntries;
    this.sweeper = setInterval(() => {
      this.sweep();
    }, sweepIntervalMs);
    // A cache must never be the reason a process stays alive after its server has closed.
    this.sweeper.unref();
  }

  /** Entries held, including expired ones not yet swept out. */
  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<string | undefined> {
    this.assertOpen();
    return Promise.resolve(this.live(key)?.value);
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    this.assertOpen();
    return Promise.resolve(keys.map((key) => this.live(key)?.value));
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.assertOpen();
    assertSeconds('ttlSeconds', ttlSeconds);
    this.store(key, { value, expiresAt: now() + ttlSeconds * 1000 });
    return Promise.resolve();
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    this.assertOpen();
    assertSeconds('ttlSeconds', ttlSeconds);
    // Check and store happen in one synchronous stretch, so concurrent callers cannot both win.
    if (this.live(key)) {
      return Promise.resolve(false);
    }
    this.store(key, { value, expiresAt: now() + ttlSeconds * 1000 });
    return Promise.resolve(true);
  }

  async delete(key: string): Promise<void> {
    this.assertOpen();
    this.entries.delete(key);
    return Promise.resolve();
  }

  async increment(
    key: string,
    windowSeconds: number,
    by = 1,
  ): Promise<{ count: number; resetInMs: number }> {
    this.assertOpen();
    assertSeconds('windowSeconds', windowSeconds);
    assertIncrement(by);
    const t = now();
    const entry = this.live(key, t);
    if (!entry) {
      this.store(key, { value: String(by), expiresAt: t + windowSeconds * 1000 });
      return Promise.resolve({ count: by, resetInMs: windowSeconds * 1000 });
    }
    // Same refusal as Redis INCR, so a key mix-up fails the same way on both adapters.
    if (!/^-?\d+$/.test(entry.value)) {
      throw new Error(`cannot increment ${JSON.stringify(key)}: its value is not an integer`);
    }
    const count = Number(entry.value) + by;
    // In place: the window keeps its first expiry and the entry keeps its eviction position.
    entry.value = String(count);
    return Promise.resolve({ count, resetInMs: Math.max(1, Math.ceil(entry.expiresAt - t)) });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    this.entries.clear();
    return Promise.resolve();
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new Error('the cache is closed');
    }
  }

  /** The entry under `key` unless it has expired; an expired one is dropped on the way. */
  private live(key: string, t = now()): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= t) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private store(key: string, entry: Entry): void {
    // Delete first so that a rewrite moves the key to the newest end of the eviction order.
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      this.makeRoom();
    }
    this.entries.set(key, entry);
  }

  private makeRoom(): void {
    // Sweeping walks every entry; at most once a second, so a flood at the cap stays linear.
    if (now() - this.lastSweep >= 1000) {
      this.sweep();
    }
    // Maps iterate in insertion order, so the first keys are the oldest writes.
    for (const key of this.entries.keys()) {
      if (this.entries.size < this.maxEntries) {
        break;
      }
      this.entries.delete(key);
    }
  }

  private sweep(): void {
    const t = now();
    this.lastSweep = t;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= t) {
        this.entries.delete(key);
      }
    }
  }
}

function now(): number {
  return performance.now();
}
