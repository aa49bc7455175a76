import type { Cache } from '@swiftacare/cache';
import { FhirError } from '@swiftacare/fhir';
import type { MiddlewareHandler } from 'hono';
import { clientAddress } from './client-address.js';
import { WindowCounters } from './window-counters.js';
import type { GatewayEnv } from './env.js';
import { fhirJson } from './fhir-response.js';

const windowSeconds = 60;

/**
 * Fixed-window request limits per caller (client or user) and per address, shared by every
 * gateway process through the cache (counted locally and settled with it every 100 ms, see
 * {@link WindowCounters}). Answers 429 with `Retry-After`, and every answer carries
 * the `RateLimit-*` fields of draft-ietf-httpapi-ratelimit-headers so clients can pace
 * themselves. A limit of 0 turns limiting off.
 */
export function rateLimit(cache: Cache, perMinute: number): MiddlewareHandler<GatewayEnv> {
  const counters = new WindowCounters(cache, windowSeconds);
  return async (c, next) => {
    if (perMinute <= 0) {
      await next();
      return;
    }
    const principal = c.get('principal');
    const who = principal
      ? `${principal.tenant}:${principal.clientId ?? principal.subject}`
      : 'anonymous';
    const address = clientAddress(c) ?? 'unknown';
    const [caller, origin] = await Promise.all([
      counters.count(`rate:caller:${who}`),
      // An address may carry several callers (a hospital's outbound proxy): it gets more room.
      counters.count(`rate:address:${address}`),
    ]);
    const worst = caller.count / perMinute >= origin.count / (perMinute * 4) ? caller : origin;
    const limit = worst === caller ? perMinute : perMinute * 4;
    const reset = Math.ceil(worst.resetInMs / 1000);
    const remaining = String(Math.max(0, limit - worst.count));
    if (worst.count > limit) {
      const outcome = new FhirError(
        'tooManyRequests',
        `More than ${limit} requests a minute; retry after ${reset} s`,
      ).toOperationOutcome();
      return new Response(JSON.stringify(outcome), {
        status: 429,
        headers: {
          'content-type': fhirJson,
          'retry-after': String(reset),
          'ratelimit-limit': String(limit),
          'ratelimit-remaining': remaining,
          'ratelimit-reset': String(reset),
        },
      });
    }
    await next();
    const headers = c.res.headers;
    headers.set('ratelimit-limit', String(limit));
    headers.set('ratelimit-remaining', remaining);
    headers.set('ratelimit-reset', String(reset));
  };
}
