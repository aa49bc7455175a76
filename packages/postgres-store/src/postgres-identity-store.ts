import type {
  AppUser,
  IdentityStore,
  OAuthClient,
  RefreshTokenRecord,
  StoredSigningKey,
} from '@swiftacare/identity';
import { FhirError } from '@swiftacare/fhir';
import type { JWK } from 'jose';
import type { Pool } from 'pg';
import { inTenant } from './tenant-scope.js';

interface ClientRow {
  client_id: string;
  name: string;
  secret_hash: string | null;
  jwks: { keys: JWK[] } | null;
  jwks_url: string | null;
  scope: string;
  active: boolean;
}

interface UserRow {
  id: string;
  email: string;
  password_hash: string | null;
  role: string;
  fhir_user: string | null;
  identifiers: string[];
  active: boolean;
}

interface RefreshRow {
  token_hash: string;
  family_id: string;
  user_id: string;
  client_id: string | null;
  scope: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

function toClient(r: ClientRow): OAuthClient {
  return {
    clientId: r.client_id,
    name: r.name,
    scope: r.scope,
    active: r.active,
    ...(r.secret_hash ? { secretHash: r.secret_hash } : {}),
    ...(r.jwks ? { jwks: r.jwks } : {}),
    ...(r.jwks_url ? { jwksUrl: r.jwks_url } : {}),
  };
}

function toUser(r: UserRow): AppUser {
  return {
    id: r.id,
    email: r.email,
    role: r.role,
    identifiers: r.identifiers,
    active: r.active,
    ...(r.password_hash ? { passwordHash: r.password_hash } : {}),
    ...(r.fhir_user ? { fhirUser: r.fhir_user } : {}),
  };
}

function toRefresh(r: RefreshRow): RefreshTokenRecord {
  return {
    tokenHash: r.token_hash,
    familyId: r.family_id,
    userId: r.user_id,
    scope: r.scope,
    expiresAt: r.expires_at.toISOString(),
    ...(r.client_id ? { clientId: r.client_id } : {}),
    ...(r.used_at ? { usedAt: r.used_at.toISOString() } : {}),
    ...(r.revoked_at ? { revokedAt: r.revoked_at.toISOString() } : {}),
  };
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '23505';
}

const userColumns = 'id, email, password_hash, role, fhir_user, identifiers, active';

/** Signing keys, clients, users and refresh tokens in PostgreSQL, under row-level security. */
export class PostgresIdentityStore implements IdentityStore {
  constructor(private readonly pool: Pool) {}

  signingKeys(tenant: string): Promise<StoredSigningKey[]> {
    return inTenant(this.pool, tenant, async (c) => {
      const { rows } = await c.query<{
        kid: string;
        private_jwk: JWK;
        public_jwk: JWK;
        created_at: Date;
        retired_at: Date | null;
      }>(
        'SELECT kid, private_jwk, public_jwk, created_at, retired_at FROM signing_key WHERE tenant = $1 ORDER BY created_at',
        [tenant],
      );
      return rows.map((r) => ({
        kid: r.kid,
        privateJwk: r.private_jwk,
        publicJwk: r.public_jwk,
        createdAt: r.created_at.toISOString(),
        ...(r.retired_at ? { retiredAt: r.retired_at.toISOString() } : {}),
      }));
    });
  }

  async addSigningKey(tenant: string, key: Omit<StoredSigningKey, 'createdAt'>): Promise<void> {
    await inTenant(this.pool, tenant, (c) =>
      c.query(
        'INSERT INTO signing_key (tenant, kid, private_jwk, public_jwk) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
        [tenant, key.kid, JSON.stringify(key.privateJwk), JSON.stringify(key.publicJwk)],
      ),
    );
  }

  async retireSigningKey(tenant: string, kid: string): Promise<void> {
    await inTenant(this.pool, tenant, (c) =>
      c.query(
        'UPDATE signing_key SET retired_at = now() WHERE tenant = $1 AND kid = $2 AND retired_at IS NULL',
        [tenant, kid],
      ),
    );
  }

  client(tenant: string, clientId: string): Promise<OAuthClient | undefined> {
    return inTenant(this.pool, tenant, async (c) => {
      const { rows } = await c.query<ClientRow>(
        'SELECT client_id, name, secret_hash, jwks, jwks_url, scope, active FROM oauth_client WHERE tenant = $1 AND client_id = $2',
        [tenant, clientId],
      );
      return rows[0] ? toClient(rows[0]) : undefined;
    });
  }

