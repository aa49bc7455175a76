import { AuditLog, chainHash, genesisHash, type AuditRecord } from '@swiftacare/audit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresAuditStore } from './postgres-audit-store.js';
import { appRole } from './tables.js';
import { inTenant } from './tenant-scope.js';
import { openTestBackend, type TestBackend } from './testing.js';

let backend: TestBackend;
let store: PostgresAuditStore;
let owner: pg.Client;

let counter = 0;
function record(tenant: string, patch: Partial<AuditRecord> = {}): AuditRecord {
  counter += 1;
  return {
    tenant,
    recorded: new Date(Date.UTC(2025, 0, 1, 0, 0, counter)).toISOString(),
    action: 'R',
    interaction: 'read',
    outcome: 'success',
    status: 200,
    who: { user: `user-${String(counter % 3)}`, client: 'ehr' },
    what: { type: 'Observation', id: `obs-${String(counter)}`, patient: `pat-${tenant}` },
    address: '10.1.2.3',
    requestId: `req-${String(counter)}`,
    ...patch,
  };
}

const batch = (tenant: string, n: number): AuditRecord[] =>
  Array.from({ length: n }, () => record(tenant));

/** Runs statements as the owner (the migrating login), entered into a tenant. */
async function asOwner(tenant: string, sql: string, values: unknown[] = []): Promise<void> {
  await owner.query('BEGIN');
  try {
    await owner.query("SELECT set_config('app.tenant', $1, true)", [tenant]);
    await owner.query(sql, values);
    await owner.query('COMMIT');
  } catch (err) {
    await owner.query('ROLLBACK');
    throw err;
  }
}

/** Runs `work` with the append-only trigger off, as an operator with full rights could. */
async function withoutTrigger(work: () => Promise<void>): Promise<void> {
  await owner.query('ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only');
  try {
    await work();
  } finally {
    await owner.query('ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only');
  }
}

beforeAll(async () => {
  backend = await openTestBackend(['alpha', 'beta']);
  store = new PostgresAuditStore(backend.pool);
  owner = new pg.Client({ connectionString: backend.url });
  await owner.connect();
});

afterAll(async () => {
  await owner.end();
  await backend.close();
});

