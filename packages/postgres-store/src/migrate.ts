import type { Pool } from 'pg';
import { migrations } from './migrations/index.js';

// Any constant will do; it only has to be the same in every process that migrates.
const migrationLockKey = 7_441_822;

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** Stop after this version (default: the newest), as an older release would have left it. */
  upTo?: number;
}

/**
 * Applies every migration not yet applied, in order, each in its own transaction. An advisory
 * lock makes concurrent starters wait for each other instead of racing. Returns the versions
 * applied by this call.
 */
export async function migrate(pool: Pool, options: MigrateOptions = {}): Promise<number[]> {
  const upTo = options.upTo ?? Number.POSITIVE_INFINITY;
  const client = await pool.connect();
  try {
    await client.query('RESET ROLE');
    await client.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migration (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migration')).rows.map(
        (r) => r.version,
      ),
    );
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version) || m.version > upTo) {
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(m.sql());
        await client.query('INSERT INTO schema_migration (version, name) VALUES ($1, $2)', [
          m.version,
          m.name,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [migrationLockKey]).catch(() => undefined);
    client.release();
  }
}
