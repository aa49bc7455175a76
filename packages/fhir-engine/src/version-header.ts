import { FhirError } from '@swiftacare/fhir';

/**
 * The version an `If-Match` header names. FHIR sends weak ETags (`W/"3"`); a bare `"3"` or `3`
 * is accepted too because several clients send those.
 */
export function versionFromIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header === '') {
    return undefined;
  }
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(header.trim());
  if (!m) {
    throw new FhirError('invalid', `If-Match must be a version ETag such as W/"3", got ${header}`);
  }
  return Number(m[1]);
}
