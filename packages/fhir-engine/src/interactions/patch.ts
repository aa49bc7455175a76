import { FhirError } from '@swiftacare/fhir';
import { resourceOf, type ResourceTransaction } from '@swiftacare/resource-store';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import type { InteractionResult, RequestContext } from '../result.js';
import { assertVisible } from '../visibility.js';
import { assertPossibleId, readResult } from './read.js';
import { updateIn } from './update.js';

/** A JSON Patch (RFC 6902) of `Type/id`. */
export interface PatchRequest {
  type: string;
  id: string;
  patch: unknown;
  ifMatch?: number;
}

const operations = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function asOperations(patch: unknown): Operation[] {
  const ok =
    Array.isArray(patch) &&
    patch.every(
      (op: unknown) =>
        typeof op === 'object' &&
        op !== null &&
        operations.has(String((op as { op?: unknown }).op)) &&
        typeof (op as { path?: unknown }).path === 'string',
    );
  if (!ok) {
    throw new FhirError(
      'invalid',
      'A JSON Patch body is an array of operations like {"op":"replace","path":"/status","value":"booked"}',
    );
  }
  // Shape problems the check above does not see (a replace without value, a move without
  // from) make the document malformed, a 400; only failures against the resource are a 422.
  const malformed = fastJsonPatch.validate(patch as Operation[]);
  if (malformed) {
    throw new FhirError(
      'invalid',
      `JSON Patch operation ${malformed.index ?? 0} is malformed: ${malformed.message.split('\n')[0] ?? ''}`,
    );
  }
  return patch as Operation[];
}

/**
 * Applies the patch to the current version and stores the result as the next version, after
 * the same validation as an update. The row is locked while patching, so two patches in
 * flight apply one after the other instead of one losing.
 */
export async function patchIn(
  tx: ResourceTransaction,
  request: PatchRequest,
  context: RequestContext,
): Promise<InteractionResult> {
  const ops = asOperations(request.patch);
  assertPossibleId(request.type, request.id);
  await assertVisible(tx, context, request.type, request.id);
  const current = readResult(request.type, request.id, await tx.read(request.type, request.id));
  const version = current.version;
  if (!version) {
    throw new FhirError('notFound', `${request.type}/${request.id} is not known`);
  }
  if (request.ifMatch !== undefined && request.ifMatch !== version.versionId) {
    throw new FhirError(
      'preconditionFailed',
      `${request.type}/${request.id} is at version ${version.versionId}, not ${request.ifMatch}`,
    );
  }
  let patched: unknown;
  try {
    patched = fastJsonPatch.applyPatch(resourceOf(version), ops, true, false).newDocument;
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : 'the patch does not apply';
    throw new FhirError('unprocessable', `The patch cannot be applied: ${reason ?? ''}`);
  }
  return updateIn(
    tx,
    { type: request.type, id: request.id, body: patched, ifMatch: version.versionId },
    context,
  );
}
