import { getSearchParameters, parseFhirPath, type FhirPathAtom } from '@medplum/core';
import { loadFhirDefinitions } from './definitions.js';
import { servedTypes } from './served-types.js';

/** The search parameter types the engine indexes and queries. */
export type IndexedParamType = 'token' | 'reference' | 'date' | 'string' | 'uri';

const indexedTypes = new Set<string>(['token', 'reference', 'date', 'string', 'uri']);

// `_id` and `_lastUpdated` are plain columns of every table; `_compartment` is not an R4
// parameter (it is Medplum's own) and the others have no R4 meaning we could honour yet.
const nativeOrUnsupported = new Set(['_id', '_lastUpdated', '_compartment', '_text', '_content']);

/**
 * A search parameter of a served type, from the official R4 SearchParameter definition, with
 * its FHIRPath parsed once and the name of the column that indexes it.
 */
export interface SearchParam {
  code: string;
  /** Canonical URL of the SearchParameter definition. */
  url: string;
  type: IndexedParamType;
  expression: string;
  atom: FhirPathAtom;
  /** Resource types a reference parameter may point at. */
  targets: readonly string[];
  /** SQL column name: `sp_` plus the code with every non-alphanumeric replaced by `_`. */
  column: string;
}

const registry = new Map<string, Map<string, SearchParam>>();

/** The SQL column that indexes a search parameter code. */
export function searchColumn(code: string): string {
  return `sp_${code.toLowerCase().replace(/[^a-z0-9]/g, '_')}`;
}

function build(type: string): Map<string, SearchParam> {
  loadFhirDefinitions();
  const params = new Map<string, SearchParam>();
  for (const def of Object.values(getSearchParameters(type) ?? {})) {
    if (!def.code || !def.expression || !indexedTypes.has(def.type ?? '')) {
      continue;
    }
    if (nativeOrUnsupported.has(def.code)) {
      continue;
    }
    params.set(def.code, {
      code: def.code,
      url: def.url ?? '',
      type: def.type as IndexedParamType,
      expression: def.expression,
      atom: parseFhirPath(def.expression),
      targets: def.target ?? [],
      column: searchColumn(def.code),
    });
  }
  return params;
}

/**
 * The indexed search parameters of a served resource type, keyed by code.
 * Parameters of the types number, quantity, composite and special are not indexed.
 */
export function searchParamsOf(type: string): ReadonlyMap<string, SearchParam> {
  let params = registry.get(type);
  if (!params) {
    params = build(type);
    registry.set(type, params);
  }
  return params;
}

/** Builds the registry for every served type, so the first request pays nothing. */
export function warmSearchParams(): void {
  for (const t of servedTypes) {
    searchParamsOf(t.type);
  }
}
