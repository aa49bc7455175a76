import type { Cache } from '@swiftacare/cache';
import { TokenError, verifyAccessToken } from './access-tokens.js';
import { tokenCacheKey } from './authorization-server.js';
import type { IdentityStore } from './identity-store.js';
import type { Principal } from './principal.js';
import { formatScopes, parseScopes } from './scopes.js';
import type { SigningKeyRing } from './signing-key-ring.js';

/** Why a request is not authenticated; always answered 401. */
export class AuthenticationError extends Error {
  constructor(
    message: string,
    /** RFC 6750 error code for the WWW-Authenticate header. */
    readonly code: 'invalid_request' | 'invalid_token' = 'invalid_token',
  ) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

// A user's FHIR identity and active flag change rarely; re-read them this often.
const principalSeconds = 60;

/**
 * Turns a bearer token into a principal. A token is verified (signature, issuer, audience,
 * expiry, tenant, user still active) and the result cached for up to a minute, so the warm
 * path is one cache read for the token and one for its revocation; neither touches PostgreSQL.
 */
export class Authenticator {
  constructor(
    private readonly store: IdentityStore,
    private readonly cache: Cache,
    private readonly keys: SigningKeyRing,
  ) {}

  /** The principal of an `Authorization` header, or an AuthenticationError. */
  async authenticate(
    site: { tenant: string; issuer: string; audience: string },
    authorization: string | undefined,
  ): Promise<Principal> {
    if (!authorization) {
      throw new AuthenticationError(
        'Send an access token: Authorization: Bearer <token>',
        'invalid_request',
      );
    }
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization);
    if (!match?.[1]) {
      throw new AuthenticationError(
        'The Authorization header must be "Bearer <token>"',
        'invalid_request',
      );
    }
    const token = match[1];
    const cacheKey = `token:${tokenCacheKey(token)}`;
    const now = Math.floor(Date.now() / 1000);

    let principal: Principal | undefined;
    const cached = await this.cache.get(cacheKey);
    if (cached) {
      const { scope, ...rest } = JSON.parse(cached) as Omit<Principal, 'scopes'> & {
        scope: string;
      };
      principal = { ...rest, scopes: parseScopes(scope).scopes };
      if (principal.tenant !== site.tenant) {
        throw new AuthenticationError('This token belongs to another institution');
      }
    } else {
      principal = await this.verify(site, token);
      // Scopes hold sets, which JSON cannot; they are cached as their canonical text.
      const { scopes, ...rest } = principal;
      // Kept no longer than the user's facts are, so a deactivated user is refused within
      // minutes rather than only once the token expires.
      await this.cache.set(
        cacheKey,
        JSON.stringify({ ...rest, scope: formatScopes(scopes) }),
        Math.max(1, Math.min(principalSeconds, principal.expiresAt - now)),
      );
    }
    if (principal.expiresAt <= now) {
      throw new AuthenticationError('The access token has expired; get a new one');
    }
    if (await this.cache.get(`revoked:${site.tenant}:${principal.tokenId}`)) {
      throw new AuthenticationError('The access token was revoked');
    }
    return principal;
  }

  private async verify(
    site: { tenant: string; issuer: string; audience: string },
    token: string,
  ): Promise<Principal> {
    let claims;
    try {
      claims = await verifyAccessToken(token, {
        jwks: await this.keys.jwks(site.tenant),
        issuer: site.issuer,
        audience: site.audience,
      });
    } catch (err) {
      if (err instanceof TokenError) {
        throw new AuthenticationError(
          err.reason === 'expired'
            ? 'The access token has expired; get a new one'
            : `The access token is not valid here (${err.reason})`,
        );
      }
      throw err;
    }
    if (claims.tenant !== site.tenant) {
      throw new AuthenticationError('This token belongs to another institution');
    }
    const principal: Principal = {
      tenant: claims.tenant,
      subject: claims.sub,
      role: claims.role,
      scopes: parseScopes(claims.scope).scopes,
      tokenId: claims.jti,
      expiresAt: claims.exp,
      ...(claims.client_id ? { clientId: claims.client_id } : {}),
      ...(claims.act ? { actor: claims.act.sub } : {}),
    };
    if (claims.role !== 'system') {
      const user = await this.userFacts(site.tenant, claims.sub);
      if (!user.active) {
        throw new AuthenticationError('This user is no longer active');
      }
      if (user.fhirUser) {
        principal.fhirUser = user.fhirUser;
      }
    }
    return principal;
  }

  private async userFacts(
    tenant: string,
    id: string,
  ): Promise<{ active: boolean; fhirUser?: string }> {
    const key = `principal:${tenant}:${id}`;
    const cached = await this.cache.get(key);
    if (cached) {
      return JSON.parse(cached) as { active: boolean; fhirUser?: string };
    }
    const user = await this.store.user(tenant, id);
    const facts = {
      active: user?.active ?? false,
      ...(user?.fhirUser ? { fhirUser: user.fhirUser } : {}),
    };
    await this.cache.set(key, JSON.stringify(facts), principalSeconds);
    return facts;
  }
}
