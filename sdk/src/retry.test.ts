import { describe, expect, it } from 'vitest';
import {
  createSwiftacareClient,
  NetworkError,
  RateLimitError,
  ServerError,
  ValidationError,
  type FetchLike,
  type RetryOptions,
} from './index.js';
import { backoffDelay, isRetryable, retryPolicy, withRetries } from './retry.js';

const baseUrl = 'https://fhir.example.test/t/acme/fhir/R4';

interface Sent {
  method: string;
  url: string;
  headers: Headers;
  body: string | undefined;
}

/** A fetch that answers from a script (the last answer repeats) and records what it was sent. */
function scripted(answers: (() => Response)[]): { fetch: FetchLike; sent: Sent[] } {
  const sent: Sent[] = [];
  const fetch: FetchLike = (input, init) => {
    sent.push({
      method: init.method ?? 'GET',
      url: input,
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? init.body : undefined,
    });
    const answer = answers[Math.min(sent.length, answers.length) - 1];
    if (!answer) {
      throw new Error('no scripted answer');
    }
    return Promise.resolve(answer());
  };
  return { fetch, sent };
}

function outcome(status: number, code: string, headers: Record<string, string> = {}): Response {
  return new Response(
    JSON.stringify({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code, diagnostics: `scripted ${status}` }],
    }),
    {
      status,
      headers: {
        'content-type': 'application/fhir+json',
        'x-request-id': `req-${status}`,
        ...headers,
      },
    },
  );
}

function resource(status: number, body: object): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/fhir+json' },
  });
}

const storedPatient = {
  resourceType: 'Patient',
  id: '6f1c2b1e-0000-4000-8000-000000000001',
  meta: { versionId: '1', lastUpdated: '2026-01-01T00:00:00.000Z' },
};

function recordingSleep(): { sleeps: number[]; sleep: (ms: number) => Promise<void> } {
  const sleeps: number[] = [];
  return {
    sleeps,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  };
}

function client(fetch: FetchLike, retry: RetryOptions) {
  return createSwiftacareClient({ baseUrl, fetch, retry });
}

