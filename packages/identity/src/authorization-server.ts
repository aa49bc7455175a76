import { createHash, randomUUID } from 'node:crypto';
import type { Cache } from '@swiftacare/cache';
import { decodeJwt, type JSONWebKeySet } from 'jose';
import {
  clockToleranceSeconds,
  signAccessToken,
  TokenError,
  verifyAccessToken,
} from './access-tokens.js';
import { jwtBearerAssertionType, verifyClientAssertion } from './client-assertion.js';
import type { AppUser, IdentityStore, OAuthClient } from './identity-store.js';
import { fetchJwks, JwksFetchError } from './jwks-url.js';
import { OAuthError } from './oauth-error.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { isRole, roleScopes, type Role } from './roles.js';
import { formatScopes, intersectScopes, parseScopes, type Scope } from './scopes.js';
import type { RevocationEpoch } from './revocation-epoch.js';
import { revokedSessionKey, revokedTokenKey } from './revocation-keys.js';
import { newSecret, secretHash, secretMatches } from './secrets.js';
import type { SigningKeyRing } from './signing-key-ring.js';

/** Lifetimes, per the design: system tokens 5 minutes, user tokens 15, refresh tokens 30 days. */
export const tokenLifetimes = { systemSeconds: 300, userSeconds: 900, refreshDays: 30 } as const;

/** RFC 8693 token types this server takes. */
export const tokenExchange = {
  grantType: 'urn:ietf:params:oauth:grant-type:token-exchange',
  accessTokenType: 'urn:ietf:params:oauth:token-type:access_token',
  /** The subject named by an identifier its institution uses for it, `system|value`. */
  userIdentifierType: 'urn:swiftacare:params:oauth:token-type:user-identifier',
} as const;

/** The answer of the token and login endpoints (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
  issued_token_type?: string;
}

/** Where a token is being issued: the issuer and audience URLs of the tenant. */
export interface TokenSite {
  tenant: string;
  /** `…/t/{tenant}`: the `iss` of tokens. */
  issuer: string;
  /** `…/t/{tenant}/fhir/R4`: the `aud` of tokens. */
  audience: string;
  /** The token endpoint URL, which client assertions must name as `aud`. */
  tokenUrl: string;
}

/** Options of the authorization server. */
export interface AuthorizationServerOptions {
  /** Accept JWKS URLs on loopback (tests and local development only). */
  allowLoopbackJwks?: boolean;
  /** Moved on by every revocation, so this process's authenticator hears of it at once. */
  revocations?: RevocationEpoch;
}

let dummyHash: Promise<string> | undefined;

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

// System scopes act for the institution; exchanged for a user, the same permissions apply to
// what that user may see, so they are read in the user's contexts before the intersection.
function asUserScopes(scopes: readonly Scope[]): Scope[] {
  return scopes.flatMap((s) =>
    s.context === 'system'
      ? [
          { ...s, context: 'user' as const },
          { ...s, context: 'patient' as const },
        ]
      : [s],
  );
}

/**
 * The OAuth2 authorization server of every tenant: client credentials (secret or SMART
 * Backend Services assertion), token exchange, password login, rotating refresh tokens with
 * reuse detection, revocation and introspection. HTTP lives elsewhere; this is the policy.
 */
export class AuthorizationServer {
  constructor(
    private readonly store: IdentityStore,
    private readonly cache: Cache,
    private readonly keys: SigningKeyRing,
    private readonly options: AuthorizationServerOptions = {},
  ) {}

  /** The tenant's published signing keys. */
  jwks(tenant: string): Promise<JSONWebKeySet> {
    return this.keys.jwks(tenant);
  }

  /** Handles a token request (`application/x-www-form-urlencoded` body and Authorization header). */
  async token(
    site: TokenSite,
    form: URLSearchParams,
    authorization?: string,
  ): Promise<TokenResponse> {
    const grant = form.get('grant_type');
    switch (grant) {
      case 'client_credentials':
        return this.clientCredentials(site, form, authorization);
      case 'refresh_token':
        return this.refresh(site, form);
      case tokenExchange.grantType:
        return this.exchange(site, form, authorization);
      case null:
        throw new OAuthError('invalid_request', 'grant_type is missing');
      default:
        throw new OAuthError(
          'unsupported_grant_type',
          `grant_type ${grant} is not supported; use client_credentials, refresh_token or token exchange`,
        );
    }
  }

