import type { ResourceTransaction } from '@swiftacare/resource-store';
import type { InteractionResult, RequestContext } from '../result.js';
import { assertRecordVisible } from '../version-visibility.js';
import { assertPossibleId, readResult } from './read.js';

/** A delete of `Type/id`. */
export interface DeleteRequest {
  type: string;
  id: string;
  ifMatch?: number;
}

/**
 * Records a deletion as a new version, so history keeps what was there. Deleting something
 * already deleted succeeds again (FHIR deletes are idempotent,
 * https://hl7.org/fhir/R4/http.html#delete), also for a narrowed caller when it was deleted
 * from their compartment; an unknown id, or a record outside the compartment, is a 404.
 */
export async function deleteIn(
  tx: ResourceTransaction,
  request: DeleteRequest,
  context: RequestContext,
): Promise<InteractionResult> {
  assertPossibleId(request.type, request.id);
  const current = await tx.read(request.type, request.id);
  if (current) {
    await assertRecordVisible(tx, context, request.type, request.id, current);
  }
  if (current?.deleted) {
    return { status: 204 };
  }
  readResult(request.type, request.id, current);
  await tx.delete(request.type, request.id, request.ifMatch);
  return { status: 204 };
}
