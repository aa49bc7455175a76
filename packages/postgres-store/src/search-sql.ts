import {
  isResourceId,
  type DateValue,
  type SearchCondition,
  type SearchRequest,
} from '@swiftacare/fhir';
import { decodeCursor, type KeysetPosition } from './cursor.js';
import { monthOf } from './partitions.js';
import { partitionParamOf, tableOf } from './tables.js';
import { toTimestamp } from './timestamps.js';

/** Collects positional parameters while SQL is built. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}

function likePattern(value: string, match: 'start' | 'contains'): string {
  const escaped = value.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
  return match === 'start' ? `${escaped}%` : `%${escaped}%`;
}

/**
 * One date prefix over a stored range [lo, hi) against the searched range [a, b), following
 * https://hl7.org/fhir/R4/search.html#prefix. An empty stored range (NULL) matches nothing.
 */
function dateComparison(lo: string, hi: string, value: DateValue, params: SqlParams): string {
  const a = (): string => params.add(toTimestamp(value.range.low), '::timestamptz');
  const b = (): string => params.add(toTimestamp(value.range.high), '::timestamptz');
  switch (value.comparator) {
    case 'eq':
      return `(${lo} >= ${a()} AND ${hi} <= ${b()})`;
    case 'ne':
      return `NOT (${lo} >= ${a()} AND ${hi} <= ${b()})`;
    case 'gt':
      return `${hi} > ${b()}`;
    case 'lt':
      return `${lo} < ${a()}`;
    case 'ge':
      return `${hi} > ${a()}`;
    case 'le':
      return `${lo} < ${b()}`;
    case 'sa':
      return `${lo} >= ${b()}`;
    case 'eb':
      return `${hi} <= ${a()}`;
    case 'ap': {
      // "Approximately": the searched range widened by a tenth of its distance from now.
      const slack = Math.abs(Date.now() - value.range.low) * 0.1;
      const wide = { low: value.range.low - slack, high: value.range.high + slack };
      return `(${lo} < ${params.add(toTimestamp(wide.high), '::timestamptz')} AND ${hi} > ${params.add(toTimestamp(wide.low), '::timestamptz')})`;
    }
  }
}

function anyOf(parts: string[]): string {
  return parts.length === 1 ? (parts[0] ?? 'false') : `(${parts.join(' OR ')})`;
}

/** SQL for one condition on the table aliased `alias`. */
export function conditionSql(
  condition: SearchCondition,
  alias: string,
  tenantParam: string,
  params: SqlParams,
): string {
  const col = (c: string): string => `${alias}.${c}`;
  switch (condition.kind) {
    case 'id': {
      const ids = condition.ids.filter(isResourceId);
      return ids.length === 0 ? 'false' : `${col('id')} = ANY (${params.add(ids, '::uuid[]')})`;
    }
    case 'lastUpdated': {
      const lu = col('last_updated');
      const hi = `(${lu} + interval '1 millisecond')`;
      return anyOf(condition.values.map((v) => dateComparison(lu, hi, v, params)));
    }
    case 'date':
      return anyOf(
        condition.values.map((v) =>
          dateComparison(col(`${condition.column}_lo`), col(`${condition.column}_hi`), v, params),
        ),
      );
    case 'token': {
      const overlap = `${col(condition.column)} && ${params.add(condition.values, '::text[]')}`;
      return condition.not ? `NOT coalesce(${overlap}, false)` : overlap;
    }
    case 'reference':
    case 'uri':
      return `${col(condition.column)} && ${params.add(condition.values, '::text[]')}`;
    case 'string':
      if (condition.match === 'exact') {
        return `${col(condition.column)} && ${params.add(condition.values, '::text[]')}`;
      }
      return `EXISTS (SELECT 1 FROM unnest(${col(condition.column)}) v WHERE lower(v) LIKE ANY (${params.add(
        condition.values.map((v) =>
          likePattern(v, condition.match === 'start' ? 'start' : 'contains'),
        ),
        '::text[]',
      )}))`;
    case 'missing': {
      const empty = condition.dated
        ? `${col(`${condition.column}_lo`)} IS NULL`
        : `coalesce(cardinality(${col(condition.column)}), 0) = 0`;
      return condition.missing ? empty : `NOT (${empty})`;
    }
    case 'anyOf':
      return condition.conditions.length === 0
        ? 'false'
        : `(${condition.conditions.map((c) => conditionSql(c, alias, tenantParam, params)).join(' OR ')})`;
    case 'allOf':
      return condition.conditions.length === 0
        ? 'true'
        : `(${condition.conditions.map((c) => conditionSql(c, alias, tenantParam, params)).join(' AND ')})`;
    case 'chain': {
      const subqueries = condition.targets.map(({ type, condition: inner }, i) => {
        const a = `${alias}_c${i}`;
        return `ARRAY(SELECT '${type}/' || ${a}.id FROM ${tableOf(type)} ${a} WHERE ${a}.tenant = ${tenantParam} AND NOT ${a}.deleted AND ${conditionSql(inner, a, tenantParam, params)})`;
      });
      return `${col(condition.column)} && (${subqueries.join(' || ')})`;
    }
  }
}