  /** Authenticates the client of a token request, by Basic secret or JWT assertion. */
  async authenticateClient(
    site: TokenSite,
    form: URLSearchParams,
    authorization?: string,
  ): Promise<OAuthClient> {
    let client: OAuthClient | undefined;
    if (authorization?.startsWith('Basic ')) {
      const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      let id = '';
      let secret = '';
      try {
        id = decodeURIComponent(decoded.slice(0, colon));
        secret = decodeURIComponent(decoded.slice(colon + 1));
      } catch {
        // Malformed percent-encoding (URIError): credentials that cannot be read are wrong.
        throw new OAuthError('invalid_client', 'Unknown client or wrong client secret');
      }
      client = colon > 0 ? await this.store.client(site.tenant, id) : undefined;
      if (!client?.secretHash || !secretMatches(secret, client.secretHash)) {
        throw new OAuthError('invalid_client', 'Unknown client or wrong client secret');
      }
    } else if (form.has('client_assertion') || form.has('client_assertion_type')) {
      if (form.get('client_assertion_type') !== jwtBearerAssertionType) {
        throw new OAuthError(
          'invalid_client',
          `client_assertion_type must be ${jwtBearerAssertionType}`,
        );
      }
      const assertion = form.get('client_assertion') ?? '';
      let issuer: unknown;
      try {
        issuer = decodeJwt(assertion).iss;
      } catch {
        throw new OAuthError('invalid_client', 'client_assertion is not a JWT');
      }
      client =
        typeof issuer === 'string' ? await this.store.client(site.tenant, issuer) : undefined;
      if (!client) {
        throw new OAuthError('invalid_client', 'The assertion names no client registered here');
      }
      const keys = await this.clientKeys(site.tenant, client);
      await verifyClientAssertion(assertion, {
        tokenUrl: site.tokenUrl,
        keys,
        expectedClientId: client.clientId,
        spendJti: (jti, expiresAt, clientId) =>
          this.cache.setIfAbsent(
            `jti:${site.tenant}:${clientId}:${jti}`,
            '1',
            Math.max(1, expiresAt - Math.floor(Date.now() / 1000) + 60),
          ),
      });
    } else {
      throw new OAuthError(
        'invalid_client',
        'Authenticate the client with client_secret_basic or a private_key_jwt client assertion',
      );
    }
    if (!client.active) {
      throw new OAuthError('invalid_client', 'This client is disabled');
    }
    return client;
  }

  private async clientKeys(tenant: string, client: OAuthClient): Promise<JSONWebKeySet> {
    if (client.jwks) {
      return client.jwks;
    }
    if (!client.jwksUrl) {
      throw new OAuthError('invalid_client', 'This client has no registered keys; use its secret');
    }
    const cacheKey = `jwks:${tenant}:${client.clientId}`;
    const cached = await this.cache.get(cacheKey);
    if (cached) {
      return JSON.parse(cached) as JSONWebKeySet;
    }
    try {
      const jwks = await fetchJwks(client.jwksUrl, {
        allowLoopback: this.options.allowLoopbackJwks ?? false,
      });
      await this.cache.set(cacheKey, JSON.stringify(jwks), 300);
      return jwks;
    } catch (err) {
      if (err instanceof JwksFetchError) {
        throw new OAuthError(
          'invalid_client',
          `The client's JWKS URL could not be used: ${err.message}`,
        );
      }
      throw err;
    }
  }

  private async clientCredentials(
    site: TokenSite,
    form: URLSearchParams,
    authorization?: string,
  ): Promise<TokenResponse> {
    const client = await this.authenticateClient(site, form, authorization);
    const registered = parseScopes(client.scope).scopes;
    const requested = form.get('scope');
    const granted =
      requested === null ? registered : intersectScopes(parseScopes(requested).scopes, registered);
    if (requested !== null && granted.length === 0) {
      throw new OAuthError(
        'invalid_scope',
        `None of the requested scopes is granted to ${client.clientId}`,
      );
    }
    return this.issue(site, {
      sub: client.clientId,
      role: 'system',
      scopes: granted,
      clientId: client.clientId,
      ttl: tokenLifetimes.systemSeconds,
    });
  }

  private async exchange(
    site: TokenSite,
    form: URLSearchParams,
    authorization?: string,
  ): Promise<TokenResponse> {
    const client = await this.authenticateClient(site, form, authorization);
    if (form.get('subject_token_type') !== tokenExchange.userIdentifierType) {
      throw new OAuthError(
        'invalid_request',
        `subject_token_type must be ${tokenExchange.userIdentifierType}, with subject_token = system|value of the user`,
      );
    }
    const identifier = form.get('subject_token') ?? '';
    const user = identifier.includes('|')
      ? await this.store.userByIdentifier(site.tenant, identifier)
      : undefined;
    if (!user?.active || !isRole(user.role)) {
      throw new OAuthError(
        'invalid_grant',
        'No active user of this institution has that identifier',
      );
    }
    const clientScopes = asUserScopes(parseScopes(client.scope).scopes);
    const granted = intersectScopes(clientScopes, roleScopes(user.role));
    if (granted.length === 0) {
      throw new OAuthError(
        'invalid_scope',
        'The client and this user have no permission in common',
      );
    }
    const response = await this.issue(site, {
      sub: user.id,
      role: user.role,
      scopes: granted,
      clientId: client.clientId,
      actor: client.clientId,
      ttl: tokenLifetimes.systemSeconds,
    });
    return { ...response, issued_token_type: tokenExchange.accessTokenType };
  }

