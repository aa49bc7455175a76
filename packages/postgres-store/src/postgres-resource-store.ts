import { FhirError, servedTypes, type SearchRequest } from '@swiftacare/fhir';
import type {
  HistoryPage,
  HistoryRequest,
  IdempotencyRecord,
  ResourceStore,
  ResourceTransaction,
  SearchPage,
  StoredVersion,
} from '@swiftacare/resource-store';
import type { Resource } from '@medplum/fhirtypes';
import type { Pool, PoolClient } from 'pg';
import { decodeCursor, encodeCursor } from './cursor.js';
import { historyTableOf, tableOf } from './tables.js';
import { compileSearch } from './search-sql.js';
import { inTenant } from './tenant-scope.js';
import { writeStatementsOf, writeValues } from './write-statements.js';

interface VersionRow {
  id: string;
  version_id: number;
  last_updated: Date;
  deleted?: boolean;
  json: string | null;
}

function toVersion(type: string, row: VersionRow): StoredVersion {
  return {
    type,
    id: row.id,
    versionId: row.version_id,
    lastUpdated: row.last_updated.toISOString(),
    deleted: row.deleted ?? false,
    json: row.json,
  };
}

function knownType(type: string): void {
  if (!servedTypes.some((t) => t.type === type)) {
    // Table names come from the served-type list only; never from what a client typed.
    throw new FhirError('notFound', `Resource type ${type} is not served here`);
  }
}

/** Puts id and meta first, so a served resource reads naturally. */
function withMeta(resource: Resource, versionId: number, lastUpdated: string): string {
  const { resourceType, id, meta, ...rest } = resource;
  return JSON.stringify({
    resourceType,
    id,
    meta: { ...meta, versionId: String(versionId), lastUpdated },
    ...rest,
  });
}

async function search(
  client: PoolClient,
  tenant: string,
  request: SearchRequest,
): Promise<SearchPage> {
  knownType(request.type);
  const compiled = compileSearch(tenant, request);
  let total: number | undefined;
  if (compiled.countText) {
    const counted = await client.query<{ total: number }>(compiled.countText, compiled.countValues);
    total = counted.rows[0]?.total ?? 0;
    if (request.countOnly) {
      return { matches: [], total };
    }
  }
  const { rows } = await client.query<VersionRow & { sort_value: string | null }>(
    compiled.text,
    compiled.values,
  );
  const page = rows.slice(0, request.count);
  const last = page[page.length - 1];
  const next =
    rows.length > request.count && last
      ? encodeCursor({ s: compiled.signature, v: last.sort_value, i: last.id })
      : undefined;
  return {
    matches: page.map((r) => toVersion(request.type, r)),
    ...(total === undefined ? {} : { total }),
    ...(next ? { next } : {}),
  };
}

class PostgresTransaction implements ResourceTransaction {
  constructor(
    private readonly client: PoolClient,
    private readonly tenant: string,
  ) {}

  async read(type: string, id: string): Promise<StoredVersion | undefined> {
    knownType(type);
    const { rows } = await this.client.query<VersionRow>(
      `SELECT id, version_id, last_updated, deleted, content::text AS json FROM ${tableOf(type)}
       WHERE tenant = $1 AND id = $2 FOR UPDATE`,
      [this.tenant, id],
    );
    return rows[0] ? toVersion(type, rows[0]) : undefined;
  }

  async vread(type: string, id: string, versionId: number): Promise<StoredVersion | undefined> {
    knownType(type);
    const { rows } = await this.client.query<VersionRow>(
      `SELECT id, version_id, last_updated, deleted, content::text AS json FROM ${historyTableOf(type)}
       WHERE tenant = $1 AND id = $2 AND version_id = $3`,
      [this.tenant, id, versionId],
    );
    return rows[0] ? toVersion(type, rows[0]) : undefined;
  }

  search(request: SearchRequest): Promise<SearchPage> {
    return search(this.client, this.tenant, request);
  }

  async create(resource: Resource): Promise<StoredVersion> {
    return this.write(resource, 1, 'create');
  }

