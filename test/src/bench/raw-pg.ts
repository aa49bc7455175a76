import { randomUUID } from 'node:crypto';
import { parseSearch } from '@swiftacare/fhir';
import { appRole } from '@swiftacare/postgres-store';
import pg from 'pg';
// Not exported by the package: the bench compiles searches and writes rows exactly as the store.
import {
  compileSearch,
  type CompiledSearch,
} from '../../../packages/postgres-store/src/search-sql.js';
import {
  writeStatementsOf,
  writeValues,
} from '../../../packages/postgres-store/src/write-statements.js';
import { dayOf, pick, type ResourceJson } from './fixtures.js';

const dayMs = 86_400_000;

/** A pool like the gateway's: same size, same role, so row-level security costs the same. */
export function appPool(connectionString: string, size: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: size, options: `-c role=${appRole}` });
  pool.on('error', () => undefined);
  return pool;
}

/** The statement the store's read by id runs (one round trip; the function enters the tenant). */
export function readById(
  pool: pg.Pool,
  tenant: string,
  ids: readonly string[],
  fn = 'read_appointment',
): () => Promise<void> {
  const text = `SELECT id, version_id, last_updated, deleted, content AS json FROM ${fn}($1, $2::uuid[])`;
  return async (): Promise<void> => {
    const { rows } = await pool.query({ name: fn, text, values: [tenant, [pick(ids)]] });
    if (rows.length !== 1) {
      throw new Error(`${fn} found ${rows.length} rows`);
    }
  };
}

/** `BEGIN; set_config(...)` in one round trip, as `inTenant` does. */
function begin(tenant: string, readOnly: boolean): string {
  return `${readOnly ? 'BEGIN READ ONLY' : 'BEGIN'}; SELECT set_config('app.tenant', '${tenant}', true)`;
}

/**
 * The search the gateway runs for `practitioner=…&date=ge…&date=lt…`, compiled ahead by the
 * store's own compiler, inside the same read-only tenant transaction.
 */
export function search(
  pool: pg.Pool,
  tenant: string,
  practitionerIds: readonly string[],
  firstDay: number,
  days: number,
): () => Promise<void> {
  const compiled: CompiledSearch[] = Array.from({ length: 2_000 }, () => {
    const from = firstDay + Math.floor(Math.random() * days) * dayMs;
    const params = new URLSearchParams();
    params.append('practitioner', `Practitioner/${pick(practitionerIds)}`);
    params.append('date', `ge${dayOf(from)}`);
    params.append('date', `lt${dayOf(from + 7 * dayMs)}`);
    return compileSearch(tenant, parseSearch('Appointment', params));
  });
  const enter = begin(tenant, true);
  return async (): Promise<void> => {
    const query = pick(compiled);
    const client = await pool.connect();
    try {
      await client.query(enter);
      await client.query(query.text, query.values);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };
}

/**
 * A plain insert of the row shape the store writes for a created Appointment: the current
 * row, its history row and its locator row, in one tenant transaction, with the same
 * prepared statements. The row is computed once; each insert only gets a new id and time.
 */
export function insert(pool: pg.Pool, tenant: string, resource: ResourceJson): () => Promise<void> {
  const statements = writeStatementsOf('Appointment');
  const locate = statements.locate ?? '';
  const placeholderId = '00000000-0000-4000-8000-000000000000';
  const template = (lastUpdated: string): ReturnType<typeof writeValues> => {
    const { resourceType, ...rest } = resource;
    const json = JSON.stringify({
      resourceType,
      id: placeholderId,
      meta: { versionId: '1', lastUpdated },
      ...rest,
    });
    const withId = { ...resource, id: placeholderId } as unknown as Parameters<
      typeof writeValues
    >[1];
    return writeValues(tenant, withId, 1, lastUpdated, json);
  };
  const templateTime = new Date().toISOString();
  const { values, partitionMonth } = template(templateTime);
  const json = String(values[5]);
  const enter = begin(tenant, false);
  return async (): Promise<void> => {
    const id = randomUUID();
    const lastUpdated = new Date().toISOString();
    const row = [...values];
    row[1] = id;
    row[3] = lastUpdated;
    row[5] = json.replace(placeholderId, id).replace(templateTime, lastUpdated);
    const client = await pool.connect();
    try {
      await client.query(enter);
      await client.query({ name: 'appointment_create', text: statements.create, values: row });
      await client.query({
        name: 'appointment_history_insert',
        text: statements.history,
        values: row.slice(0, 6),
      });
      await client.query({
        name: 'appointment_locate',
        text: locate,
        values: [tenant, id, partitionMonth],
      });
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };
}