/** The sort expression: dates by lower bound, empty ones last when ascending. */
export function sortExpression(column: string, alias: string): string {
  if (column === 'id' || column === 'last_updated') {
    return `${alias}.${column}`;
  }
  return `coalesce(${alias}.${column}_lo, 'infinity'::timestamptz)`;
}

/** A compiled search: the page query, and the count query when a total was asked for. */
export interface CompiledSearch {
  text: string;
  values: unknown[];
  countText?: string;
  countValues?: unknown[];
  signature: string;
}

/**
 * The span of starts a date value on the partition parameter can match. The partitioned date
 * (Appointment.start) is an instant, so its stored range is [start, start + 1 ms) and each
 * prefix bounds the start alone. Undefined where a prefix bounds nothing (ne, ap).
 */
function startSpan(value: DateValue): { low: number; high: number } | undefined {
  const { low, high } = value.range;
  switch (value.comparator) {
    case 'eq':
      return { low, high };
    case 'ge':
      return { low, high: Infinity };
    case 'gt':
    case 'sa':
      return { low: high, high: Infinity };
    case 'lt':
    case 'eb':
      return { low: -Infinity, high: low };
    case 'le':
      return { low: -Infinity, high };
    case 'ne':
    case 'ap':
      return undefined;
  }
}

/**
 * Bounds on `partition_month` implied by the date conditions of a partitioned type, so the
 * planner prunes to the months searched instead of planning and scanning every partition.
 * Only a redundant restatement of the conditions: it never changes which rows match.
 */
function partitionBounds(request: SearchRequest): { from?: string; to?: string } {
  const param = partitionParamOf(request.type);
  if (!param || !/\.start$/.test(param.expression)) {
    return {};
  }
  let low = -Infinity;
  let high = Infinity;
  for (const c of request.conditions) {
    if (c.kind !== 'date' || c.column !== param.column) {
      continue;
    }
    const spans = c.values.map(startSpan);
    if (spans.some((x) => x === undefined)) {
      continue;
    }
    const defined = spans as { low: number; high: number }[];
    low = Math.max(low, Math.min(...defined.map((x) => x.low)));
    high = Math.min(high, Math.max(...defined.map((x) => x.high)));
  }
  const out: { from?: string; to?: string } = {};
  if (Number.isFinite(low)) {
    out.from = monthOf(low).toISOString();
  }
  if (Number.isFinite(high)) {
    const last = monthOf(high - 1);
    out.to = new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth() + 1, 1)).toISOString();
  }
  return out;
}

function whereClause(request: SearchRequest, params: SqlParams): string {
  const tenant = params.add(null);
  const parts = [`r.tenant = ${tenant}`, 'NOT r.deleted'];
  for (const c of request.conditions) {
    parts.push(conditionSql(c, 'r', tenant, params));
  }
  const { from, to } = partitionBounds(request);
  if (from !== undefined) {
    parts.push(`r.partition_month >= ${params.add(from, '::timestamptz')}`);
  }
  if (to !== undefined) {
    parts.push(`r.partition_month < ${params.add(to, '::timestamptz')}`);
  }
  return parts.join(' AND ');
}

/**
 * Compiles a search into SQL over the type's table. Parameter $1 is always the tenant and is
 * filled in by the caller. Paging is keyset: the cursor carries the last row's sort key and
 * id, so a page costs the same however deep it is.
 */
export function compileSearch(tenant: string, request: SearchRequest): CompiledSearch {
  const table = tableOf(request.type);
  const { column, descending } = request.sort;
  const signature = `${request.type}:${column}:${descending ? 'd' : 'a'}`;
  const params = new SqlParams();
  const where = whereClause(request, params);
  params.values[0] = tenant;

  let countText: string | undefined;
  let countValues: unknown[] | undefined;
  if (request.total || request.countOnly) {
    countText = `SELECT count(*)::int AS total FROM ${table} r WHERE ${where}`;
    countValues = [...params.values];
  }

  const sortExpr = sortExpression(column, 'r');
  let keyset = '';
  if (request.cursor !== undefined) {
    const position: KeysetPosition = decodeCursor(request.cursor, signature);
    const cast = column === 'id' ? '::uuid' : '::timestamptz';
    const op = descending ? '<' : '>';
    keyset = ` AND (${sortExpr}, r.id) ${op} (${params.add(position.v, cast)}, ${params.add(position.i, '::uuid')})`;
  }
  const dir = descending ? 'DESC' : 'ASC';
  const text = `SELECT r.id, r.version_id, r.last_updated, r.content::text AS json, (${sortExpr})::text AS sort_value
FROM ${table} r WHERE ${where}${keyset}
ORDER BY ${sortExpr} ${dir}, r.id ${dir} LIMIT ${params.add(request.count + 1)}`;
  return {
    text,
    values: params.values,
    signature,
    ...(countText ? { countText, countValues } : {}),
  };
}