  /**
   * Signs a user in with email and password. Callers throttle attempts before calling; a wrong
   * email and a wrong password look the same.
   */
  async login(site: TokenSite, email: string, password: string): Promise<TokenResponse> {
    const user = await this.store.userByEmail(site.tenant, email);
    // An unknown email costs the same hash as a wrong password, so timing reveals no accounts.
    dummyHash ??= hashPassword(newSecret());
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
    if (!user?.passwordHash || !ok || !user.active || !isRole(user.role)) {
      throw new OAuthError('invalid_grant', 'Wrong email or password');
    }
    return this.userTokens(site, user, randomUUID());
  }

  private async userTokens(
    site: TokenSite,
    user: AppUser,
    familyId: string,
  ): Promise<TokenResponse> {
    const role = user.role as Role;
    const response = await this.issue(site, {
      sub: user.id,
      role,
      scopes: roleScopes(role),
      session: familyId,
      ttl: tokenLifetimes.userSeconds,
    });
    const refresh = newSecret();
    await this.store.saveRefreshToken(site.tenant, {
      tokenHash: secretHash(refresh),
      familyId,
      userId: user.id,
      scope: response.scope,
      expiresAt: new Date(Date.now() + tokenLifetimes.refreshDays * 86_400_000).toISOString(),
    });
    return { ...response, refresh_token: refresh };
  }

  private async refresh(site: TokenSite, form: URLSearchParams): Promise<TokenResponse> {
    const presented = form.get('refresh_token') ?? '';
    const record = presented
      ? await this.store.spendRefreshToken(site.tenant, secretHash(presented))
      : undefined;
    if (!record || record.revokedAt || Date.parse(record.expiresAt) < Date.now()) {
      throw new OAuthError(
        'invalid_grant',
        'The refresh token is unknown, expired or revoked; sign in again',
      );
    }
    if (record.usedAt) {
      // A spent token presented again means two parties hold it: end the whole family.
      await this.endSession(site.tenant, record.familyId);
      throw new OAuthError(
        'invalid_grant',
        'The refresh token was already used; every token of this sign-in is now revoked',
      );
    }
    const user = await this.store.user(site.tenant, record.userId);
    if (!user?.active) {
      throw new OAuthError('invalid_grant', 'The user of this refresh token is no longer active');
    }
    return this.userTokens(site, user, record.familyId);
  }

  private async issue(
    site: TokenSite,
    grant: {
      sub: string;
      role: Role;
      scopes: Scope[];
      clientId?: string;
      actor?: string;
      session?: string;
      ttl: number;
    },
  ): Promise<TokenResponse> {
    const key = await this.keys.active(site.tenant);
    const scope = formatScopes(grant.scopes);
    const token = await signAccessToken(
      key.privateJwk,
      {
        iss: site.issuer,
        aud: site.audience,
        sub: grant.sub,
        tenant: site.tenant,
        role: grant.role,
        scope,
        ...(grant.clientId ? { client_id: grant.clientId } : {}),
        ...(grant.actor ? { act: { sub: grant.actor } } : {}),
        ...(grant.session ? { sid: grant.session } : {}),
      },
      grant.ttl,
    );
    return { access_token: token, token_type: 'Bearer', expires_in: grant.ttl, scope };
  }

  /**
   * Revokes a refresh token (and its family) or an access token (its id, until it expires).
   * Unknown tokens are ignored, as RFC 7009 asks, so revocation leaks nothing.
   */
  async revoke(site: TokenSite, token: string): Promise<void> {
    if (token.split('.').length === 3) {
      try {
        const claims = await verifyAccessToken(token, {
          jwks: await this.keys.jwks(site.tenant),
          issuer: site.issuer,
          audience: site.audience,
        });
        await this.cache.set(
          revokedTokenKey(site.tenant, claims.jti),
          '1',
          Math.max(1, claims.exp - Math.floor(Date.now() / 1000) + 60),
        );
        await this.cache.delete(`token:${hashOf(token)}`);
        this.options.revocations?.advance();
      } catch (err) {
        if (!(err instanceof TokenError)) {
          throw err;
        }
      }
      return;
    }
    const record = await this.store.spendRefreshToken(site.tenant, secretHash(token));
    if (record) {
      await this.endSession(site.tenant, record.familyId);
    }
  }

  /** Ends a sign-in: its refresh tokens in the store, its access tokens in the cache. */
  private async endSession(tenant: string, familyId: string): Promise<void> {
    await this.store.revokeRefreshFamily(tenant, familyId);
    await this.cache.set(
      revokedSessionKey(tenant, familyId),
      '1',
      tokenLifetimes.userSeconds + clockToleranceSeconds,
    );
    this.options.revocations?.advance();
  }
}

export { hashOf as tokenCacheKey };
