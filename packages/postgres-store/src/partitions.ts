import type { Pool } from 'pg';
import { tenantPolicyDdl } from './resource-table-ddl.js';
import { partitionParamOf, tableOf } from './tables.js';

/** The first instant of the month containing `ms`, UTC. */
export function monthOf(ms: number): Date {
  const d = new Date(ms);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

function addMonths(month: Date, n: number): Date {
  return new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + n, 1));
}

function partitionName(table: string, month: Date): string {
  const mm = String(month.getUTCMonth() + 1).padStart(2, '0');
  return `${table}_p${month.getUTCFullYear()}${mm}`;
}

/**
 * Keeps a window of monthly partitions (a year back, two years ahead) for each partitioned
 * type, with a default partition catching everything outside it. Rows that landed in the
 * default partition for a month that now gets its own partition are moved there in the same
 * transaction, so a restart after a long pause loses nothing. Runs at start-up, after the
 * migrations, under the migration owner's role.
 */
export async function maintainPartitions(
  pool: Pool,
  types: readonly string[],
  now = Date.now(),
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('RESET ROLE');
    for (const type of types) {
      if (!partitionParamOf(type)) {
        continue;
      }
      const table = tableOf(type);
      const existing = new Set(
        (
          await client.query<{ name: string }>(
            `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = $1::regclass`,
            [table],
          )
        ).rows.map((r) => r.name),
      );
      const fallback = `${table}_pdefault`;
      if (!existing.has(fallback)) {
        await client.query(
          `CREATE TABLE ${fallback} PARTITION OF ${table} DEFAULT;${tenantPolicyDdl(fallback)}`,
        );
      }
      const first = addMonths(monthOf(now), -12);
      for (let i = 0; i < 36; i++) {
        const from = addMonths(first, i);
        const name = partitionName(table, from);
        if (existing.has(name)) {
          continue;
        }
        const to = addMonths(from, 1);
        await client.query('BEGIN');
        try {
          await client.query(`CREATE TABLE ${name} (LIKE ${table} INCLUDING DEFAULTS)`);
          const range = `partition_month >= '${from.toISOString()}' AND partition_month < '${to.toISOString()}'`;
          // Partition upkeep moves rows of every tenant at once, as the schema owner.
          // eslint-disable-next-line swiftacare/tenant-scoped-sql
          await client.query(`INSERT INTO ${name} SELECT * FROM ${fallback} WHERE ${range}`);
          // eslint-disable-next-line swiftacare/tenant-scoped-sql
          await client.query(`DELETE FROM ${fallback} WHERE ${range}`);
          await client.query(
            `ALTER TABLE ${table} ATTACH PARTITION ${name} FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}');${tenantPolicyDdl(name)}`,
          );
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      }
    }
  } finally {
    client.release();
  }
}
