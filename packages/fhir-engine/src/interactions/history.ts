import { FhirError, defaultPageSize, maxPageSize, parseDateRange } from '@swiftacare/fhir';
import { resourceOf, type ResourceStore, type StoredVersion } from '@swiftacare/resource-store';
import type { Bundle, BundleEntry, BundleLink } from '@medplum/fhirtypes';
import { fullUrlOf } from '../bundle-entries.js';
import { etagOf, type InteractionResult, type RequestContext } from '../result.js';

/** `_history` of one instance (with `id`) or of a whole type. */
export interface HistoryHttpRequest {
  type: string;
  id?: string;
  params: URLSearchParams;
}

const historyParams = new Set(['_count', '_since', '_cursor', '_format', '_pretty']);

/**
 * Answers a history Bundle, newest version first, paged by cursor. `shows` leaves out versions
 * the caller may not see (see `version-visibility.ts`); the default shows every version.
 */
export async function history(
  store: ResourceStore,
  context: RequestContext,
  request: HistoryHttpRequest,
  shows: (version: StoredVersion) => boolean = () => true,
): Promise<InteractionResult> {
  for (const name of request.params.keys()) {
    if (!historyParams.has(name)) {
      throw new FhirError('invalid', `_history takes _count, _since and _cursor, not ${name}`);
    }
  }
  const countText = request.params.get('_count');
  const count = countText === null ? defaultPageSize : Number(countText);
  if (!Number.isInteger(count) || count < 1) {
    throw new FhirError(
      'invalid',
      `_count must be a positive whole number, got "${countText ?? ''}"`,
    );
  }
  const sinceText = request.params.get('_since');
  const since = sinceText === null ? undefined : parseDateRange(sinceText);
  if (sinceText !== null && !since) {
    throw new FhirError('invalid', `_since must be an instant such as 2026-03-01T00:00:00Z`);
  }
  const cursor = request.params.get('_cursor');
  const wanted = Math.min(count, maxPageSize);
  const page: { versions: StoredVersion[]; next?: string } = { versions: [] };
  let at = cursor ?? undefined;
  // Hidden versions leave gaps, so read on until the page is full or history ends; the cursor
  // of the last page read continues right after what was examined.
  do {
    const read = await store.history(context.tenant, {
      type: request.type,
      ...(request.id === undefined ? {} : { id: request.id }),
      ...(since ? { since: new Date(since.low).toISOString() } : {}),
      count: wanted - page.versions.length,
      ...(at === undefined ? {} : { cursor: at }),
    });
    page.versions.push(...read.versions.filter(shows));
    at = read.next;
  } while (at !== undefined && page.versions.length < wanted);
  if (at !== undefined) {
    page.next = at;
  }
  if (request.id !== undefined && page.versions.length === 0 && cursor === null) {
    // An empty history is only right for a resource that exists but changed before _since.
    if (!(await store.read(context.tenant, request.type, request.id))) {
      throw new FhirError('notFound', `${request.type}/${request.id} is not known`);
    }
  }
  const entry: BundleEntry[] = page.versions.map((v) => ({
    fullUrl: fullUrlOf(context.baseUrl, v),
    ...(v.deleted ? {} : { resource: resourceOf(v) }),
    request: {
      method: v.deleted ? 'DELETE' : v.versionId === 1 ? 'POST' : 'PUT',
      url: v.versionId === 1 && !v.deleted ? v.type : `${v.type}/${v.id}`,
    },
    response: {
      status: v.deleted ? '204' : v.versionId === 1 ? '201' : '200',
      etag: etagOf(v),
      lastModified: v.lastUpdated,
    },
  }));
  const path = `${context.baseUrl}/${request.type}${request.id ? `/${request.id}` : ''}/_history`;
  const link: BundleLink[] = [
    {
      relation: 'self',
      url: `${path}${request.params.size ? `?${request.params.toString()}` : ''}`,
    },
  ];
  if (page.next) {
    const params = new URLSearchParams(request.params);
    params.set('_cursor', page.next);
    link.push({ relation: 'next', url: `${path}?${params.toString()}` });
  }
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'history',
    link,
    ...(entry.length > 0 ? { entry } : {}),
  };
  return { status: 200, body: bundle };
}
