import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  errorFromResponse,
  NotFoundError,
  RateLimitError,
  ServerError,
  SwiftacareError,
  ValidationError,
} from './index.js';
import { retryAfterSeconds } from './errors.js';

function rateLimit(error: unknown): RateLimitError {
  if (!(error instanceof RateLimitError)) {
    throw new Error(`expected a RateLimitError, got ${String(error)}`);
  }
  return error;
}

function failed(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers });
}

const outcomeBody = JSON.stringify({
  resourceType: 'OperationOutcome',
  issue: [
    { severity: 'error', code: 'invalid', diagnostics: 'first', expression: ['Patient.gender'] },
    { severity: 'error', code: 'invalid', diagnostics: 'second' },
  ],
});

describe('errorFromResponse', () => {
  it.each([
    [404, NotFoundError],
    [410, NotFoundError],
    [409, ConflictError],
    [412, ConflictError],
    [400, ValidationError],
    [422, ValidationError],
    [429, RateLimitError],
    [500, ServerError],
    [502, ServerError],
    [503, ServerError],
  ] as const)('maps %i to %o', async (status, kind) => {
    const error = await errorFromResponse(failed(status, outcomeBody));
    expect(error).toBeInstanceOf(kind);
    expect(error).toBeInstanceOf(SwiftacareError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(kind.name);
    expect(error.status).toBe(status);
  });

  it.each([401, 403, 405, 413, 415])('leaves %i a plain SwiftacareError', async (status) => {
    const error = await errorFromResponse(failed(status, outcomeBody));
    expect(error.constructor).toBe(SwiftacareError);
  });

  it('keeps the outcome, the request id and the attempts', async () => {
    const error = await errorFromResponse(
      failed(400, outcomeBody, { 'x-request-id': 'req-abc-123' }),
      3,
    );
    expect(error.outcome.issue).toHaveLength(2);
    expect(error.issues[0]?.expression).toEqual(['Patient.gender']);
    expect(error.requestId).toBe('req-abc-123');
    expect(error.attempts).toBe(3);
    expect(error.message).toBe('HTTP 400: first; second');
  });

  it('synthesizes an outcome when the body is not one', async () => {
    const error = await errorFromResponse(
      new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    expect(error).toBeInstanceOf(ServerError);
    expect(error.outcome.resourceType).toBe('OperationOutcome');
    expect(error.issues[0]?.code).toBe('exception');
    expect(error.message).toBe('HTTP 502: HTTP 502 Bad Gateway without an OperationOutcome');
    expect(error.requestId).toBeUndefined();
    expect(error.attempts).toBe(1);
  });

  it('reads Retry-After on a 429, as seconds or as an HTTP-date', async () => {
    const seconds = await errorFromResponse(failed(429, outcomeBody, { 'retry-after': '7' }));
    expect(rateLimit(seconds).retryAfterSeconds).toBe(7);
    const none = await errorFromResponse(failed(429, ''));
    expect(rateLimit(none).retryAfterSeconds).toBeUndefined();

    const now = Date.parse('2026-01-01T00:00:00Z');
    const date = new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' });
    expect(retryAfterSeconds(date, now)).toBe(30);
    expect(retryAfterSeconds(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    const past = new Headers({ 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' });
    expect(retryAfterSeconds(past, now)).toBe(0);
  });
});
