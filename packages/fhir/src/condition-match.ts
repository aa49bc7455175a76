import type { Resource } from '@medplum/fhirtypes';
import { searchParamsOf, type SearchParam } from './search-parameters.js';
import { isResourceId, type SearchCondition } from './search-request.js';
import { valuesFor } from './search-values.js';

/**
 * Judging a resource against search conditions in memory, for what the database cannot search:
 * old versions, whose history rows carry no search columns. Values are read with
 * {@link valuesFor}, the very function the PostgreSQL store fills its columns with, and compared
 * the way its SQL compares them (`search-sql.ts`), so the two cannot disagree on a condition
 * this file supports.
 *
 * Only the kinds access compartments are built from are supported: `id`, `reference`, `anyOf`
 * and `allOf`. Every other kind counts as not matching. No supported kind negates another, so
 * an unsupported condition can only hide a resource, never reveal one.
 */

const byColumn = new Map<string, ReadonlyMap<string, SearchParam>>();

function paramAt(type: string, column: string): SearchParam | undefined {
  let columns = byColumn.get(type);
  if (!columns) {
    columns = new Map([...searchParamsOf(type).values()].map((p) => [p.column, p]));
    byColumn.set(type, columns);
  }
  return columns.get(column);
}

function matches(resource: Resource, condition: SearchCondition): boolean {
  switch (condition.kind) {
    case 'id': {
      // The id column is a uuid, which PostgreSQL compares without regard to case; like the
      // SQL, ids that cannot be resource ids are dropped first.
      const own = resource.id?.toLowerCase();
      return condition.ids.some((id) => isResourceId(id) && id.toLowerCase() === own);
    }
    case 'reference': {
      const param = paramAt(resource.resourceType, condition.column);
      if (param?.type !== 'reference') {
        return false;
      }
      // `column && values`: an empty column is NULL in SQL and matches nothing.
      const indexed = valuesFor(param, resource);
      return Array.isArray(indexed) && indexed.some((v) => condition.values.includes(v));
    }
    case 'anyOf':
      return condition.conditions.some((c) => matches(resource, c));
    case 'allOf':
      return condition.conditions.every((c) => matches(resource, c));
    default:
      // Fail closed: a kind this file cannot judge is never a reason to show something.
      return false;
  }
}

/**
 * Whether a resource meets every condition (conditions are ANDed, as in a search), judged
 * exactly as the PostgreSQL store would judge its indexed row. Unsupported condition kinds
 * (anything but `id`, `reference`, `anyOf`, `allOf`) never match.
 *
 * @example
 * matchesConditions(note, await policy.narrowing('DocumentReference'));
 */
export function matchesConditions(
  resource: Resource,
  conditions: readonly SearchCondition[],
): boolean {
  return conditions.every((c) => matches(resource, c));
}