  async update(resource: Resource, expectedVersion?: number): Promise<StoredVersion> {
    const id = resource.id ?? '';
    const current = await this.read(resource.resourceType, id);
    if (!current) {
      throw new FhirError('notFound', `${resource.resourceType}/${id} does not exist`);
    }
    if (current.deleted) {
      throw new FhirError('gone', `${resource.resourceType}/${id} was deleted`);
    }
    if (expectedVersion !== undefined && expectedVersion !== current.versionId) {
      throw new FhirError(
        'preconditionFailed',
        `${resource.resourceType}/${id} is at version ${current.versionId}, not ${expectedVersion}; read it again and retry`,
      );
    }
    return this.write(resource, current.versionId + 1, 'update');
  }

  private async write(
    resource: Resource,
    versionId: number,
    mode: 'create' | 'update',
  ): Promise<StoredVersion> {
    const type = resource.resourceType;
    knownType(type);
    const id = resource.id ?? '';
    const lastUpdated = new Date().toISOString();
    const json = withMeta(resource, versionId, lastUpdated);
    const statements = writeStatementsOf(type);
    const { values, partitionMonth } = writeValues(
      this.tenant,
      { ...resource, id },
      versionId,
      lastUpdated,
      json,
    );
    const prefix = `${tableOf(type)}_${mode}`;
    await this.client.query({ name: prefix, text: statements[mode], values });
    await this.client.query({
      name: `${historyTableOf(type)}_insert`,
      text: statements.history,
      values: values.slice(0, 6),
    });
    if (statements.locate && partitionMonth) {
      await this.client.query({
        name: `${tableOf(type)}_locate`,
        text: statements.locate,
        values: [this.tenant, id, partitionMonth],
      });
    }
    return { type, id, versionId, lastUpdated, deleted: false, json };
  }

  async delete(
    type: string,
    id: string,
    expectedVersion?: number,
  ): Promise<StoredVersion | undefined> {
    const current = await this.read(type, id);
    if (!current || current.deleted) {
      return undefined;
    }
    if (expectedVersion !== undefined && expectedVersion !== current.versionId) {
      throw new FhirError(
        'preconditionFailed',
        `${type}/${id} is at version ${current.versionId}, not ${expectedVersion}`,
      );
    }
    const versionId = current.versionId + 1;
    const lastUpdated = new Date().toISOString();
    const statements = writeStatementsOf(type);
    const values = [this.tenant, id, versionId, lastUpdated];
    await this.client.query({ name: `${tableOf(type)}_remove`, text: statements.remove, values });
    await this.client.query({
      name: `${historyTableOf(type)}_insert`,
      text: statements.history,
      values: [...values, true, null],
    });
    return { type, id, versionId, lastUpdated, deleted: true, json: null };
  }

  async lock(key: string): Promise<void> {
    await this.client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      // '/' cannot occur in a tenant id, so no two tenants' keys can collide.
      `${this.tenant}/${key}`,
    ]);
  }

  async idempotencyRecord(key: string): Promise<IdempotencyRecord | undefined> {
    const { rows } = await this.client.query<{
      request_hash: string;
      status: number;
      location: string | null;
      body: string;
    }>(
      'SELECT request_hash, status, location, body FROM idempotency_key WHERE tenant = $1 AND key = $2',
      [this.tenant, key],
    );
    const row = rows[0];
    if (!row) {
      return undefined;
    }
    return {
      requestHash: row.request_hash,
      status: row.status,
      body: row.body,
      ...(row.location ? { location: row.location } : {}),
    };
  }

  async rememberIdempotency(key: string, record: IdempotencyRecord): Promise<void> {
    await this.client.query(
      'INSERT INTO idempotency_key (tenant, key, request_hash, status, location, body) VALUES ($1, $2, $3, $4, $5, $6)',
      [this.tenant, key, record.requestHash, record.status, record.location ?? null, record.body],
    );
  }
}

/**
 * The resource store on PostgreSQL: a table per type with typed search columns, a history
 * table, row-level security per tenant, and keyset paging.
 */