describe('retries', () => {
  it('retries a create after 503, 503 with the same Idempotency-Key, waiting Retry-After', async () => {
    const { fetch, sent } = scripted([
      () => outcome(503, 'transient', { 'retry-after': '1' }),
      () => outcome(503, 'transient', { 'retry-after': '2' }),
      () => resource(201, storedPatient),
    ]);
    const { sleeps, sleep } = recordingSleep();
    const created = await client(fetch, { sleep }).create({ resourceType: 'Patient' });

    expect(created.id).toBe(storedPatient.id);
    expect(sent).toHaveLength(3);
    expect(sleeps).toEqual([1000, 2000]);
    const keys = sent.map((s) => s.headers.get('idempotency-key'));
    expect(keys[0]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(new Set(keys).size).toBe(1);
    // The same request every time: the gateway fingerprints the body with the key.
    expect(new Set(sent.map((s) => s.body)).size).toBe(1);
    expect(new Set(sent.map((s) => s.headers.get('x-request-id'))).size).toBe(1);
    expect(sent.every((s) => s.method === 'POST' && s.url === `${baseUrl}/Patient`)).toBe(true);
    expect(sent[0]?.headers.get('content-type')).toBe('application/fhir+json');
    expect(sent[0]?.headers.get('prefer')).toBe('return=representation');
  });

  it('uses the caller’s Idempotency-Key, and a new key for each create call', async () => {
    const { fetch, sent } = scripted([() => resource(201, storedPatient)]);
    const fhir = client(fetch, {});
    await fhir.create({ resourceType: 'Patient' }, { idempotencyKey: 'order-42' });
    await fhir.create({ resourceType: 'Patient' });
    await fhir.create({ resourceType: 'Patient' });
    const keys = sent.map((s) => s.headers.get('idempotency-key'));
    expect(keys[0]).toBe('order-42');
    expect(new Set(keys).size).toBe(3);
  });

  it('gives up on 429 after the configured attempts with a RateLimitError', async () => {
    const { fetch, sent } = scripted([() => outcome(429, 'throttled', { 'retry-after': '3' })]);
    const { sleeps, sleep } = recordingSleep();
    const error = await client(fetch, { attempts: 4, sleep })
      .read('Patient', storedPatient.id)
      .catch((err: unknown) => err);

    expect(error).toBeInstanceOf(RateLimitError);
    const limited = error as RateLimitError;
    expect(limited.status).toBe(429);
    expect(limited.attempts).toBe(4);
    expect(limited.retryAfterSeconds).toBe(3);
    expect(limited.requestId).toBe('req-429');
    expect(limited.issues[0]?.code).toBe('throttled');
    expect(sent).toHaveLength(4);
    expect(sleeps).toEqual([3000, 3000, 3000]);
  });

  it('without Retry-After, waits with exponential backoff and full jitter', async () => {
    const { fetch, sent } = scripted([() => outcome(429, 'throttled')]);
    const { sleeps, sleep } = recordingSleep();
    const error = await client(fetch, { attempts: 5, baseDelayMs: 100, sleep, random: () => 0.5 })
      .search('Patient')
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterSeconds).toBeUndefined();
    expect(sent).toHaveLength(5);
    expect(sleeps).toEqual([50, 100, 200, 400]);
  });

  it('a Retry-After longer than maxDelayMs ends the retries at once', async () => {
    const { fetch, sent } = scripted([() => outcome(429, 'throttled', { 'retry-after': '120' })]);
    const { sleeps, sleep } = recordingSleep();
    const error = await client(fetch, { sleep, maxDelayMs: 10_000 })
      .read('Patient', storedPatient.id)
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).attempts).toBe(1);
    expect((error as RateLimitError).retryAfterSeconds).toBe(120);
    expect(sent).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('a 503 that outlasts the attempts is a ServerError with the attempt count', async () => {
    const { fetch, sent } = scripted([() => outcome(503, 'transient', { 'retry-after': '0' })]);
    const { sleeps, sleep } = recordingSleep();
    const error = await client(fetch, { sleep })
      .delete('Patient', storedPatient.id)
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).status).toBe(503);
    expect((error as ServerError).attempts).toBe(3);
    expect(sent.map((s) => s.method)).toEqual(['DELETE', 'DELETE', 'DELETE']);
    expect(sleeps).toEqual([0, 0]);
  });

  it('retries network errors, then succeeds', async () => {
    const { fetch, sent } = scripted([
      () => {
        throw new TypeError('fetch failed');
      },
      () => {
        throw new TypeError('fetch failed');
      },
      () => resource(200, storedPatient),
    ]);
    const { sleeps, sleep } = recordingSleep();
    const read = await client(fetch, { sleep, random: () => 0.999 }).read(
      'Patient',
      storedPatient.id,
    );
    expect(read.id).toBe(storedPatient.id);
    expect(sent).toHaveLength(3);
    expect(sleeps).toEqual([249, 499]);
  });

  it('network errors that outlast the attempts are a NetworkError with the cause', async () => {
    const cause = new TypeError('fetch failed');
    const { fetch, sent } = scripted([
      () => {
        throw cause;
      },
    ]);
    const { sleep } = recordingSleep();
    const error = await client(fetch, { attempts: 2, sleep })
      .read('Patient', storedPatient.id)
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).attempts).toBe(2);
    expect((error as NetworkError).cause).toBe(cause);
    expect(sent).toHaveLength(2);
  });

  it('does not retry other errors', async () => {
    for (const [status, kind] of [
      [500, ServerError],
      [400, ValidationError],
    ] as const) {
      const { fetch, sent } = scripted([() => outcome(status, 'exception')]);
      const { sleeps, sleep } = recordingSleep();
      const error = await client(fetch, { sleep })
        .read('Patient', storedPatient.id)
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(kind);
      expect((error as ServerError).attempts).toBe(1);
      expect(sent).toHaveLength(1);
      expect(sleeps).toEqual([]);
    }
  });

  it('attempts: 1 turns retries off', async () => {
    const { fetch, sent } = scripted([() => outcome(503, 'transient', { 'retry-after': '1' })]);
    const error = await client(fetch, { attempts: 1 })
      .read('Patient', storedPatient.id)
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ServerError);
    expect(sent).toHaveLength(1);
  });
});

describe('retry building blocks', () => {
  it('only a POST without an Idempotency-Key is not retryable', () => {
    expect(isRetryable('GET', new Headers())).toBe(true);
    expect(isRetryable('PUT', new Headers())).toBe(true);
    expect(isRetryable('DELETE', new Headers())).toBe(true);
    expect(isRetryable('POST', new Headers())).toBe(false);
    expect(isRetryable('post', new Headers({ 'Idempotency-Key': 'k' }))).toBe(true);
  });

  it('a request that is not retryable is sent once, whatever the answer', async () => {
    const { sleeps, sleep } = recordingSleep();
    let calls = 0;
    const { response, attempts } = await withRetries(
      () => {
        calls++;
        return Promise.resolve(outcome(503, 'transient', { 'retry-after': '1' }));
      },
      false,
      retryPolicy({ attempts: 5, sleep }),
    );
    expect(response.status).toBe(503);
    expect(attempts).toBe(1);
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('backoff is full jitter under an exponential ceiling capped at maxDelayMs', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, { ...policy, random: () => 0 })).toBe(0);
    expect(backoffDelay(1, { ...policy, random: () => 0.999 })).toBe(99);
    expect(backoffDelay(3, { ...policy, random: () => 0.999 })).toBe(399);
    expect(backoffDelay(10, { ...policy, random: () => 0.999 })).toBe(999);
  });

  it('fills in the documented defaults', () => {
    const policy = retryPolicy();
    expect(policy.attempts).toBe(3);
    expect(policy.baseDelayMs).toBe(250);
    expect(policy.maxDelayMs).toBe(30_000);
    expect(retryPolicy({ attempts: 0 }).attempts).toBe(1);
  });
});
