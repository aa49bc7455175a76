/**
 * A shared cache; never the only copy of anything. Keys are namespaced by the caller.
 *
 * Durations are whole seconds greater than zero: that is what Redis `EX` takes, and an
 * adapter that quietly rounded would expire entries at a different moment from another. Both
 * adapters reject anything else with a `RangeError`. Values are strings of well-formed
 * Unicode (Redis stores them as UTF-8). Counters and plain values share one key space, so a
 * caller keeps them under different keys.
 */
export interface Cache {
  /** The value stored under `key`, or `undefined` when it is absent or expired. */
  get(key: string): Promise<string | undefined>;
  /**
   * The values under `keys`, in their order, `undefined` for each absent or expired one: one
   * round trip to a shared cache for what a request needs at once.
   */
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  /** Stores `value` under `key` for `ttlSeconds`, replacing any value and expiry already there. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Stores only when the key is absent; true when this call stored it (one-time use, e.g. a JWT id). */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** Removes `key`; removing an absent key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Fixed-window counter: increments and returns the count and the milliseconds until the window
   * resets. The window starts with the first increment and is not extended by later ones;
   * `resetInMs` is within (0, windowSeconds × 1000]. `by` (a whole number above zero, default
   * 1) is added at once, for a caller that counts locally and settles up now and then.
   */
  increment(
    key: string,
    windowSeconds: number,
    by?: number,
  ): Promise<{ count: number; resetInMs: number }>;
  /** Releases the cache's resources; later calls reject. Closing twice is harmless. */
  close(): Promise<void>;
}

/** Throws unless `by` is a whole number above zero. Internal to the adapters. */
export function assertIncrement(by: number): void {
  if (!Number.isSafeInteger(by) || by <= 0) {
    throw new RangeError(`by must be a whole number above zero, got ${by}`);
  }
}

/**
 * Throws unless `seconds` is a whole number of seconds above zero. Internal to the adapters, so
 * that both refuse the same durations.
 */
export function assertSeconds(name: string, seconds: number): void {
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new RangeError(`${name} must be a whole number of seconds above zero, got ${seconds}`);
  }
}