  clients(tenant: string): Promise<OAuthClient[]> {
    return inTenant(this.pool, tenant, async (c) => {
      const { rows } = await c.query<ClientRow>(
        'SELECT client_id, name, secret_hash, jwks, jwks_url, scope, active FROM oauth_client WHERE tenant = $1 ORDER BY client_id',
        [tenant],
      );
      return rows.map(toClient);
    });
  }

  async createClient(tenant: string, client: OAuthClient): Promise<void> {
    try {
      await inTenant(this.pool, tenant, (c) =>
        c.query(
          'INSERT INTO oauth_client (tenant, client_id, name, secret_hash, jwks, jwks_url, scope, active) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
          [
            tenant,
            client.clientId,
            client.name,
            client.secretHash ?? null,
            client.jwks ? JSON.stringify(client.jwks) : null,
            client.jwksUrl ?? null,
            client.scope,
            client.active,
          ],
        ),
      );
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new FhirError('conflict', `Client "${client.clientId}" already exists`);
      }
      throw err;
    }
  }

  private oneUser(tenant: string, where: string, value: string): Promise<AppUser | undefined> {
    return inTenant(this.pool, tenant, async (c) => {
      const { rows } = await c.query<UserRow>(
        `SELECT ${userColumns} FROM app_user WHERE tenant = $1 AND ${where}`,
        [tenant, value],
      );
      return rows[0] ? toUser(rows[0]) : undefined;
    });
  }

  user(tenant: string, id: string): Promise<AppUser | undefined> {
    return /^[0-9a-f-]{36}$/i.test(id)
      ? this.oneUser(tenant, 'id = $2', id)
      : Promise.resolve(undefined);
  }

  userByEmail(tenant: string, email: string): Promise<AppUser | undefined> {
    return this.oneUser(tenant, 'email = lower($2)', email);
  }

  userByIdentifier(tenant: string, identifier: string): Promise<AppUser | undefined> {
    return this.oneUser(tenant, 'identifiers @> ARRAY[$2::text]', identifier);
  }

  users(tenant: string): Promise<AppUser[]> {
    return inTenant(this.pool, tenant, async (c) => {
      const { rows } = await c.query<UserRow>(
        `SELECT ${userColumns} FROM app_user WHERE tenant = $1 ORDER BY email`,
        [tenant],
      );
      return rows.map(toUser);
    });
  }

  async createUser(tenant: string, user: AppUser): Promise<void> {
    try {
      await inTenant(this.pool, tenant, (c) =>
        c.query(
          'INSERT INTO app_user (tenant, id, email, password_hash, role, fhir_user, identifiers, active) VALUES ($1, $2, lower($3), $4, $5, $6, $7, $8)',
          [
            tenant,
            user.id,
            user.email,
            user.passwordHash ?? null,
            user.role,
            user.fhirUser ?? null,
            user.identifiers,
            user.active,
          ],
        ),
      );
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new FhirError('conflict', `A user with the email ${user.email} already exists`);
      }
      throw err;
    }
  }

  async saveRefreshToken(tenant: string, token: RefreshTokenRecord): Promise<void> {
    await inTenant(this.pool, tenant, (c) =>
      c.query(
        'INSERT INTO refresh_token (tenant, token_hash, family_id, user_id, client_id, scope, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [
          tenant,
          token.tokenHash,
          token.familyId,
          token.userId,
          token.clientId ?? null,
          token.scope,
          token.expiresAt,
        ],
      ),
    );
  }

  spendRefreshToken(tenant: string, tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    return inTenant(this.pool, tenant, async (c) => {
      // The row lock makes two concurrent uses of one token see each other: one spends it,
      // the other sees it spent and is treated as reuse.
      const { rows } = await c.query<RefreshRow>(
        'SELECT token_hash, family_id, user_id, client_id, scope, expires_at, used_at, revoked_at FROM refresh_token WHERE tenant = $1 AND token_hash = $2 FOR UPDATE',
        [tenant, tokenHash],
      );
      const row = rows[0];
      if (!row) {
        return undefined;
      }
      if (!row.used_at) {
        await c.query(
          'UPDATE refresh_token SET used_at = now() WHERE tenant = $1 AND token_hash = $2',
          [tenant, tokenHash],
        );
      }
      return toRefresh(row);
    });
  }

  async revokeRefreshFamily(tenant: string, familyId: string): Promise<void> {
    await inTenant(this.pool, tenant, (c) =>
      c.query(
        'UPDATE refresh_token SET revoked_at = now() WHERE tenant = $1 AND family_id = $2 AND revoked_at IS NULL',
        [tenant, familyId],
      ),
    );
  }
}
