import { FhirError, parseSearch, validateForWrite } from '@swiftacare/fhir';
import type { ResourceTransaction } from '@swiftacare/resource-store';
import { withServerFields } from '../new-resource.js';
import { locationOf, type InteractionResult, type RequestContext } from '../result.js';
import { assertWrittenInside, narrowingOf } from '../visibility.js';

/** A create as it arrives: the body, and the `If-None-Exist` query if any. */
export interface CreateRequest {
  type: string;
  body: unknown;
  ifNoneExist?: string;
  /** Id to use instead of a random one (a transaction assigns ids to `urn:uuid:` entries first). */
  assignedId?: string;
}

/**
 * Creates a resource in the unit. A client-chosen id is refused: ids are the server's. With
 * `If-None-Exist` the search runs under a lock on the condition, so two racing conditional
 * creates of the same thing make one resource, not two.
 */
export async function createIn(
  tx: ResourceTransaction,
  request: CreateRequest,
  context: RequestContext,
): Promise<InteractionResult> {
  const resource = validateForWrite(request.body, request.type);
  if (resource.id !== undefined) {
    throw new FhirError('invalid', {
      message: 'A new resource must not carry an id; the server assigns one (use PUT to update)',
      expression: `${request.type}.id`,
    });
  }
  if (request.ifNoneExist !== undefined) {
    const query = new URLSearchParams(request.ifNoneExist.replace(/^\?/, ''));
    const parsed = parseSearch(request.type, query);
    const narrowing = await narrowingOf(context, request.type);
    const search = { ...parsed, conditions: [...parsed.conditions, ...narrowing], count: 2 };
    await tx.lock(`conditional:${request.type}?${query.toString()}`);
    const found = await tx.search(search);
    if (found.matches.length > 1) {
      throw new FhirError(
        'preconditionFailed',
        `If-None-Exist matched ${found.matches.length} ${request.type} resources; make the condition specific`,
      );
    }
    const existing = found.matches[0];
    if (existing) {
      return { status: 200, version: existing };
    }
  }
  const version = await tx.create(withServerFields(resource, request.assignedId));
  await assertWrittenInside(tx, context, version);
  return { status: 201, version, location: locationOf(version) };
}
