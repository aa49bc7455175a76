import type { BundleEntry } from '@medplum/fhirtypes';
import { resourceOf, type StoredVersion } from '@swiftacare/resource-store';

/** The absolute URL of a resource under the FHIR base. */
export function fullUrlOf(baseUrl: string, version: StoredVersion): string {
  return `${baseUrl}/${version.type}/${version.id}`;
}

/** A searchset entry for a matched or included resource. */
export function searchEntry(
  baseUrl: string,
  version: StoredVersion,
  mode: 'match' | 'include',
): BundleEntry {
  return { fullUrl: fullUrlOf(baseUrl, version), resource: resourceOf(version), search: { mode } };
}
