import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { loadFhirDefinitions } from './definitions.js';
import { FhirError, type OutcomeProblem } from './outcome.js';
import { RequiredBindings } from './required-bindings.js';
import { servedType } from './served-types.js';

let bindings: RequiredBindings | undefined;

/** Loads everything validation needs, so the first write does not pay for it. */
export function warmValidation(): void {
  loadFhirDefinitions();
  bindings ??= RequiredBindings.load();
}

/**
 * Checks that a body is a resource of the expected served type and valid against the R4
 * StructureDefinitions, including required value-set bindings, which `@medplum/core` skips.
 * Throws a 400 FhirError with one problem per issue, each with its FHIRPath expression.
 */
export function validateForWrite(body: unknown, expectedType?: string): Resource {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new FhirError('invalid', 'The request body must be a FHIR resource (a JSON object)');
  }
  const resourceType = (body as { resourceType?: unknown }).resourceType;
  if (typeof resourceType !== 'string') {
    throw new FhirError('invalid', {
      message: 'resourceType is missing',
      expression: 'resourceType',
    });
  }
  if (expectedType !== undefined && resourceType !== expectedType) {
    throw new FhirError('invalid', {
      message: `resourceType is ${resourceType} but this endpoint takes ${expectedType}`,
      expression: 'resourceType',
    });
  }
  if (!servedType(resourceType)) {
    throw new FhirError('invalid', `Resource type ${resourceType} is not served here`);
  }

  warmValidation();
  const resource = body as Resource;
  const problems: OutcomeProblem[] = [];
  try {
    validateResource(resource);
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) {
      throw err;
    }
    for (const issue of err.outcome.issue ?? []) {
      const message = issue.details?.text ?? issue.diagnostics ?? 'Invalid value';
      const expression = issue.expression?.[0];
      problems.push(expression ? { message, expression } : { message });
    }
  }
  for (const issue of bindings?.check(resource as unknown as Resource & Record<string, unknown>) ??
    []) {
    problems.push(issue);
  }
  if (problems.length > 0) {
    throw new FhirError('invalid', problems);
  }
  return resource;
}
