import { searchParamsOf } from '@swiftacare/fhir';
import { appRole, columnsOf, historyTableOf, partitionParamOf, tableOf } from './tables.js';

// A tenant setting of '' (after a transaction that set it has ended) or NULL (never set)
// matches no row, so a query that forgets to enter its tenant sees nothing.
const tenantPolicy = `tenant = current_setting('app.tenant', true)`;

/** Enables and forces row-level security with the tenant policy on one table. */
export function tenantPolicyDdl(table: string): string {
  return `
ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ${table} USING (${tenantPolicy}) WITH CHECK (${tenantPolicy});
GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${appRole};`;
}

/**
 * Where each row of a partitioned table lives. Reading by id through it touches one partition
 * instead of probing the primary key of every month.
 */
function locatorDdl(table: string): string {
  return `
CREATE TABLE ${table}_locator (
  tenant text NOT NULL,
  id uuid NOT NULL,
  partition_month timestamptz NOT NULL,
  PRIMARY KEY (tenant, id)
);
${tenantPolicyDdl(`${table}_locator`)}`;
}

/**
 * The DDL of one resource type: its current-version table with one typed column per search
 * parameter and an index on each, its history table, and row-level security on both.
 * Appointment-like types are partitioned by month of their date parameter.
 */
export function resourceTableDdl(type: string): string {
  const table = tableOf(type);
  const history = historyTableOf(type);
  const params = [...searchParamsOf(type).values()];
  const partition = partitionParamOf(type);

  const columns: string[] = [];
  const indexes: string[] = [];
  for (const p of params) {
    if (p.type === 'date') {
      const [lo, hi] = columnsOf(p);
      columns.push(`${lo} timestamptz`, `${hi} timestamptz`);
      indexes.push(`CREATE INDEX ON ${table} (tenant, ${lo ?? ''})`);
    } else {
      columns.push(`${p.column} text[]`);
      indexes.push(`CREATE INDEX ON ${table} USING gin (${p.column})`);
    }
  }

  const partitionColumn = partition ? ',\n  partition_month timestamptz NOT NULL' : '';
  const key = partition ? '(tenant, id, partition_month)' : '(tenant, id)';
  const partitionClause = partition ? ' PARTITION BY RANGE (partition_month)' : '';

  return `
CREATE TABLE ${table} (
  tenant text NOT NULL,
  id uuid NOT NULL,
  version_id integer NOT NULL,
  last_updated timestamptz NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  content json${partitionColumn},
  ${columns.join(',\n  ')},
  PRIMARY KEY ${key}
)${partitionClause};
CREATE INDEX ON ${table} (tenant, last_updated, id);
${indexes.join(';\n')};
${tenantPolicyDdl(table)}

${partition ? locatorDdl(table) : ''}
CREATE TABLE ${history} (
  tenant text NOT NULL,
  id uuid NOT NULL,
  version_id integer NOT NULL,
  last_updated timestamptz NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  content json,
  PRIMARY KEY (tenant, id, version_id)
);
CREATE INDEX ON ${history} (tenant, last_updated DESC, id DESC, version_id DESC);
${tenantPolicyDdl(history)}
`;
}

/**
 * A function that enters the tenant and reads one row in a single statement. It saves the
 * BEGIN / set_config / COMMIT round trips on the busiest call while keeping the rule that the
 * tenant is set per transaction: `set_config(..., true)` lasts only for the statement's own
 * implicit transaction.
 */
export function readFunctionDdl(type: string): string {
  const table = tableOf(type);
  const source = partitionParamOf(type)
    ? `${table}_locator l JOIN ${table} r
      ON r.tenant = l.tenant AND r.id = l.id AND r.partition_month = l.partition_month
      WHERE l.tenant = p_tenant AND l.id = ANY (p_ids)`
    : `${table} r WHERE r.tenant = p_tenant AND r.id = ANY (p_ids)`;
  return `
CREATE FUNCTION read_${table}(p_tenant text, p_ids uuid[])
RETURNS TABLE (id uuid, version_id integer, last_updated timestamptz, deleted boolean, content text)
LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM set_config('app.tenant', p_tenant, true);
  RETURN QUERY SELECT r.id, r.version_id, r.last_updated, r.deleted, r.content::text
    FROM ${source};
END
$fn$;
GRANT EXECUTE ON FUNCTION read_${table}(text, uuid[]) TO ${appRole};`;
}
