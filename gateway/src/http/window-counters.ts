import type { Cache } from '@swiftacare/cache';

interface Window {
  /** The count the shared cache last answered: every process's requests, ours included. */
  shared: number;
  /** Ours since then: sent and not yet answered, and not yet sent. */
  inFlight: number;
  pending: number;
  /** Epoch ms when the window ends, as the cache last said. */
  resetAt: number;
  settling: boolean;
  timer: NodeJS.Timeout | undefined;
}

/** A count in a fixed window, and the time until it resets. */
export interface WindowCount {
  count: number;
  resetInMs: number;
}

/**
 * Fixed-window request counters shared through the cache, without a cache call per request.
 * The first request of a window asks the cache; later ones are counted here and settled with
 * the cache (one `increment` by the number counted) at most every `settleMs`. In one process the
 * count is exact; across processes it lags the others' requests by at most `settleMs` plus a
 * round trip, which a limit of thousands a minute does not notice.
 * Limitation: a failed settlement (the cache unreachable) is retried with the next one, so a
 * process counts only its own requests until the cache answers again.
 */
export class WindowCounters {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly cache: Cache,
    private readonly windowSeconds: number,
    private readonly settleMs = 100,
  ) {}

  /** Counts one request under `key`, and says how many the window holds now. */
  async count(key: string): Promise<WindowCount> {
    const now = Date.now();
    const known = this.windows.get(key);
    if (!known || known.resetAt <= now) {
      if (known) {
        clearTimeout(known.timer);
        // What was counted but not yet settled belonged to the window that ended.
      }
      this.forgetEnded(now);
      const first = await this.cache.increment(key, this.windowSeconds);
      const current = this.windows.get(key);
      // Another request of the same key may have opened the window meanwhile; keep one.
      if (current && current.resetAt > Date.now()) {
        current.shared = Math.max(current.shared, first.count);
        return { count: this.total(current), resetInMs: first.resetInMs };
      }
      this.windows.set(key, {
        shared: first.count,
        inFlight: 0,
        pending: 0,
        resetAt: Date.now() + first.resetInMs,
        settling: false,
        timer: undefined,
      });
      return first;
    }
    known.pending += 1;
    this.scheduleSettle(key, known);
    return { count: this.total(known), resetInMs: Math.max(1, known.resetAt - now) };
  }

  private total(w: Window): number {
    return w.shared + w.inFlight + w.pending;
  }

  private scheduleSettle(key: string, w: Window): void {
    if (w.timer || w.settling) {
      return;
    }
    w.timer = setTimeout(() => {
      w.timer = undefined;
      void this.settle(key, w);
    }, this.settleMs);
    // Counters never keep the process alive.
    w.timer.unref();
  }

  private async settle(key: string, w: Window): Promise<void> {
    if (w.pending === 0 || this.windows.get(key) !== w) {
      return;
    }
    w.settling = true;
    w.inFlight = w.pending;
    w.pending = 0;
    try {
      const answer = await this.cache.increment(key, this.windowSeconds, w.inFlight);
      w.shared = answer.count;
      w.resetAt = Date.now() + answer.resetInMs;
      w.inFlight = 0;
    } catch {
      // Counted again with the next settlement.
      w.pending += w.inFlight;
      w.inFlight = 0;
    } finally {
      w.settling = false;
    }
    if (w.pending > 0) {
      this.scheduleSettle(key, w);
    }
  }

  // Windows of callers that went quiet would otherwise pile up.
  private forgetEnded(now: number): void {
    if (this.windows.size < 1024) {
      return;
    }
    for (const [key, w] of this.windows) {
      if (w.resetAt <= now && !w.settling) {
        clearTimeout(w.timer);
        this.windows.delete(key);
      }
    }
  }
}
