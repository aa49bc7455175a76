import { tenantPolicyDdl } from '../resource-table-ddl.js';
import { appRole } from '../tables.js';

/**
 * The audit trail: `audit_event` holds each tenant's hash chain, `audit_head` its last seq and
 * hash (the row appenders lock, so concurrent appends take turns). The app role may only read
 * and insert events; a trigger refuses UPDATE and DELETE of events to everyone, the owner
 * included. TRUNCATE stays possible for an operator (it fires no row or UPDATE/DELETE trigger),
 * and what it removes then shows: the heads remain, so verify reports the records missing.
 */
export const audit = {
  version: 2,
  name: 'audit',
  sql: () => `
CREATE TABLE audit_event (
  tenant text NOT NULL,
  seq bigint NOT NULL,
  recorded timestamptz NOT NULL,
  record json NOT NULL,
  previous_hash text NOT NULL,
  hash text NOT NULL,
  PRIMARY KEY (tenant, seq)
);
CREATE INDEX audit_event_patient ON audit_event (tenant, (record->'what'->>'patient'), seq);
CREATE INDEX audit_event_user ON audit_event (tenant, (record->'who'->>'user'), seq);
CREATE INDEX audit_event_resource
  ON audit_event (tenant, (record->'what'->>'type'), (record->'what'->>'id'), seq);
${tenantPolicyDdl('audit_event')}
REVOKE UPDATE, DELETE ON audit_event FROM ${appRole};

CREATE TABLE audit_head (
  tenant text PRIMARY KEY,
  seq bigint NOT NULL,
  hash text NOT NULL
);
${tenantPolicyDdl('audit_head')}
REVOKE DELETE ON audit_head FROM ${appRole};

CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
    USING HINT = 'Audit records are never changed or removed.';
END
$fn$;
-- Per statement, so it refuses even a statement that matches no row it can see.
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
`,
};
