import { FhirError, operationOutcome } from '@swiftacare/fhir';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { GatewayEnv } from './env.js';
import { fhirJson } from './fhir-response.js';

function outcomeResponse(error: FhirError, extraHeaders: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(error.toOperationOutcome()), {
    status: error.status,
    headers: { 'content-type': fhirJson, ...extraHeaders },
  });
}

/** PostgreSQL and pg errors that mean "try again later", not "the gateway is broken". */
function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === '57P01' ||
    code === '57P03' ||
    code === '53300' ||
    (err instanceof Error && /timeout exceeded when trying to connect/i.test(err.message))
  );
}

/**
 * The one place an error becomes a response: always an OperationOutcome. Client mistakes keep
 * their message; anything unexpected is logged with the request id and answered with a
 * generic 500 that names the request id, never with a stack or internal detail.
 */
export function errorResponse(err: unknown, c: Context<GatewayEnv>): Response {
  if (err instanceof FhirError) {
    return outcomeResponse(err);
  }
  if (err instanceof HTTPException) {
    const kind =
      err.status === 413 ? 'tooLarge' : err.status === 415 ? 'unsupportedMediaType' : 'invalid';
    return outcomeResponse(new FhirError(kind, err.message || 'The request could not be read'));
  }
  const requestId = c.get('requestId');
  const log = c.get('log');
  if (isTransient(err)) {
    log.warn(
      { err: { message: (err as Error).message, code: (err as { code?: unknown }).code } },
      'storage unavailable',
    );
    return outcomeResponse(new FhirError('unavailable', 'Storage is unavailable; retry shortly'), {
      'retry-after': '2',
    });
  }
  log.error({ err }, 'unexpected error');
  const outcome = operationOutcome('internal', [
    { message: `Internal error; quote request id ${requestId} when reporting it` },
  ]);
  return new Response(JSON.stringify(outcome), {
    status: 500,
    headers: { 'content-type': fhirJson },
  });
}
