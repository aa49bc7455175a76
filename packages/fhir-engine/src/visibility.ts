import { FhirError, parseSearch, type SearchCondition } from '@swiftacare/fhir';
import {
  resourceOf,
  type ResourceStore,
  type ResourceTransaction,
  type StoredVersion,
} from '@swiftacare/resource-store';
import type { RequestContext } from './result.js';

type Searcher = Pick<ResourceStore, 'search'> | ResourceTransaction;

function searchIn(
  where: Searcher,
  tenant: string,
  type: string,
  conditions: SearchCondition[],
  count: number,
): ReturnType<ResourceTransaction['search']> {
  const request = { ...parseSearch(type, new URLSearchParams()), conditions, count };
  return 'unit' in where || 'readMany' in where
    ? (where as ResourceStore).search(tenant, request)
    : (where as ResourceTransaction).search(request);
}

/** The caller's compartment conditions for a type; empty means the whole tenant. */
export async function narrowingOf(
  context: RequestContext,
  type: string,
): Promise<SearchCondition[]> {
  return context.access ? context.access.narrowing(type) : [];
}

// Visibility here is judged on the current, non-deleted version; which older versions and
// deleted records a narrowed caller sees is decided in `version-visibility.ts`.
// Limitation: history rows carry no search columns, so a type-level history cannot be narrowed
// to a compartment and is refused to narrowed callers (`FhirEngine.history`). Update and patch
// still use `assertVisible`, so a narrowed caller updating their own deleted record gets 404
// where an admin gets 410.

/**
 * Whether a resource lies in the caller's compartment, asked of the database with the same
 * conditions a search would use, so reads and searches can never disagree.
 */
export async function isVisible(
  where: Searcher,
  context: RequestContext,
  type: string,
  id: string,
): Promise<boolean> {
  const narrowing = await narrowingOf(context, type);
  if (narrowing.length === 0) {
    return true;
  }
  const found = await searchIn(
    where,
    context.tenant,
    type,
    [{ kind: 'id', ids: [id] }, ...narrowing],
    1,
  );
  return found.matches.length === 1;
}

/**
 * Answers 404 for a resource outside the caller's compartment, exactly as for a missing one,
 * so its existence is not revealed.
 */
export async function assertVisible(
  where: Searcher,
  context: RequestContext,
  type: string,
  id: string,
): Promise<void> {
  if (!(await isVisible(where, context, type, id))) {
    throw new FhirError('notFound', `${type}/${id} is not known`);
  }
}

/**
 * After a write, inside its unit: the result must still be in the caller's compartment, and
 * concern only patients the caller reached before the write, or the whole unit is rolled back.
 * This is how a patient cannot write a record about someone else, and how nobody narrowed can
 * widen their own compartment by writing a care link (an appointment, a care team).
 */
export async function assertWrittenInside(
  tx: ResourceTransaction,
  context: RequestContext,
  version: StoredVersion | undefined,
): Promise<void> {
  if (version && !version.deleted && !(await isVisible(tx, context, version.type, version.id))) {
    throw new FhirError(
      'forbidden',
      `You may not write this ${version.type}: it would lie outside the records you may access`,
    );
  }
  if (version && !version.deleted && context.access) {
    await context.access.assertMayConcern(version.type, resourceOf(version));
  }
}

/** Keeps only the versions the caller may see (for `_include`d resources). */
export async function visibleOnly(
  store: ResourceStore,
  context: RequestContext,
  versions: StoredVersion[],
): Promise<StoredVersion[]> {
  const out: StoredVersion[] = [];
  const byType = new Map<string, StoredVersion[]>();
  for (const v of versions) {
    byType.set(v.type, [...(byType.get(v.type) ?? []), v]);
  }
  for (const [type, list] of byType) {
    const narrowing = await narrowingOf(context, type);
    if (narrowing.length === 0) {
      out.push(...list);
      continue;
    }
    const found = await searchIn(
      store,
      context.tenant,
      type,
      [{ kind: 'id', ids: list.map((v) => v.id) }, ...narrowing],
      list.length,
    );
    const ok = new Set(found.matches.map((m) => m.id));
    out.push(...list.filter((v) => ok.has(v.id)));
  }
  return out;
}
