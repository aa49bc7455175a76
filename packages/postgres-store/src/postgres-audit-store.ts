import {
  AuditAppendError,
  auditRecordJson,
  ChainVerifier,
  normalizeAuditRecord,
  type AuditQuery,
  type AuditRecord,
  type AuditStore,
  type ChainHead,
  type StoredAudit,
  type VerifyReport,
} from '@swiftacare/audit';
import type { Pool } from 'pg';
import { tenantIdPattern } from '@swiftacare/resource-store';
import { inTenant } from './tenant-scope.js';

/** The most records one search returns, whatever count asks for. */
export const maxAuditSearchCount = 1000;

// Records verify reads per round trip (and per short read-only transaction).
const verifyPageSize = 1000;

interface EventRow {
  seq: string;
  record: AuditRecord;
  previous_hash: string;
  hash: string;
}

interface HeadRow {
  seq: string;
  hash: string;
}

function toStored(row: EventRow): StoredAudit {
  return {
    seq: Number(row.seq),
    record: row.record,
    previousHash: row.previous_hash,
    hash: row.hash,
  };
}

/**
 * The audit trail in PostgreSQL (tables `audit_event` and `audit_head`, migration 2), under
 * row-level security like every tenant table. Appending locks the tenant's head row, so
 * appends from any number of processes form one unbroken chain per tenant.
 */
export class PostgresAuditStore implements AuditStore {
  constructor(private readonly pool: Pool) {}

  /**
   * One statement (its own transaction) per tenant of the batch, run side by side: each locks
   * its tenant's head (created on the first append), chains its records in order, inserts them
   * and moves the head. Throws an {@link AuditAppendError} naming the tenants whose
   * transaction failed; the others committed.
   */
  async append(records: readonly AuditRecord[]): Promise<void> {
    const groups = new Map<string, AuditRecord[]>();
    for (const input of records) {
      const record = normalizeAuditRecord(input);
      const group = groups.get(record.tenant);
      if (group) {
        group.push(record);
      } else {
        groups.set(record.tenant, [record]);
      }
    }
    const tenants = [...groups.keys()];
    const results = await Promise.allSettled(
      [...groups].map(([tenant, group]) => this.appendTenant(tenant, group)),
    );
    const failures = new Map<string, unknown>();
    results.forEach((result, i) => {
      const tenant = tenants[i];
      if (result.status === 'rejected' && tenant !== undefined) {
        failures.set(tenant, result.reason);
      }
    });
    if (failures.size > 0) {
      throw new AuditAppendError(failures);
    }
  }

  private async appendTenant(tenant: string, records: readonly AuditRecord[]): Promise<void> {
    if (!tenantIdPattern.test(tenant)) {
      throw new Error(`Invalid tenant id "${tenant}"`);
    }
    // One statement in its own transaction (migrations 5 and 6): the function enters the
    // tenant, locks the head, chains and inserts the records, and moves the head.
    const lines = records.map((r) => auditRecordJson(r));
    if (lines.some((line) => line.includes('\n'))) {
      // Canonical JSON escapes every line break; one here would split a record in two.
      throw new Error('An audit record serialised with a raw line break');
    }
    await this.pool.query({
      name: 'audit_append',
      text: 'SELECT audit_append($1, $2, $3, $4, $5, $6, $7)',
      values: [
        tenant,
        records.map((r) => r.recorded),
        lines.join('\n'),
        records.map((r) => r.what?.type ?? null),
        records.map((r) => r.what?.id ?? null),
        records.map((r) => r.what?.patient ?? null),
        records.map((r) => r.who.user ?? null),
      ],
    });
  }

  /**
   * Newest first; `after` pages on to records with a smaller seq. The patient, user and
   * resource filters each have an index.
   */
  async search(tenant: string, query: AuditQuery): Promise<StoredAudit[]> {
    if (!Number.isInteger(query.count) || query.count < 1) {
      throw new RangeError('Audit search count must be a positive integer');
    }
    const values: unknown[] = [tenant];
    const conditions = ['tenant = $1'];
    const where = (sql: string, value: unknown): void => {
      values.push(value);
      conditions.push(`${sql} = $${values.length}`);
    };
    if (query.after !== undefined) {
      values.push(query.after);
      conditions.push(`seq < $${values.length}`);
    }
    if (query.type !== undefined) {
      where('what_type', query.type);
    }
    if (query.id !== undefined) {
      where('what_id', query.id);
    }
    if (query.patient !== undefined) {
      where('what_patient', query.patient);
    }
    if (query.user !== undefined) {
      where('who_user', query.user);
    }
    values.push(Math.min(query.count, maxAuditSearchCount));
    const text = `SELECT seq, record, previous_hash, hash FROM audit_event
      WHERE ${conditions.join(' AND ')} ORDER BY seq DESC LIMIT $${values.length}`;
    return inTenant(
      this.pool,
      tenant,
      async (client) => (await client.query<EventRow>(text, values)).rows.map(toStored),
      { readOnly: true },
    );
  }

  /**
   * Reads the head first, then the records up to it in seq order, a page per short read-only
   * transaction, so a long chain is checked without holding one snapshot open and records
   * appended meanwhile (beyond the head read) are left for the next verify.
   */
  async verify(tenant: string): Promise<VerifyReport> {
    const head = await inTenant(
      this.pool,
      tenant,
      async (client) => {
        const { rows } = await client.query<HeadRow>({
          name: 'audit_head_read',
          text: 'SELECT seq, hash FROM audit_head WHERE tenant = $1',
          values: [tenant],
        });
        const row = rows[0];
        return row ? ({ seq: Number(row.seq), hash: row.hash } satisfies ChainHead) : undefined;
      },
      { readOnly: true },
    );
    // Without a head there should be no record; any found is read, and reported.
    const upTo = head?.seq ?? Number.MAX_SAFE_INTEGER;
    const verifier = new ChainVerifier(tenant);
    let last = 0;
    for (;;) {
      const rows = await inTenant(
        this.pool,
        tenant,
        async (client) =>
          (
            await client.query<EventRow>({
              name: 'audit_verify_page',
              text: `SELECT seq, record, previous_hash, hash FROM audit_event
                WHERE tenant = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`,
              values: [tenant, last, upTo, verifyPageSize],
            })
          ).rows,
        { readOnly: true },
      );
      let going = true;
      for (const row of rows) {
        going = verifier.check(toStored(row));
        if (!going) {
          break;
        }
      }
      const lastRow = rows[rows.length - 1];
      if (!going || !lastRow || rows.length < verifyPageSize) {
        break;
      }
      last = Number(lastRow.seq);
    }
    return verifier.finish(head);
  }
}
