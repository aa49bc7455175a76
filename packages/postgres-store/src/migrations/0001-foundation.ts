import { servedTypes } from '@swiftacare/fhir';
import { readFunctionDdl, resourceTableDdl, tenantPolicyDdl } from '../resource-table-ddl.js';
import { appRole } from '../tables.js';

/** Tenants, idempotency keys, and a table per served resource type. */
export const foundation = {
  version: 1,
  name: 'foundation',
  sql: () => `
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${appRole}') THEN
    CREATE ROLE ${appRole} NOLOGIN;
  END IF;
END $$;
GRANT ${appRole} TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO ${appRole};

CREATE TABLE tenant (
  id text PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON tenant TO ${appRole};

CREATE TABLE idempotency_key (
  tenant text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  status integer NOT NULL,
  location text,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, key)
);
${tenantPolicyDdl('idempotency_key')}
${servedTypes.map((t) => resourceTableDdl(t.type) + readFunctionDdl(t.type)).join('\n')}
`,
};
