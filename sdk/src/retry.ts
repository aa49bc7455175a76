import { NetworkError, retryAfterSeconds } from './errors.js';

/**
 * How the client retries. A request is retried when the gateway answers 429 or 503, or when
 * it gets no answer at all (a network error); never after any other status. A `POST` is only
 * retried when it carries an `Idempotency-Key` (the client gives every create one), so a retry
 * can never create a resource twice.
 */
export interface RetryOptions {
  /** Attempts in all, the first one included; `1` turns retries off. Default 3. */
  attempts?: number;
  /** The backoff before retry n is a random delay in [0, baseDelayMs * 2^(n-1)]. Default 250. */
  baseDelayMs?: number;
  /**
   * The longest wait between attempts, default 30000. Backoff is capped at it, and a
   * `Retry-After` longer than it ends the retries (the error then carries the delay).
   */
  maxDelayMs?: number;
  /** How to wait; replace it in tests. Default: a `setTimeout` promise. */
  sleep?: (ms: number) => Promise<void>;
  /** Random numbers in [0, 1) for the jitter. Default `Math.random`. */
  random?: () => number;
}

/** {@link RetryOptions} with every default filled in. */
export type RetryPolicy = Required<RetryOptions>;

/** The defaults of {@link RetryOptions}. */
export const defaultRetry: Readonly<Omit<RetryPolicy, 'sleep' | 'random'>> = {
  attempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
};

/** Fills in the defaults of {@link RetryOptions}; `attempts` is at least 1. */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  return {
    attempts: Math.max(1, Math.floor(options.attempts ?? defaultRetry.attempts)),
    baseDelayMs: options.baseDelayMs ?? defaultRetry.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? defaultRetry.maxDelayMs,
    sleep:
      options.sleep ??
      ((ms) =>
        new Promise<void>((resolve) => {
          setTimeout(resolve, ms);
        })),
    random: options.random ?? Math.random,
  };
}

/**
 * Exponential backoff with full jitter: before retry `retry` (1 for the first retry) wait a
 * uniformly random time in [0, min(maxDelayMs, baseDelayMs * 2^(retry-1))], in whole ms.
 */
export function backoffDelay(
  retry: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'random'>,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(policy.random() * ceiling);
}

/** Whether a request may be sent again: anything but a POST without an Idempotency-Key. */
export function isRetryable(method: string, headers: Headers): boolean {
  return method.toUpperCase() !== 'POST' || headers.has('idempotency-key');
}

/** The statuses worth retrying: the gateway is throttling or briefly unavailable. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 503;
}

/** A response and how many attempts it took. */
export interface AttemptResult {
  response: Response;
  attempts: number;
}

/**
 * Sends `send()` until it gives a response that is not worth retrying, or the attempts run out,
 * and returns the last response (whatever its status) with the number of attempts. Waits honour
 * `Retry-After` when the gateway sends it and use {@link backoffDelay} otherwise. When no
 * attempt got a response, throws a {@link NetworkError} carrying the last cause.
 *
 * @param send - makes one attempt; called again for each retry, so it must send the same
 *   request (same body, same headers, same Idempotency-Key) every time.
 * @param retryable - false to make exactly one attempt (see {@link isRetryable}).
 */
export async function withRetries(
  send: () => Promise<Response>,
  retryable: boolean,
  policy: RetryPolicy,
): Promise<AttemptResult> {
  const attempts = retryable ? policy.attempts : 1;
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await send();
    } catch (err) {
      if (attempt >= attempts || isAbort(err)) {
        throw isAbort(err) ? err : new NetworkError(err, attempt);
      }
      await policy.sleep(backoffDelay(attempt, policy));
      continue;
    }
    if (attempt >= attempts || !isRetryableStatus(response.status)) {
      return { response, attempts: attempt };
    }
    const after = retryAfterSeconds(response.headers);
    const wait = after === undefined ? backoffDelay(attempt, policy) : after * 1000;
    if (wait > policy.maxDelayMs) {
      return { response, attempts: attempt };
    }
    // Free the connection before waiting; the body of a 429 or 503 is not needed.
    await response.body?.cancel().catch(() => undefined);
    await policy.sleep(wait);
  }
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}
