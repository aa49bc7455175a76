import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';

/**
 * The resource as the server will store it: a server-assigned id, and meta without the
 * version fields a client may have copied from elsewhere (the store sets those).
 */
export function withServerFields<T extends Resource>(resource: T, id: string = randomUUID()): T {
  const meta = { ...resource.meta };
  delete meta.versionId;
  delete meta.lastUpdated;
  const copy = { ...resource, id };
  if (Object.keys(meta).length > 0) {
    copy.meta = meta;
  } else {
    delete copy.meta;
  }
  return copy;
}
