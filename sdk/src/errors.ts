import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/** What every error built from a gateway response is made of. */
export interface SwiftacareErrorInit {
  /** The HTTP status of the (last) response. */
  status: number;
  /** The response's OperationOutcome, or one synthesized when the body was not one. */
  outcome: OperationOutcome;
  /** The `X-Request-Id` the gateway answered with; quote it when reporting a problem. */
  requestId?: string;
  /** How many HTTP attempts were made before giving up (1 when nothing was retried). */
  attempts: number;
}

/**
 * A non-2xx answer from the gateway. Every error the gateway sends is an OperationOutcome,
 * kept in `outcome`; the message is its issues' diagnostics. Subclasses name the cases a caller
 * usually handles: {@link NotFoundError}, {@link ConflictError}, {@link ValidationError},
 * {@link RateLimitError} and {@link ServerError}; other statuses (401, 403, 405, 413, 415, ...)
 * are a plain `SwiftacareError`.
 */
export class SwiftacareError extends Error {
  /** The HTTP status of the (last) response. */
  readonly status: number;
  /** The OperationOutcome the gateway answered with. */
  readonly outcome: OperationOutcome;
  /** The gateway's `X-Request-Id` for the (last) response, when it sent one. */
  readonly requestId: string | undefined;
  /** How many HTTP attempts were made, retries included. */
  readonly attempts: number;

  constructor(init: SwiftacareErrorInit) {
    super(messageOf(init.status, init.outcome));
    this.name = new.target.name;
    this.status = init.status;
    this.outcome = init.outcome;
    this.requestId = init.requestId;
    this.attempts = init.attempts;
  }

  /** The outcome's issues (never undefined). */
  get issues(): OperationOutcomeIssue[] {
    return this.outcome.issue ?? [];
  }
}

/** 404 (unknown resource, type or tenant) or 410 (the resource was deleted). */
export class NotFoundError extends SwiftacareError {}

/** 409 (a concurrent change) or 412 (a stale `If-Match`, or ambiguous conditional criteria). */
export class ConflictError extends SwiftacareError {}

/** 400 or 422: the request or the resource is invalid; `issues` say where (`expression`). */
export class ValidationError extends SwiftacareError {}

/** 429: too many requests; `retryAfterSeconds` is the gateway's `Retry-After`, if it sent one. */
export class RateLimitError extends SwiftacareError {
  /** Seconds the gateway asked to wait before trying again (`Retry-After`), if given. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: SwiftacareErrorInit & { retryAfterSeconds?: number }) {
    super(init);
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** 5xx: the gateway (or something in front of it) failed; 503 is usually transient. */
export class ServerError extends SwiftacareError {}

/**
 * The request never got an HTTP answer (DNS, connection refused or reset, ...), even after
 * retrying. The underlying error is `cause`.
 */
export class NetworkError extends Error {
  /** How many attempts were made, retries included. */
  readonly attempts: number;

  constructor(cause: unknown, attempts: number) {
    super(
      `The request failed without a response after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause },
    );
    this.name = 'NetworkError';
    this.attempts = attempts;
  }
}

function messageOf(status: number, outcome: OperationOutcome): string {
  const details = (outcome.issue ?? [])
    .map((issue) => issue.diagnostics ?? issue.details?.text ?? issue.code)
    .filter((text) => text !== '');
  return details.length > 0 ? `HTTP ${status}: ${details.join('; ')}` : `HTTP ${status}`;
}

function isOutcome(value: unknown): value is OperationOutcome {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { resourceType?: unknown }).resourceType === 'OperationOutcome'
  );
}

/**
 * The `Retry-After` header in seconds: either delta-seconds or an HTTP-date (counted from
 * `now`). Undefined when absent or unreadable.
 */
export function retryAfterSeconds(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (value === undefined || value === '') {
    return undefined;
  }
  if (/^\d+$/.test(value)) {
    return Number(value);
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * Turns a non-2xx response into the matching {@link SwiftacareError} subclass, reading its
 * body. A body that is not an OperationOutcome (a proxy's HTML page, say) is replaced by an
 * outcome with one issue that names the status.
 *
 * @param response - the failed response; its body is consumed.
 * @param attempts - how many attempts produced it (default 1).
 */
export async function errorFromResponse(
  response: Response,
  attempts = 1,
): Promise<SwiftacareError> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  const status = response.status;
  const outcome: OperationOutcome = isOutcome(body)
    ? body
    : {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: status >= 500 ? 'exception' : 'processing',
            diagnostics: `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''} without an OperationOutcome`,
          },
        ],
      };
  const requestId = response.headers.get('x-request-id') ?? undefined;
  const init: SwiftacareErrorInit = {
    status,
    outcome,
    attempts,
    ...(requestId ? { requestId } : {}),
  };
  if (status === 404 || status === 410) {
    return new NotFoundError(init);
  }
  if (status === 409 || status === 412) {
    return new ConflictError(init);
  }
  if (status === 400 || status === 422) {
    return new ValidationError(init);
  }
  if (status === 429) {
    const after = retryAfterSeconds(response.headers);
    return new RateLimitError({
      ...init,
      ...(after === undefined ? {} : { retryAfterSeconds: after }),
    });
  }
  if (status >= 500) {
    return new ServerError(init);
  }
  return new SwiftacareError(init);
}