describe('PostgresAuditStore', () => {
  it('appends batches of two tenants into one chain each, which verifies', async () => {
    const first = [...batch('alpha', 3), ...batch('beta', 2), ...batch('alpha', 1)];
    const second = [...batch('beta', 4), ...batch('alpha', 2)];
    await store.append(first);
    await store.append(second);
    await store.append([]);

    const alpha = await store.search('alpha', { count: 100 });
    expect(alpha.map((a) => a.seq)).toEqual([6, 5, 4, 3, 2, 1]);
    const oldestFirst = [...alpha].reverse();
    expect(oldestFirst.map((a) => a.record)).toEqual(
      [...first, ...second].filter((r) => r.tenant === 'alpha'),
    );
    let previousHash = genesisHash;
    for (const a of oldestFirst) {
      expect(a.previousHash).toBe(previousHash);
      expect(a.hash).toBe(chainHash(previousHash, a.record));
      previousHash = a.hash;
    }
    expect((await store.search('beta', { count: 100 })).map((a) => a.seq)).toEqual([
      6, 5, 4, 3, 2, 1,
    ]);
    expect(await store.verify('alpha')).toEqual({ ok: true, checked: 6 });
    expect(await store.verify('beta')).toEqual({ ok: true, checked: 6 });
    expect(await store.verify('nobody')).toEqual({ ok: true, checked: 0 });
  });

  it('chains in the database exactly as chainHash does, for text beyond ASCII too', async () => {
    const reason = 'Krisenintervention: Müller, 夜間 ☎ "quoted" \\ back\nslash \u2028 😀';
    await store.append([record('beta', { emergency: { reason } }), record('beta')]);
    const [newest, older] = await store.search('beta', { count: 2 });
    expect(older?.record.emergency?.reason).toBe(reason);
    for (const a of [older, newest]) {
      expect(a?.hash).toBe(chainHash(a?.previousHash ?? '', a?.record ?? {}));
    }
    expect(newest?.previousHash).toBe(older?.hash);
    expect((await store.verify('beta')).ok).toBe(true);
  });

  it("never shows one tenant's records to another", async () => {
    const secret = record('alpha', { what: { type: 'Patient', id: 'only-alpha' } });
    await store.append([secret, record('beta')]);
    const beta = await store.search('beta', { count: 1000 });
    expect(beta.length).toBeGreaterThan(0);
    expect(beta.every((a) => a.record.tenant === 'beta')).toBe(true);
    expect(await store.search('beta', { count: 10, id: 'only-alpha' })).toEqual([]);
    expect(await store.search('alpha', { count: 10, id: 'only-alpha' })).toHaveLength(1);

    // Even SQL that asks for another tenant's rows sees none, and none outside any tenant.
    const seen = await inTenant(backend.pool, 'beta', async (client) => {
      const { rows } = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_event WHERE tenant = 'alpha'",
      );
      return rows[0]?.n;
    });
    expect(seen).toBe(0);
    // eslint-disable-next-line swiftacare/tenant-scoped-sql -- outside any tenant on purpose
    const { rows } = await backend.pool.query<{ n: number }>(
      'SELECT (SELECT count(*) FROM audit_event)::int + (SELECT count(*) FROM audit_head)::int AS n',
    );
    expect(rows[0]?.n).toBe(0);
  });

  it('searches newest first by patient, user, type and id, and pages with after', async () => {
    const tenant = 'search';
    await store.append([
      record(tenant, { who: { user: 'ana' }, what: { type: 'Patient', id: 'p1', patient: 'p1' } }),
      record(tenant, {
        who: { user: 'bo' },
        what: { type: 'Observation', id: 'o1', patient: 'p1' },
      }),
      record(tenant, {
        who: { user: 'ana' },
        what: { type: 'Observation', id: 'o2', patient: 'p2' },
      }),
      record(tenant, {
        who: { client: 'batch-job' },
        interaction: 'search-type',
        what: { type: 'Patient' },
      }),
      record(tenant, {
        who: { user: 'ana' },
        what: { type: 'Observation', id: 'o1', patient: 'p1' },
      }),
    ]);
    const seqs = async (query: Omit<Parameters<PostgresAuditStore['search']>[1], 'count'>) =>
      (await store.search(tenant, { count: 10, ...query })).map((a) => a.seq);
    expect(await seqs({})).toEqual([5, 4, 3, 2, 1]);
    expect(await seqs({ patient: 'p1' })).toEqual([5, 2, 1]);
    expect(await seqs({ user: 'ana' })).toEqual([5, 3, 1]);
    expect(await seqs({ type: 'Observation' })).toEqual([5, 3, 2]);
    expect(await seqs({ type: 'Observation', id: 'o1' })).toEqual([5, 2]);
    expect(await seqs({ user: 'ana', patient: 'p1' })).toEqual([5, 1]);
    expect(await seqs({ after: 4 })).toEqual([3, 2, 1]);
    expect(await seqs({ after: 5, patient: 'p1' })).toEqual([2, 1]);
    expect((await store.search(tenant, { count: 2 })).map((a) => a.seq)).toEqual([5, 4]);
    await expect(store.search(tenant, { count: 0 })).rejects.toThrow(RangeError);
  });

  it('keeps one unbroken chain under 20 concurrent appends from two pools', async () => {
    const tenant = 'busy';
    // A second pool stands for a second gateway process: separate connections, same tenant.
    const other = new pg.Pool({
      connectionString: backend.url,
      max: 5,
      options: `-c role=${appRole}`,
    });
    try {
      const second = new PostgresAuditStore(other);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? second : store).append(batch(tenant, 5))),
      );
    } finally {
      await other.end();
    }
    const all = await store.search(tenant, { count: 1000 });
    expect(all.map((a) => a.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 100 - i));
    expect(new Set(all.map((a) => a.record.requestId)).size).toBe(100);
    expect(await store.verify(tenant)).toEqual({ ok: true, checked: 100 });
  });

  it('group-commits the records of an AuditLog into a chain that verifies', async () => {
    const log = new AuditLog(store, { maxBatch: 50 });
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => log.record(record(i % 2 ? 'log-a' : 'log-b'))),
    );
    await log.close();
    expect(await store.verify('log-a')).toEqual({ ok: true, checked: 150 });
    expect(await store.verify('log-b')).toEqual({ ok: true, checked: 150 });
  });

  it('refuses UPDATE and DELETE to the table owner, by trigger', async () => {
    await store.append(batch('owner', 2));
    await expect(
      asOwner('owner', "UPDATE audit_event SET hash = hash WHERE tenant = 'owner'"),
    ).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(
      asOwner('owner', "DELETE FROM audit_event WHERE tenant = 'owner' AND seq = 1"),
    ).rejects.toThrow(/append-only: DELETE refused/);
    expect(await store.verify('owner')).toEqual({ ok: true, checked: 2 });
  });

  it('reports a record changed behind its back as changed, at its seq', async () => {
    const tenant = 'tamper-changed';
    await store.append(batch(tenant, 5));
    await withoutTrigger(() =>
      asOwner(
        tenant,
        `UPDATE audit_event SET record = json_build_object('tenant', tenant, 'recorded', record->>'recorded',
           'action', 'R', 'interaction', 'read', 'outcome', 'refused', 'status', 403,
           'who', record->'who', 'what', record->'what', 'requestId', record->>'requestId')
         WHERE tenant = $1 AND seq = 3`,
        [tenant],
      ),
    );
    expect((await store.search(tenant, { count: 1, after: 4 }))[0]?.record.outcome).toBe('refused');
    expect(await store.verify(tenant)).toEqual({
      ok: false,
      checked: 2,
      firstBrokenSeq: 3,
      problem: 'changed',
    });
  });

  it('reports a deleted record as missing, in the middle or at the end', async () => {
    await store.append(batch('tamper-gap', 5));
    await store.append(batch('tamper-end', 5));
    await withoutTrigger(async () => {
      await asOwner(
        'tamper-gap',
        "DELETE FROM audit_event WHERE tenant = 'tamper-gap' AND seq = 4",
      );
      await asOwner(
        'tamper-end',
        "DELETE FROM audit_event WHERE tenant = 'tamper-end' AND seq = 5",
      );
    });
    expect(await store.verify('tamper-gap')).toEqual({
      ok: false,
      checked: 3,
      firstBrokenSeq: 4,
      problem: 'missing',
    });
    expect(await store.verify('tamper-end')).toEqual({
      ok: false,
      checked: 4,
      firstBrokenSeq: 5,
      problem: 'missing',
    });
  });

  it('denies the app role UPDATE and DELETE of records, and DELETE of heads', async () => {
    await store.append(batch('alpha', 1));
    const attempt = (sql: string) => inTenant(backend.pool, 'alpha', (client) => client.query(sql));
    await expect(
      attempt("UPDATE audit_event SET hash = hash WHERE tenant = 'alpha'"),
    ).rejects.toThrow(/permission denied/);
    await expect(attempt("DELETE FROM audit_event WHERE tenant = 'alpha'")).rejects.toThrow(
      /permission denied/,
    );
    await expect(attempt("DELETE FROM audit_head WHERE tenant = 'alpha'")).rejects.toThrow(
      /permission denied/,
    );
    await expect(attempt('TRUNCATE audit_event')).rejects.toThrow(/permission denied/);
    expect((await store.verify('alpha')).ok).toBe(true);
  });
});
