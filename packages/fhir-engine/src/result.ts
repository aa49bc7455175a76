import type { StoredVersion } from '@swiftacare/resource-store';

/**
 * What an interaction produced, before it becomes HTTP or a Bundle entry: a stored version
 * (served with ETag and Last-Modified) or another body (a Bundle, an OperationOutcome).
 */
export interface InteractionResult {
  status: number;
  version?: StoredVersion;
  body?: unknown;
  /** Relative location, `Type/id/_history/n`, for created resources. */
  location?: string;
}

/** Where a request came in: its tenant and the FHIR base URL clients see. */
export interface RequestContext {
  tenant: string;
  baseUrl: string;
}

/** `Type/id/_history/n` of a version. */
export function locationOf(version: StoredVersion): string {
  return `${version.type}/${version.id}/_history/${version.versionId}`;
}

/** The weak ETag of a version, as FHIR uses it: `W/"3"`. */
export function etagOf(version: StoredVersion): string {
  return `W/"${version.versionId}"`;
}
