import { createHash } from 'node:crypto';
import { FhirError } from '@swiftacare/fhir';
import type { ResourceTransaction, StoredVersion } from '@swiftacare/resource-store';
import type { InteractionResult } from './result.js';

/** The fingerprint of a request: same key with a different fingerprint is a client error. */
export function requestFingerprint(method: string, path: string, body: string): string {
  return createHash('sha256').update(`${method} ${path}\n${body}`).digest('base64url');
}

function serialized(result: InteractionResult): string {
  return result.version?.json ?? JSON.stringify(result.body ?? null);
}

/** Rebuilds the first answer from what was remembered of it. */
function replay(status: number, body: string, location: string | undefined): InteractionResult {
  const parsed = JSON.parse(body) as {
    resourceType?: string;
    id?: string;
    meta?: { versionId?: string; lastUpdated?: string };
  } | null;
  if (parsed?.id && parsed.resourceType && parsed.meta?.versionId && parsed.meta.lastUpdated) {
    const version: StoredVersion = {
      type: parsed.resourceType,
      id: parsed.id,
      versionId: Number(parsed.meta.versionId),
      lastUpdated: parsed.meta.lastUpdated,
      deleted: false,
      json: body,
    };
    return { status, version, ...(location ? { location } : {}) };
  }
  return { status, body: parsed, ...(location ? { location } : {}) };
}

/**
 * Runs `work` at most once per `Idempotency-Key`, in the same unit that remembers its answer:
 * a retry with the same key and body gets the first answer again and creates nothing; the
 * same key with another body is refused with 422. A lock on the key makes a concurrent retry
 * wait for the first attempt rather than run beside it.
 */
export async function onceFor(
  tx: ResourceTransaction,
  key: string,
  fingerprint: string,
  work: () => Promise<InteractionResult>,
): Promise<InteractionResult> {
  if (key.length === 0 || key.length > 255) {
    throw new FhirError('invalid', 'Idempotency-Key must be 1 to 255 characters');
  }
  await tx.lock(`idempotency:${key}`);
  const seen = await tx.idempotencyRecord(key);
  if (seen) {
    if (seen.requestHash !== fingerprint) {
      throw new FhirError(
        'unprocessable',
        'This Idempotency-Key was already used for a different request; use a new key for a new request',
      );
    }
    return replay(seen.status, seen.body, seen.location);
  }
  const result = await work();
  await tx.rememberIdempotency(key, {
    requestHash: fingerprint,
    status: result.status,
    body: serialized(result),
    ...(result.location ? { location: result.location } : {}),
  });
  return result;
}
