import { FhirError, validateForWrite } from '@swiftacare/fhir';
import type { ResourceTransaction } from '@swiftacare/resource-store';
import { withServerFields } from '../new-resource.js';
import type { InteractionResult, RequestContext } from '../result.js';
import { assertVisible, assertWrittenInside } from '../visibility.js';
import { assertPossibleId } from './read.js';

/** An update of `Type/id`, optionally guarded by the version from `If-Match`. */
export interface UpdateRequest {
  type: string;
  id: string;
  body: unknown;
  ifMatch?: number;
}

/**
 * Stores a new version. Update-as-create is refused (ids are the server's), so an unknown id
 * answers 404; a stale `If-Match` answers 412.
 */
export async function updateIn(
  tx: ResourceTransaction,
  request: UpdateRequest,
  context: RequestContext,
): Promise<InteractionResult> {
  const resource = validateForWrite(request.body, request.type);
  if (resource.id !== request.id) {
    throw new FhirError('invalid', {
      message: `The body's id (${resource.id ?? 'missing'}) must equal the id in the URL (${request.id})`,
      expression: `${request.type}.id`,
    });
  }
  assertPossibleId(request.type, request.id);
  await assertVisible(tx, context, request.type, request.id);
  const version = await tx.update(withServerFields(resource, request.id), request.ifMatch);
  await assertWrittenInside(tx, context, version);
  return { status: 200, version };
}
