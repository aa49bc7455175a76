import type { Resource } from '@medplum/fhirtypes';

/**
 * One version of a resource as a store keeps it. `json` is the resource exactly as served
 * (with `id` and `meta`), kept as text so a read can be answered without parsing it.
 */
export interface StoredVersion {
  type: string;
  id: string;
  versionId: number;
  /** ISO instant with milliseconds. */
  lastUpdated: string;
  deleted: boolean;
  /** The serialized resource; null for a deletion. */
  json: string | null;
}

/** The resource of a stored version, parsed; throws for a deletion. */
export function resourceOf(version: StoredVersion): Resource {
  if (version.json === null) {
    throw new Error(`${version.type}/${version.id} version ${version.versionId} is a deletion`);
  }
  return JSON.parse(version.json) as Resource;
}
