import { parseDateRange, type DateRange } from './date-range.js';
import { FhirError, type OutcomeProblem } from './outcome.js';
import { searchParamsOf, type SearchParam } from './search-parameters.js';
import { servedType } from './served-types.js';

/** Date prefixes of https://hl7.org/fhir/R4/search.html#prefix. */
export type DateComparator = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

/** A date the search compares against, with its prefix. */
export interface DateValue {
  comparator: DateComparator;
  range: DateRange;
}

/**
 * One condition of a search. Conditions are ANDed; the values inside one condition are ORed,
 * exactly as repeated parameters and comma-separated values are in FHIR.
 */
export type SearchCondition =
  | { kind: 'id'; ids: string[] }
  | { kind: 'lastUpdated'; values: DateValue[] }
  | { kind: 'token'; column: string; values: string[]; not: boolean }
  | { kind: 'reference'; column: string; values: string[] }
  | { kind: 'string'; column: string; values: string[]; match: 'start' | 'exact' | 'contains' }
  | { kind: 'uri'; column: string; values: string[] }
  | { kind: 'date'; column: string; values: DateValue[] }
  | { kind: 'missing'; column: string; dated: boolean; missing: boolean }
  | { kind: 'chain'; column: string; targets: { type: string; condition: SearchCondition }[] }
  /** Any of several conditions: how an access compartment is expressed (own or cared-for). */
  | { kind: 'anyOf'; conditions: SearchCondition[] }
  /** All of several conditions: a chained condition together with the target's compartment. */
  | { kind: 'allOf'; conditions: SearchCondition[] };

/** A sort key; every sort ends with the id so keyset paging is total. */
export interface SortKey {
  /** `id`, `last_updated`, or the column of a date parameter (sorted by its lower bound). */
  column: string;
  descending: boolean;
}

/** `_include` or `_revinclude` of one reference parameter. */
export interface IncludeRule {
  sourceType: string;
  param: SearchParam;
  targetType?: string;
}

/** A parsed, validated search of one resource type, ready for any store to run. */
export interface SearchRequest {
  type: string;
  conditions: SearchCondition[];
  count: number;
  sort: SortKey;
  include: IncludeRule[];
  revinclude: IncludeRule[];
  /** `_summary=count` (or `_count=0`): the total only, no entries. */
  countOnly: boolean;
  /** `_total=accurate`: also count every match. */
  total: boolean;
  cursor?: string;
}

/** Page size when `_count` is absent. */
export const defaultPageSize = 20;
/** The largest page served; larger `_count` values are clamped to it. */
export const maxPageSize = 100;

const ignoredParams = new Set(['_format', '_pretty']);

