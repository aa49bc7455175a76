import { evalFhirPathTyped, toTypedValue, type TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { parseDateRange, type DateRange } from './date-range.js';
import { searchParamsOf, type SearchParam } from './search-parameters.js';

/** What a resource offers to search, per parameter column: texts, or one covering date range. */
export type IndexedValues = Map<string, string[] | DateRange | null>;

type Json = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Token entries, stored so each query form is one exact array match:
 * `code`, `system|code` and `system|` for a coded value with a system, `code` and `|code`
 * for one without (https://hl7.org/fhir/R4/search.html#token).
 */
function tokenEntries(system: string | undefined, code: string | undefined, out: string[]): void {
  if (code === undefined) {
    if (system !== undefined) {
      out.push(`${system}|`);
    }
    return;
  }
  out.push(code);
  if (system === undefined) {
    out.push(`|${code}`);
  } else {
    out.push(`${system}|${code}`, `${system}|`);
  }
}

function tokens(values: TypedValue[]): string[] {
  const out: string[] = [];
  for (const { type, value } of values) {
    if (value === null || value === undefined) {
      continue;
    }
    if (typeof value !== 'object') {
      tokenEntries(undefined, String(value), out);
      continue;
    }
    const v = value as Json;
    switch (type) {
      case 'Coding':
        tokenEntries(str(v.system), str(v.code), out);
        break;
      case 'CodeableConcept':
        for (const c of (v.coding as Json[] | undefined) ?? []) {
          tokenEntries(str(c.system), str(c.code), out);
        }
        break;
      case 'Identifier':
        tokenEntries(str(v.system), str(v.value), out);
        break;
      case 'ContactPoint':
        tokenEntries(undefined, str(v.value), out);
        break;
      default:
        break;
    }
  }
  return out;
}

function references(values: TypedValue[]): string[] {
  const out: string[] = [];
  for (const { value } of values) {
    const ref = typeof value === 'string' ? value : str((value as Json | null)?.reference);
    if (ref === undefined) {
      continue;
    }
    out.push(ref);
    // A bare id matches any reference to it, so index the id alone as well.
    const slash = ref.lastIndexOf('/');
    if (slash > 0 && !ref.includes('://')) {
      out.push(ref.slice(slash + 1));
    }
  }
  return out;
}

const nameParts = ['text', 'family', 'given', 'prefix', 'suffix'];
const addressParts = ['text', 'line', 'city', 'district', 'state', 'postalCode', 'country'];

function strings(values: TypedValue[]): string[] {
  const out: string[] = [];
  for (const { type, value } of values) {
    if (typeof value === 'string') {
      out.push(value);
      continue;
    }
    const parts = type === 'HumanName' ? nameParts : type === 'Address' ? addressParts : [];
    for (const part of parts) {
      const p = (value as Json)[part];
      for (const s of Array.isArray(p) ? p : [p]) {
        if (typeof s === 'string') {
          out.push(s);
        }
      }
    }
  }
  return out;
}

/**
 * One range covering every value.
 * Limitation: a multi-valued date parameter is indexed as the span of all its values, so a
 * search can match a resource whose values lie on both sides of the searched range.
 */
function dates(values: TypedValue[]): DateRange | null {
  let low = Infinity;
  let high = -Infinity;
  const widen = (r: DateRange | undefined): void => {
    if (r) {
      low = Math.min(low, r.low);
      high = Math.max(high, r.high);
    }
  };
  for (const { type, value } of values) {
    if (typeof value === 'string') {
      widen(parseDateRange(value));
    } else if (type === 'Period' && value) {
      const p = value as Json;
      const start = str(p.start) ? parseDateRange(p.start as string) : undefined;
      const end = str(p.end) ? parseDateRange(p.end as string) : undefined;
      // An open end means "still going": index it as reaching far into the future.
      widen({ low: start?.low ?? -8.64e15, high: end?.high ?? 8.64e15 });
    }
  }
  return low === Infinity ? null : { low, high };
}

/** Evaluates one parameter's FHIRPath against the resource and returns its index entries. */
export function valuesFor(param: SearchParam, resource: Resource): string[] | DateRange | null {
  const found = evalFhirPathTyped(param.atom, [toTypedValue(resource)]);
  switch (param.type) {
    case 'token':
      return tokens(found);
    case 'reference':
      return references(found);
    case 'string':
    case 'uri':
      return strings(found);
    case 'date':
      return dates(found);
  }
}

/** Every indexed parameter of the resource's type, evaluated against it. */
export function indexedValues(resource: Resource): IndexedValues {
  const out: IndexedValues = new Map();
  for (const param of searchParamsOf(resource.resourceType).values()) {
    out.set(param.column, valuesFor(param, resource));
  }
  return out;
}
