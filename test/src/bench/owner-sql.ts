import pg from 'pg';

/** Runs `work` on a connection of the schema owner, closed afterwards. */
export async function asOwner<T>(
  ownerUrl: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Refreshes planner statistics after seeding, as autovacuum would have done by then. */
export function analyze(ownerUrl: string): Promise<void> {
  return asOwner(ownerUrl, async (client) => {
    await client.query('ANALYZE');
  });
}

/** How many partitions of `appointment` hold the tenant's rows. */
export function partitionsUsed(ownerUrl: string, tenant: string): Promise<number> {
  return asOwner(ownerUrl, async (client) => {
    await client.query('BEGIN READ ONLY');
    await client.query(`SELECT set_config('app.tenant', $1, true)`, [tenant]);
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(DISTINCT tableoid)::int AS n FROM appointment WHERE tenant = $1',
      [tenant],
    );
    await client.query('COMMIT');
    return rows[0]?.n ?? 0;
  });
}