const comparators = new Set<DateComparator>(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

/** Splits a parameter value on unescaped commas and removes FHIR's backslash escapes. */
export function splitValues(raw: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw.charAt(i);
    if (ch === '\\' && i + 1 < raw.length) {
      current += raw.charAt(++i);
    } else if (ch === ',') {
      out.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  out.push(current);
  return out.filter((v) => v !== '');
}

function parseDates(name: string, raw: string): DateValue[] {
  return splitValues(raw).map((text) => {
    const prefix = text.slice(0, 2) as DateComparator;
    const hasPrefix = comparators.has(prefix) && /^[a-z]{2}\d/.test(text);
    const range = parseDateRange(hasPrefix ? text.slice(2) : text);
    if (!range) {
      throw new FhirError('invalid', {
        message: `Search parameter "${name}": "${text}" is not a FHIR date (use e.g. ge2026-03-01 or 2026-03-01T10:00:00Z)`,
      });
    }
    return { comparator: hasPrefix ? prefix : 'eq', range };
  });
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when the text can be a server-assigned resource id. */
export function isResourceId(id: string): boolean {
  return uuidPattern.test(id);
}

function referenceValues(param: SearchParam, modifier: string | undefined, raw: string): string[] {
  return splitValues(raw).map((v) => {
    if (modifier !== undefined && !v.includes('/')) {
      return `${modifier}/${v}`;
    }
    if (!v.includes('/') && param.targets.length === 1) {
      return `${param.targets[0] ?? ''}/${v}`;
    }
    return v;
  });
}

function parseCondition(
  type: string,
  param: SearchParam,
  name: string,
  modifier: string | undefined,
  raw: string,
): SearchCondition {
  if (modifier === 'missing') {
    if (raw !== 'true' && raw !== 'false') {
      throw new FhirError('invalid', `Search parameter "${name}": :missing takes true or false`);
    }
    return {
      kind: 'missing',
      column: param.column,
      dated: param.type === 'date',
      missing: raw === 'true',
    };
  }
  const badModifier = (): FhirError =>
    new FhirError(
      'invalid',
      `Search parameter "${param.code}" of ${type} (${param.type}) does not support the modifier ":${modifier ?? ''}"`,
    );
  switch (param.type) {
    case 'token':
      if (modifier !== undefined && modifier !== 'not') {
        throw badModifier();
      }
      return {
        kind: 'token',
        column: param.column,
        values: splitValues(raw),
        not: modifier === 'not',
      };
    case 'reference':
      if (modifier !== undefined && !param.targets.includes(modifier)) {
        throw badModifier();
      }
      return {
        kind: 'reference',
        column: param.column,
        values: referenceValues(param, modifier, raw),
      };
    case 'string':
      if (modifier !== undefined && modifier !== 'exact' && modifier !== 'contains') {
        throw badModifier();
      }
      return {
        kind: 'string',
        column: param.column,
        values: splitValues(raw),
        match: modifier === 'exact' ? 'exact' : modifier === 'contains' ? 'contains' : 'start',
      };
    case 'uri':
      if (modifier !== undefined) {
        throw badModifier();
      }
      return { kind: 'uri', column: param.column, values: splitValues(raw) };
    case 'date':
      if (modifier !== undefined) {
        throw badModifier();
      }
      return { kind: 'date', column: param.column, values: parseDates(name, raw) };
  }
}

function parseChain(
  type: string,
  param: SearchParam,
  modifier: string | undefined,
  chained: string,
  raw: string,
): SearchCondition {
  if (param.type !== 'reference') {
    throw new FhirError(
      'invalid',
      `Search parameter "${param.code}" is not a reference and cannot be chained`,
    );
  }
  const targets = modifier !== undefined ? [modifier] : param.targets;
  const conditions: { type: string; condition: SearchCondition }[] = [];
  for (const target of targets) {
    if (!servedType(target)) {
      continue;
    }
    const targetParam = searchParamsOf(target).get(chained);
    if (targetParam) {
      conditions.push({
        type: target,
        condition: parseCondition(target, targetParam, `${param.code}.${chained}`, undefined, raw),
      });
    }
  }
  if (conditions.length === 0) {
    throw new FhirError(
      'invalid',
      `Chained search "${param.code}.${chained}" on ${type}: no target type has a parameter "${chained}"`,
    );
  }
  return { kind: 'chain', column: param.column, targets: conditions };
}

function parseSort(type: string, raw: string): SortKey {
  const keys = raw.split(',').filter((k) => k !== '');
  if (keys.length !== 1) {
    // Limitation: one sort key (plus the id as tie-breaker) keeps keyset paging simple.
    throw new FhirError(
      'invalid',
      '_sort takes exactly one key, e.g. _sort=date or _sort=-_lastUpdated',
    );
  }
  const key = keys[0] ?? '';
  const descending = key.startsWith('-');
  const code = descending ? key.slice(1) : key;
  if (code === '_id') {
    return { column: 'id', descending };
  }
  if (code === '_lastUpdated') {
    return { column: 'last_updated', descending };
  }
  const param = searchParamsOf(type).get(code);
  if (param?.type !== 'date') {
    throw new FhirError(
      'invalid',
      `_sort=${key}: ${type} can be sorted by _id, _lastUpdated or a date parameter`,
    );
  }
  return { column: param.column, descending };
}

function parseInclude(type: string, raw: string, reverse: boolean): IncludeRule {
  const [sourceType = '', code = '', targetType] = raw.split(':');
  const expected = reverse ? undefined : type;
  const param = servedType(sourceType) ? searchParamsOf(sourceType).get(code) : undefined;
  if ((expected !== undefined && sourceType !== expected) || param?.type !== 'reference') {
    throw new FhirError(
      'invalid',
      `${reverse ? '_revinclude' : '_include'}=${raw}: expected SourceType:referenceParameter[:TargetType]${reverse ? '' : ` with SourceType ${type}`}`,
    );
  }
  if (targetType !== undefined && !param.targets.includes(targetType)) {
    throw new FhirError('invalid', `_include=${raw}: ${code} cannot point at ${targetType}`);
  }
  return { sourceType, param, ...(targetType ? { targetType } : {}) };
}

/**
 * Parses FHIR search parameters for one type into a {@link SearchRequest}.
 * An unknown or unsupported parameter is an error unless `lenient` (`Prefer: handling=lenient`),
 * in which case it is ignored.
 */
export function parseSearch(
  type: string,
  params: URLSearchParams,
  options: { lenient?: boolean } = {},
): SearchRequest {
  const request: SearchRequest = {
    type,
    conditions: [],
    count: defaultPageSize,
    sort: { column: 'last_updated', descending: false },
    include: [],
    revinclude: [],
    countOnly: false,
    total: false,
  };
  const unknown: OutcomeProblem[] = [];
  const known = searchParamsOf(type);

  for (const [name, raw] of params) {
    if (ignoredParams.has(name)) {
      continue;
    }
    switch (name) {
      case '_count': {
        const n = Number(raw);
        if (!Number.isInteger(n) || n < 0) {
          throw new FhirError('invalid', `_count must be a whole number, got "${raw}"`);
        }
        request.count = Math.min(n, maxPageSize);
        request.countOnly ||= n === 0;
        continue;
      }
      case '_cursor':
        request.cursor = raw;
        continue;
      case '_sort':
        request.sort = parseSort(type, raw);
        continue;
      case '_include':
        request.include.push(parseInclude(type, raw, false));
        continue;
      case '_revinclude':
        request.revinclude.push(parseInclude(type, raw, true));
        continue;
      case '_summary':
        if (raw !== 'count') {
          throw new FhirError(
            'invalid',
            `_summary=${raw} is not supported; only _summary=count is`,
          );
        }
        request.countOnly = true;
        continue;
      case '_total':
        if (raw !== 'none' && raw !== 'estimate' && raw !== 'accurate') {
          throw new FhirError('invalid', '_total takes none, estimate or accurate');
        }
        request.total = raw !== 'none';
        continue;
      case '_id':
        request.conditions.push({ kind: 'id', ids: splitValues(raw) });
        continue;
      case '_lastUpdated':
        request.conditions.push({ kind: 'lastUpdated', values: parseDates(name, raw) });
        continue;
      default:
        break;
    }

    const [path = '', modifier] = name.split(':', 2);
    const [code = '', chained] = path.split('.', 2);
    const param = known.get(code);
    if (!param || (chained !== undefined && chained.includes('.'))) {
      unknown.push({ message: `Unknown or unsupported search parameter "${name}" for ${type}` });
      continue;
    }
    request.conditions.push(
      chained !== undefined
        ? parseChain(type, param, modifier, chained, raw)
        : parseCondition(type, param, name, modifier, raw),
    );
  }

  if (unknown.length > 0 && !options.lenient) {
    throw new FhirError('invalid', [
      ...unknown,
      { message: 'Send "Prefer: handling=lenient" to ignore unknown parameters' },
    ]);
  }
  return request;
}
