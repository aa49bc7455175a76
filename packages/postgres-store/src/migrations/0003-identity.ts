import { tenantPolicyDdl } from '../resource-table-ddl.js';

/**
 * Identity: per-tenant signing keys, OAuth clients, users, and refresh tokens (stored as
 * hashes only). All tenant-scoped under row-level security like everything else.
 */
export const identity = {
  version: 3,
  name: 'identity',
  sql: () => `
CREATE TABLE signing_key (
  tenant text NOT NULL,
  kid text NOT NULL,
  private_jwk json NOT NULL,
  public_jwk json NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz,
  PRIMARY KEY (tenant, kid)
);
${tenantPolicyDdl('signing_key')}

CREATE TABLE oauth_client (
  tenant text NOT NULL,
  client_id text NOT NULL,
  name text NOT NULL,
  secret_hash text,
  jwks json,
  jwks_url text,
  scope text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, client_id)
);
${tenantPolicyDdl('oauth_client')}

CREATE TABLE app_user (
  tenant text NOT NULL,
  id uuid NOT NULL,
  email text NOT NULL,
  password_hash text,
  role text NOT NULL,
  fhir_user text,
  identifiers text[] NOT NULL DEFAULT '{}',
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, id),
  UNIQUE (tenant, email)
);
CREATE INDEX ON app_user USING gin (identifiers);
${tenantPolicyDdl('app_user')}

CREATE TABLE refresh_token (
  tenant text NOT NULL,
  token_hash text NOT NULL,
  family_id uuid NOT NULL,
  user_id uuid NOT NULL,
  client_id text,
  scope text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked_at timestamptz,
  PRIMARY KEY (tenant, token_hash)
);
CREATE INDEX ON refresh_token (tenant, family_id);
${tenantPolicyDdl('refresh_token')}
`,
};
