/* eslint-disable swiftacare/tenant-scoped-sql -- these tests leave the tenant out on purpose */
import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTenant } from './tenant-scope.js';
import { openTestBackend, type TestBackend } from './testing.js';

let backend: TestBackend;

const patient = (): Resource => ({ resourceType: 'Patient', id: randomUUID() });

beforeAll(async () => {
  backend = await openTestBackend(['alpha', 'beta']);
  await backend.resources.unit('alpha', async (tx) => {
    await tx.create(patient());
    await tx.create(patient());
  });
  await backend.resources.unit('beta', (tx) => tx.create(patient()));
});

afterAll(async () => {
  await backend.close();
});

async function count(sql: string): Promise<number> {
  const { rows } = await backend.pool.query<{ n: number }>(sql);
  return rows[0]?.n ?? -1;
}

describe('row-level security', () => {
  it('shows nothing to a query outside any tenant, even without a tenant condition', async () => {
    expect(await count('SELECT count(*)::int AS n FROM patient')).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM patient_history')).toBe(0);
  });

  it('limits a query that forgets its tenant condition to the tenant of its transaction', async () => {
    const n = await inTenant(backend.pool, 'alpha', async (client) => {
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM patient');
      return rows[0]?.n;
    });
    expect(n).toBe(2);
    const m = await inTenant(backend.pool, 'beta', async (client) => {
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM patient');
      return rows[0]?.n;
    });
    expect(m).toBe(1);
  });

  it('forgets the tenant when the transaction ends, on the same pooled connection', async () => {
    const client = await backend.pool.connect();
    try {
      await client.query("BEGIN; SELECT set_config('app.tenant', 'alpha', true)");
      await client.query('COMMIT');
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM patient');
      expect(rows[0]?.n).toBe(0);
    } finally {
      client.release();
    }
  });

  it("refuses to write a row into another tenant from inside a tenant's transaction", async () => {
    await expect(
      inTenant(backend.pool, 'alpha', (client) =>
        client.query(
          "INSERT INTO patient (tenant, id, version_id, last_updated, content) VALUES ('beta', $1, 1, now(), '{}')",
          [randomUUID()],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('is enabled and forced on every table that has a tenant column, partitions included', async () => {
    const owner = new (await import('pg')).default.Client({ connectionString: backend.url });
    await owner.connect();
    try {
      const { rows } = await owner.query<{ table: string; enabled: boolean; forced: boolean }>(`
        SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced
        FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant'
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        WHERE c.relkind IN ('r', 'p')`);
      expect(rows.length).toBeGreaterThan(24);
      expect(rows.filter((r) => !r.enabled || !r.forced).map((r) => r.table)).toEqual([]);
      expect(rows.map((r) => r.table)).toContain('appointment_pdefault');
    } finally {
      await owner.end();
    }
  });
});
