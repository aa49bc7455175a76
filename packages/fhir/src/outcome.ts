import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/**
 * The kinds of failure the gateway reports. Each maps to exactly one HTTP status and one
 * OperationOutcome issue code, so every layer raises a kind and only the HTTP boundary decides
 * how it looks on the wire.
 */
export const outcomeKinds = {
  invalid: { status: 400, code: 'invalid' },
  unauthenticated: { status: 401, code: 'login' },
  forbidden: { status: 403, code: 'forbidden' },
  notFound: { status: 404, code: 'not-found' },
  methodNotAllowed: { status: 405, code: 'not-supported' },
  conflict: { status: 409, code: 'conflict' },
  gone: { status: 410, code: 'deleted' },
  preconditionFailed: { status: 412, code: 'conflict' },
  tooLarge: { status: 413, code: 'too-costly' },
  unsupportedMediaType: { status: 415, code: 'not-supported' },
  unprocessable: { status: 422, code: 'processing' },
  tooManyRequests: { status: 429, code: 'throttled' },
  internal: { status: 500, code: 'exception' },
  unavailable: { status: 503, code: 'transient' },
} as const satisfies Record<string, { status: number; code: OperationOutcomeIssue['code'] }>;

/** A failure kind, e.g. `'notFound'`. */
export type OutcomeKind = keyof typeof outcomeKinds;

/** One problem inside an outcome; `expression` is the FHIRPath of the offending element. */
export interface OutcomeProblem {
  message: string;
  expression?: string;
}

/**
 * The one error type of the FHIR layer: it carries the OperationOutcome the client will see.
 * Messages must be safe to show a client: never a stack, never another tenant's data.
 */
export class FhirError extends Error {
  readonly kind: OutcomeKind;
  readonly problems: readonly OutcomeProblem[];

  constructor(kind: OutcomeKind, problems: string | OutcomeProblem | readonly OutcomeProblem[]) {
    const list: OutcomeProblem[] =
      typeof problems === 'string'
        ? [{ message: problems }]
        : Array.isArray(problems)
          ? [...(problems as readonly OutcomeProblem[])]
          : [problems as OutcomeProblem];
    super(list.map((p) => p.message).join('; '));
    this.name = 'FhirError';
    this.kind = kind;
    this.problems = list;
  }

  /** The HTTP status this error is answered with. */
  get status(): number {
    return outcomeKinds[this.kind].status;
  }

  /** The error as a FHIR OperationOutcome resource. */
  toOperationOutcome(): OperationOutcome {
    return operationOutcome(this.kind, this.problems);
  }
}

/** Builds an OperationOutcome with one issue per problem. */
export function operationOutcome(
  kind: OutcomeKind,
  problems: readonly OutcomeProblem[],
  severity: OperationOutcomeIssue['severity'] = 'error',
): OperationOutcome {
  const code = outcomeKinds[kind].code;
  return {
    resourceType: 'OperationOutcome',
    issue: problems.map((p) => ({
      severity,
      code,
      diagnostics: p.message,
      ...(p.expression ? { expression: [p.expression] } : {}),
    })),
  };
}

/** An informational outcome, for `Prefer: return=OperationOutcome` and successful deletes. */
export function informationOutcome(message: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'information', code: 'informational', diagnostics: message }],
  };
}
