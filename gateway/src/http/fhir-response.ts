import { etagOf, type InteractionResult } from '@swiftacare/fhir-engine';

/** FHIR's JSON media type, with the charset FHIR requires. */
export const fhirJson = 'application/fhir+json; charset=utf-8';

/** Why `Prefer: return=` asks for a particular body (https://hl7.org/fhir/R4/http.html#ops). */
export type ReturnPreference = 'minimal' | 'representation' | 'OperationOutcome';

/** Reads `return=` from a Prefer header; representation is the default. */
export function returnPreference(prefer: string | undefined): ReturnPreference {
  const m = /(?:^|[;,\s])return=(minimal|representation|OperationOutcome)/.exec(prefer ?? '');
  return (m?.[1] as ReturnPreference | undefined) ?? 'representation';
}

/**
 * Turns an interaction result into the HTTP response: stored versions carry ETag,
 * Last-Modified and (when created) Location; their JSON is sent as stored, unparsed.
 */
export function fhirResponse(
  result: InteractionResult,
  baseUrl: string,
  preference: ReturnPreference = 'representation',
): Response {
  const headers = new Headers({ 'content-type': fhirJson });
  const v = result.version;
  let body: string | null = null;
  if (v) {
    headers.set('etag', etagOf(v));
    headers.set('last-modified', new Date(v.lastUpdated).toUTCString());
    if (result.location) {
      headers.set('location', `${baseUrl}/${result.location}`);
    }
    if (preference === 'representation') {
      body = v.json;
    } else if (preference === 'OperationOutcome') {
      body = JSON.stringify({
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'information',
            code: 'informational',
            diagnostics: `${v.type}/${v.id} is at version ${v.versionId}`,
          },
        ],
      });
    }
  } else if (result.body !== undefined) {
    body = JSON.stringify(result.body);
  }
  if (body === null) {
    headers.delete('content-type');
  }
  return new Response(result.status === 204 ? null : body, { status: result.status, headers });
}
