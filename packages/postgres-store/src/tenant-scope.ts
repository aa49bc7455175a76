import { tenantIdPattern } from '@swiftacare/resource-store';
import type { Pool, PoolClient } from 'pg';

/**
 * Runs `work` in one transaction entered into a tenant. The tenant is set with
 * `set_config(..., true)`, which lasts until COMMIT, so row-level security filters every
 * statement of the transaction and a pooled connection keeps nothing of it afterwards.
 */
export async function inTenant<T>(
  pool: Pool,
  tenant: string,
  work: (client: PoolClient) => Promise<T>,
  options: { readOnly?: boolean } = {},
): Promise<T> {
  // The tenant goes into the statement text so BEGIN and set_config share one round trip;
  // the pattern admits only [a-z0-9-], so it cannot break out of the literal.
  if (!tenantIdPattern.test(tenant)) {
    throw new Error(`Invalid tenant id "${tenant}"`);
  }
  const client = await pool.connect();
  let broken = false;
  // A connection that dies while checked out emits 'error' outside any query; without a
  // listener that would crash the process. The next query fails anyway; just retire it.
  const onError = (): void => {
    broken = true;
  };
  client.on('error', onError);
  try {
    await client.query(
      `${options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN'}; SELECT set_config('app.tenant', '${tenant}', true)`,
    );
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    }
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