export class PostgresResourceStore implements ResourceStore {
  constructor(private readonly pool: Pool) {}

  async read(tenant: string, type: string, id: string): Promise<StoredVersion | undefined> {
    const [found] = await this.readRows(tenant, type, [id]);
    return found;
  }

  async readMany(tenant: string, type: string, ids: readonly string[]): Promise<StoredVersion[]> {
    const found = await this.readRows(tenant, type, ids);
    return found.filter((v) => !v.deleted);
  }

  private async readRows(
    tenant: string,
    type: string,
    ids: readonly string[],
  ): Promise<StoredVersion[]> {
    knownType(type);
    if (ids.length === 0) {
      return [];
    }
    const table = tableOf(type);
    // One statement that enters the tenant itself (see readFunctionDdl), prepared once per
    // connection: the read-by-id hot path is a single round trip.
    // eslint-disable-next-line swiftacare/tenant-scoped-sql -- the function takes the tenant as $1
    const { rows } = await this.pool.query<VersionRow>({
      name: `read_${table}`,
      text: `SELECT id, version_id, last_updated, deleted, content AS json FROM read_${table}($1, $2::uuid[])`,
      values: [tenant, ids],
    });
    return rows.map((r) => toVersion(type, r));
  }

  async vread(
    tenant: string,
    type: string,
    id: string,
    versionId: number,
  ): Promise<StoredVersion | undefined> {
    knownType(type);
    return inTenant(
      this.pool,
      tenant,
      async (client) => {
        const { rows } = await client.query<VersionRow>(
          `SELECT id, version_id, last_updated, deleted, content::text AS json FROM ${historyTableOf(type)}
           WHERE tenant = $1 AND id = $2 AND version_id = $3`,
          [tenant, id, versionId],
        );
        return rows[0] ? toVersion(type, rows[0]) : undefined;
      },
      { readOnly: true },
    );
  }

  async history(tenant: string, request: HistoryRequest): Promise<HistoryPage> {
    knownType(request.type);
    const signature = `history:${request.type}:${request.id ?? '*'}`;
    const values: unknown[] = [tenant];
    const where = ['tenant = $1'];
    if (request.id !== undefined) {
      values.push(request.id);
      where.push(`id = $${values.length}`);
    }
    if (request.since !== undefined) {
      values.push(request.since);
      where.push(`last_updated >= $${values.length}`);
    }
    if (request.cursor !== undefined) {
      const at = decodeCursor(request.cursor, signature);
      values.push(at.v, at.i, at.n ?? 0);
      const n = values.length;
      where.push(
        `(last_updated, id, version_id) < ($${n - 2}::timestamptz, $${n - 1}::uuid, $${n})`,
      );
    }
    values.push(request.count + 1);
    const text = `SELECT id, version_id, last_updated, deleted, content::text AS json FROM ${historyTableOf(request.type)}
      WHERE ${where.join(' AND ')} ORDER BY last_updated DESC, id DESC, version_id DESC LIMIT $${values.length}`;
    return inTenant(
      this.pool,
      tenant,
      async (client) => {
        const { rows } = await client.query<VersionRow>(text, values);
        const page = rows.slice(0, request.count);
        const last = page[page.length - 1];
        const next =
          rows.length > request.count && last
            ? encodeCursor({
                s: signature,
                v: last.last_updated.toISOString(),
                i: last.id,
                n: last.version_id,
              })
            : undefined;
        return {
          versions: page.map((r) => toVersion(request.type, r)),
          ...(next ? { next } : {}),
        };
      },
      { readOnly: true },
    );
  }

  search(tenant: string, request: SearchRequest): Promise<SearchPage> {
    return inTenant(this.pool, tenant, (client) => search(client, tenant, request), {
      readOnly: true,
    });
  }

  unit<T>(tenant: string, work: (tx: ResourceTransaction) => Promise<T>): Promise<T> {
    return inTenant(this.pool, tenant, (client) => work(new PostgresTransaction(client, tenant)));
  }

  async ready(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
