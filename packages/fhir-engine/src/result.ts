import type { Interaction, SearchCondition } from '@swiftacare/fhir';
import type { Resource } from '@medplum/fhirtypes';
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

/**
 * What the caller may do, decided outside the engine (from scopes and roles) and applied by
 * it on every interaction, Bundle entries included.
 */
export interface AccessPolicy {
  /** Throws a 403 FhirError when the caller may not do `interaction` on `type` at all. */
  authorize(type: string, interaction: Interaction): void;
  /**
   * Conditions a resource of `type` must meet to be visible to the caller (their
   * compartment); an empty list means the whole tenant. Applied inside the database query, so
   * paging, totals and includes can never reveal anything outside it.
   */
  narrowing(type: string): Promise<SearchCondition[]>;
  /**
   * Throws a 403 FhirError when the caller may not write `resource` (of `type`, as just stored
   * in the unit) because it concerns a patient they did not reach before this write. Lying in
   * the compartment is not enough: a compartment that follows care links would otherwise let
   * its owner widen it by writing care links. The engine calls it after every create, update
   * and patch (Bundle entries included), inside the unit, so a refusal undoes the whole unit.
   * It must judge by what was committed before the unit, never by the unit's own writes.
   */
  assertMayConcern(type: string, resource: Resource): Promise<void>;
}

/** Where a request came in: its tenant, the FHIR base URL clients see, and who may do what. */
export interface RequestContext {
  tenant: string;
  baseUrl: string;
  access?: AccessPolicy;
}

/** `Type/id/_history/n` of a version. */
export function locationOf(version: StoredVersion): string {
  return `${version.type}/${version.id}/_history/${version.versionId}`;
}

/** The weak ETag of a version, as FHIR uses it: `W/"3"`. */
export function etagOf(version: StoredVersion): string {
  return `W/"${version.versionId}"`;
}
