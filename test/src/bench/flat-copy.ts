import { appRole } from '@swiftacare/postgres-store';
// Not exported by the package: the copy gets exactly the policy every resource table has.
import { tenantPolicyDdl } from '../../../packages/postgres-store/src/resource-table-ddl.js';
import { asOwner } from './owner-sql.js';

/** The unpartitioned copy's read function: `read_appointment` minus the locator. */
export const flatReadFunction = 'read_appointment_flat';

/**
 * Creates `appointment_flat`: every current Appointment row in one plain table keyed by
 * (tenant, id), with the same row-level security and grant, and a read function shaped like
 * the store's. Runs as the schema owner. Answers the rows copied.
 */
export function createFlatCopy(ownerUrl: string, tenant: string): Promise<number> {
  return asOwner(ownerUrl, async (client) => {
    await client.query('BEGIN');
    // The owner may not be a superuser (BENCH_DATABASE_URL): RLS is forced, so enter the tenant.
    await client.query(`SELECT set_config('app.tenant', $1, true)`, [tenant]);
    await client.query(`CREATE TABLE appointment_flat (LIKE appointment INCLUDING DEFAULTS)`);
    const copied = await client.query(
      'INSERT INTO appointment_flat SELECT * FROM appointment WHERE tenant = $1',
      [tenant],
    );
    await client.query(`ALTER TABLE appointment_flat ADD PRIMARY KEY (tenant, id)`);
    await client.query(tenantPolicyDdl('appointment_flat'));
    await client.query(`
CREATE FUNCTION ${flatReadFunction}(p_tenant text, p_ids uuid[])
RETURNS TABLE (id uuid, version_id integer, last_updated timestamptz, deleted boolean, content text)
LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM set_config('app.tenant', p_tenant, true);
  RETURN QUERY SELECT r.id, r.version_id, r.last_updated, r.deleted, r.content::text
    FROM appointment_flat r WHERE r.tenant = p_tenant AND r.id = ANY (p_ids);
END
$fn$;
GRANT EXECUTE ON FUNCTION ${flatReadFunction}(text, uuid[]) TO ${appRole};`);
    await client.query('COMMIT');
    await client.query('ANALYZE appointment_flat');
    return copied.rowCount ?? 0;
  });
}
