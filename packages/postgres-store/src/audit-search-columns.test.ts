import { canonicalJson, type AuditRecord } from '@swiftacare/audit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { migrate } from './migrate.js';
import { openPostgres, type PostgresBackend } from './open-postgres.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

let db: TestDatabase;
let owner: pg.Pool;
let backend: PostgresBackend;

const record = (n: number, patch: Partial<AuditRecord> = {}): AuditRecord => ({
  tenant: 'alpha',
  recorded: new Date(Date.UTC(2025, 5, 1, 0, 0, n)).toISOString(),
  action: 'R',
  interaction: 'read',
  outcome: 'success',
  status: 200,
  who: { user: `user-${String(n % 2)}`, client: 'ehr' },
  what: { type: 'Patient', id: `pat-${String(n)}`, patient: `pat-${String(n)}` },
  requestId: `req-${String(n)}`,
  ...patch,
});

beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'));
  owner = new pg.Pool({ connectionString: db.url, max: 1 });
  // The schema as the release before the search columns left it, with records in it.
  await migrate(owner, { upTo: 5 });
  await owner.query('SELECT audit_append($1, $2, $3)', [
    'alpha',
    [record(1).recorded, record(2).recorded, record(3).recorded],
    [record(1), record(2), record(3, { what: { type: 'Appointment', id: 'apt-3' } })].map((r) =>
      canonicalJson(r),
    ),
  ]);
  backend = await openPostgres({ connectionString: db.url });
});

afterAll(async () => {
  await backend.close();
  await owner.end();
  await db.drop();
});

describe('the audit search columns (migration 6)', () => {
  it('fills the columns of records written before them, so searches still find those', async () => {
    const seqs = async (query: Parameters<typeof backend.audit.search>[1]): Promise<number[]> =>
      (await backend.audit.search('alpha', query)).map((s) => s.seq);
    expect(await seqs({ count: 10, patient: 'pat-2' })).toEqual([2]);
    expect(await seqs({ count: 10, user: 'user-1' })).toEqual([3, 1]);
    expect(await seqs({ count: 10, type: 'Appointment', id: 'apt-3' })).toEqual([3]);
    expect(await seqs({ count: 10, type: 'Patient' })).toEqual([2, 1]);
  });

  it('chains new records onto the old ones, and the whole chain verifies', async () => {
    await backend.audit.append([record(4), record(5, { who: { client: 'svc' } })]);
    expect(await backend.audit.verify('alpha')).toMatchObject({ ok: true, checked: 5 });
    expect((await backend.audit.search('alpha', { count: 10, user: 'user-0' }))[0]?.seq).toBe(4);
  });

  it('refuses a batch whose search keys do not line up with its records, storing nothing', async () => {
    const lines = [record(6), record(7)].map((r) => canonicalJson(r)).join('\n');
    const call = backend.pool.query('SELECT audit_append($1, $2, $3, $4, $5, $6, $7)', [
      'alpha',
      [record(6).recorded, record(7).recorded],
      lines,
      ['Patient'],
      ['pat-6', 'pat-7'],
      ['pat-6', 'pat-7'],
      [null, null],
    ]);
    await expect(call).rejects.toThrow(/2 records, but the other arguments disagree in length/);
    expect(await backend.audit.verify('alpha')).toMatchObject({ ok: true, checked: 5 });
  });
});
