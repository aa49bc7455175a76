import { FhirError, isResourceId } from '@swiftacare/fhir';
import type { StoredVersion } from '@swiftacare/resource-store';
import type { InteractionResult } from '../result.js';

/** Turns a looked-up current version into the read answer: 200, 404 or 410. */
export function readResult(
  type: string,
  id: string,
  version: StoredVersion | undefined,
): InteractionResult {
  if (!version) {
    throw new FhirError('notFound', `${type}/${id} is not known`);
  }
  if (version.deleted) {
    throw new FhirError('gone', `${type}/${id} was deleted`);
  }
  return { status: 200, version };
}

/** Ids that cannot exist are answered 404 without asking the store. */
export function assertPossibleId(type: string, id: string): void {
  if (!isResourceId(id)) {
    throw new FhirError('notFound', `${type}/${id} is not known (ids here are UUIDs)`);
  }
}
