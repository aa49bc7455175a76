import { indexedValues, searchParamsOf, type IndexedValues } from '@swiftacare/fhir';
import type { Resource } from '@medplum/fhirtypes';
import { monthOf } from './partitions.js';
import { columnsOf, historyTableOf, partitionParamOf, tableOf } from './tables.js';
import { toTimestamp } from './timestamps.js';

/** The prepared SQL that writes one resource type. */
export interface WriteStatements {
  create: string;
  update: string;
  history: string;
  /** Marks the current row deleted; the row keeps its partition. */
  remove: string;
  /** Upserts the locator row of a partitioned type; undefined for the others. */
  locate?: string;
}

const cache = new Map<string, WriteStatements>();

function indexColumns(type: string): string[] {
  return [...searchParamsOf(type).values()].flatMap(columnsOf);
}

/** Builds (once per type) the statements that store a version and its search index. */
export function writeStatementsOf(type: string): WriteStatements {
  const cached = cache.get(type);
  if (cached) {
    return cached;
  }
  const table = tableOf(type);
  const partitioned = partitionParamOf(type) !== undefined;
  const base = ['tenant', 'id', 'version_id', 'last_updated', 'deleted', 'content'];
  const columns = [...base, ...(partitioned ? ['partition_month'] : []), ...indexColumns(type)];
  const placeholders = columns.map((_, i) => `$${i + 1}`);
  const assignments = columns.slice(2).map((c, i) => `${c} = $${i + 3}`);
  const statements: WriteStatements = {
    create: `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders.join(', ')})`,
    update: `UPDATE ${table} SET ${assignments.join(', ')} WHERE tenant = $1 AND id = $2`,
    remove: `UPDATE ${table} SET version_id = $3, last_updated = $4, deleted = true, content = NULL WHERE tenant = $1 AND id = $2`,
    history: `INSERT INTO ${historyTableOf(type)} (tenant, id, version_id, last_updated, deleted, content) VALUES ($1, $2, $3, $4, $5, $6)`,
    ...(partitioned
      ? {
          locate: `INSERT INTO ${table}_locator (tenant, id, partition_month) VALUES ($1, $2, $3)
            ON CONFLICT (tenant, id) DO UPDATE SET partition_month = EXCLUDED.partition_month`,
        }
      : {}),
  };
  cache.set(type, statements);
  return statements;
}

/** The month a partitioned resource is filed under: its date parameter, else its write time. */
export function partitionMonthOf(type: string, index: IndexedValues, lastUpdated: string): string {
  const param = partitionParamOf(type);
  const range = param ? index.get(param.column) : undefined;
  const low = range && !Array.isArray(range) ? range.low : Date.parse(lastUpdated);
  return monthOf(Number.isFinite(low) && low > -6e13 ? low : Date.parse(lastUpdated)).toISOString();
}

/** The parameter values of the write statements, in column order. */
export function writeValues(
  tenant: string,
  resource: Resource & { id: string },
  versionId: number,
  lastUpdated: string,
  json: string,
): { values: unknown[]; partitionMonth?: string } {
  const type = resource.resourceType;
  const index = indexedValues(resource);
  const values: unknown[] = [tenant, resource.id, versionId, lastUpdated, false, json];
  let partitionMonth: string | undefined;
  if (partitionParamOf(type)) {
    partitionMonth = partitionMonthOf(type, index, lastUpdated);
    values.push(partitionMonth);
  }
  for (const param of searchParamsOf(type).values()) {
    const v = index.get(param.column);
    if (param.type === 'date') {
      const range = v && !Array.isArray(v) ? v : undefined;
      values.push(range ? toTimestamp(range.low) : null, range ? toTimestamp(range.high) : null);
    } else {
      values.push(Array.isArray(v) && v.length > 0 ? [...new Set(v)] : null);
    }
  }
  return partitionMonth === undefined ? { values } : { values, partitionMonth };
}
