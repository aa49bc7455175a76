import { FhirError, parseSearch, validateForWrite } from '@swiftacare/fhir';
import type { ResourceTransaction } from '@swiftacare/resource-store';
import { withServerFields } from '../new-resource.js';
import { locationOf, type InteractionResult, type RequestContext } from '../result.js';
import { assertWrittenInside, narrowingOf } from '../visibility.js';

/** `PUT Type?query`: the upsert an institution does by its own identifiers. */
export interface ConditionalUpdateRequest {
  type: string;
  query: URLSearchParams;
  body: unknown;
}

/**
 * Updates the one match, creates when there is none, and refuses (412) when the condition
 * matches several. Runs under a lock on the condition so racing upserts do not duplicate.
 */
export async function conditionalUpdateIn(
  tx: ResourceTransaction,
  request: ConditionalUpdateRequest,
  context: RequestContext,
): Promise<InteractionResult> {
  if ([...request.query.keys()].length === 0) {
    throw new FhirError(
      'invalid',
      'A conditional update needs search parameters, e.g. ?identifier=system|value',
    );
  }
  const resource = validateForWrite(request.body, request.type);
  await tx.lock(`conditional:${request.type}?${request.query.toString()}`);
  const parsed = parseSearch(request.type, request.query);
  const narrowing = await narrowingOf(context, request.type);
  const found = await tx.search({
    ...parsed,
    conditions: [...parsed.conditions, ...narrowing],
    count: 2,
  });
  if (found.matches.length > 1) {
    throw new FhirError(
      'preconditionFailed',
      `The condition matched ${found.matches.length} ${request.type} resources; make it specific`,
    );
  }
  const match = found.matches[0];
  if (!match) {
    if (resource.id !== undefined) {
      throw new FhirError('invalid', {
        message: 'No resource matched and the body carries an id; ids are assigned by the server',
        expression: `${request.type}.id`,
      });
    }
    const version = await tx.create(withServerFields(resource));
    await assertWrittenInside(tx, context, version);
    return { status: 201, version, location: locationOf(version) };
  }
  if (resource.id !== undefined && resource.id !== match.id) {
    throw new FhirError('invalid', {
      message: `The body's id ${resource.id} differs from the matched resource ${match.id}`,
      expression: `${request.type}.id`,
    });
  }
  const version = await tx.update(withServerFields(resource, match.id));
  await assertWrittenInside(tx, context, version);
  return { status: 200, version };
}
