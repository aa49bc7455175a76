import {
  FhirError,
  parseSearch,
  valuesFor,
  type IncludeRule,
  type SearchCondition,
  type SearchRequest,
} from '@swiftacare/fhir';
import { resourceOf, type ResourceStore, type StoredVersion } from '@swiftacare/resource-store';
import type { Bundle, BundleEntry, BundleLink } from '@medplum/fhirtypes';
import { searchEntry } from '../bundle-entries.js';
import type { InteractionResult, RequestContext } from '../result.js';
import { narrowingOf, visibleOnly } from '../visibility.js';

/** A type search as it arrives: its parameters and whether unknown ones may be ignored. */
export interface SearchHttpRequest {
  type: string;
  params: URLSearchParams;
  lenient?: boolean;
}

// Limitation: _revinclude brings at most this many resources per page; a page whose matches
// are referenced more often than that is served with the first ones only.
const revincludeLimit = 500;

function referencedIds(matches: StoredVersion[], rule: IncludeRule): Map<string, Set<string>> {
  const byType = new Map<string, Set<string>>();
  for (const match of matches) {
    const values = valuesFor(rule.param, resourceOf(match));
    for (const ref of Array.isArray(values) ? values : []) {
      const [type, id, extra] = ref.split('/');
      if (!type || !id || extra !== undefined || (rule.targetType && rule.targetType !== type)) {
        continue;
      }
      if (!rule.param.targets.includes(type)) {
        continue;
      }
      let ids = byType.get(type);
      if (!ids) {
        ids = new Set();
        byType.set(type, ids);
      }
      ids.add(id);
    }
  }
  return byType;
}

async function included(
  store: ResourceStore,
  context: RequestContext,
  request: SearchRequest,
  matches: StoredVersion[],
): Promise<StoredVersion[]> {
  const tenant = context.tenant;
  const seen = new Set(matches.map((m) => `${m.type}/${m.id}`));
  const out: StoredVersion[] = [];
  const add = (versions: StoredVersion[]): void => {
    for (const v of versions) {
      const key = `${v.type}/${v.id}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(v);
      }
    }
  };
  for (const rule of request.include) {
    for (const [type, ids] of referencedIds(matches, rule)) {
      // Included resources of a type the caller may not search are left out, like hidden ones.
      if (!maySearch(context, type)) {
        continue;
      }
      const found = await store.readMany(
        tenant,
        type,
        [...ids].filter((id) => /^[0-9a-f-]{36}$/i.test(id)),
      );
      // Included resources obey the caller's compartment like matches do.
      add(await visibleOnly(store, context, found));
    }
  }
  if (matches.length > 0) {
    for (const rule of request.revinclude) {
      if (!maySearch(context, rule.sourceType)) {
        continue;
      }
      const page = await store.search(tenant, {
        ...parseSearch(rule.sourceType, new URLSearchParams()),
        conditions: [
          {
            kind: 'reference',
            column: rule.param.column,
            values: matches.map((m) => `${m.type}/${m.id}`),
          },
          ...(await narrowingOf(context, rule.sourceType)),
        ],
        count: revincludeLimit,
      });
      add(page.matches);
    }
  }
  return out;
}

function pageLinks(
  context: RequestContext,
  request: SearchHttpRequest,
  next: string | undefined,
): BundleLink[] {
  const url = (params: URLSearchParams): string => {
    const q = params.toString();
    return `${context.baseUrl}/${request.type}${q ? `?${q}` : ''}`;
  };
  const links: BundleLink[] = [{ relation: 'self', url: url(request.params) }];
  if (next) {
    const params = new URLSearchParams(request.params);
    params.set('_cursor', next);
    links.push({ relation: 'next', url: url(params) });
  }
  return links;
}

/**
 * A chained condition searches its target type too, so it obeys the same access as a direct
 * search of that type: refused without the scope, narrowed to the caller's compartment.
 * Otherwise a chain would let a caller test values of records it may not see.
 */
async function guardChains(
  context: RequestContext,
  condition: SearchCondition,
): Promise<SearchCondition> {
  if (condition.kind !== 'chain') {
    return condition;
  }
  const targets = [];
  for (const target of condition.targets) {
    context.access?.authorize(target.type, 'search-type');
    const narrowing = await narrowingOf(context, target.type);
    targets.push(
      narrowing.length === 0
        ? target
        : {
            type: target.type,
            condition: { kind: 'allOf' as const, conditions: [target.condition, ...narrowing] },
          },
    );
  }
  return { ...condition, targets };
}

/** Whether the caller may search `type` at all (the scopes of included resources). */
function maySearch(context: RequestContext, type: string): boolean {
  try {
    context.access?.authorize(type, 'search-type');
    return true;
  } catch (err) {
    if (err instanceof FhirError) {
      return false;
    }
    throw err;
  }
}

/**
 * Runs a type search and answers a searchset Bundle: one page of matches, the resources they
 * `_include` and those that `_revinclude` them, a total when asked, and a `next` link whose
 * opaque cursor continues the keyset.
 */
export async function searchType(
  store: ResourceStore,
  context: RequestContext,
  request: SearchHttpRequest,
): Promise<InteractionResult> {
  const asked = parseSearch(request.type, request.params, { lenient: request.lenient ?? false });
  // The caller's compartment is part of the query itself: paging and totals stay exact and
  // nothing outside it is ever read.
  const parsed = {
    ...asked,
    conditions: [
      ...(await Promise.all(asked.conditions.map((c) => guardChains(context, c)))),
      ...(await narrowingOf(context, request.type)),
    ],
  };
  const page = await store.search(context.tenant, parsed);
  const extra = parsed.countOnly ? [] : await included(store, context, parsed, page.matches);
  const entry: BundleEntry[] = [
    ...page.matches.map((v) => searchEntry(context.baseUrl, v, 'match')),
    ...extra.map((v) => searchEntry(context.baseUrl, v, 'include')),
  ];
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(page.total === undefined ? {} : { total: page.total }),
    link: pageLinks(context, request, page.next),
    ...(entry.length > 0 ? { entry } : {}),
  };
  return { status: 200, body: bundle };
}
