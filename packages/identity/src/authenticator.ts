import type { Cache } from '@swiftacare/cache';
import { decodeJwt } from 'jose';
import { TokenError, verifyAccessToken } from './access-tokens.js';
import { tokenCacheKey } from './authorization-server.js';
import type { IdentityStore } from './identity-store.js';
import type { Principal } from './principal.js';
import { RevocationEpoch } from './revocation-epoch.js';
import { revokedSessionKey, revokedTokenKey } from './revocation-keys.js';
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
// Parsed principals and token keys kept in memory, each keyed by a text it is a pure function
// of (the cached principal's text, which changes when the facts do; the token itself).
const memoKept = 10_000;

/** Options of an {@link Authenticator}. */
export interface AuthenticatorOptions {
  /**
   * How long, in milliseconds, this process reuses what the shared cache said of a token (its
   * principal, and whether it or its sign-in was revoked) before asking again; default 1,000,
   * 0 to ask on every request. A revocation made through this process is seen at once (see
   * `revocations`); one made through another process within this time.
   */
  reuseMs?: number;
  /** The epoch this process's authorization server moves on at each revocation. */
  revocations?: RevocationEpoch;
}

/** What this process has worked out about one token at one tenant's URL. */
interface TokenEntry {
  /** Where the token's principal is cached. */
  cacheKey: string;
  /** The token's own, unverified `jti` and `sid`. */
  peeked: { jti?: string; sid?: string };
  /** The keys asked for at once: the principal, then the revocations the token names. */
  lookups: string[];
  /** The cache's last answer for `lookups`, reusable until `until` while `epoch` holds. */
  kept?: { found: (string | undefined)[]; until: number; epoch: number };
}

/** Adds to a bounded memo, forgetting the oldest entry (Map keeps insertion order) when full. */
function remember<V>(memo: Map<string, V>, key: string, value: V): void {
  if (memo.size >= memoKept) {
    const oldest = memo.keys().next();
    if (!oldest.done) {
      memo.delete(oldest.value);
    }
  }
  memo.set(key, value);
}

/** The `jti` and `sid` a compact JWT claims, unverified; empty when it has none or is garbage. */
function peekIds(token: string): { jti?: string; sid?: string } {
  try {
    const { jti, sid } = decodeJwt(token);
    return {
      ...(typeof jti === 'string' && jti ? { jti } : {}),
      ...(typeof sid === 'string' && sid ? { sid } : {}),
    };
  } catch {
    return {};
  }
}

/**
 * Turns a bearer token into a principal. A token is verified (signature, issuer, audience,
 * expiry, tenant, user still active) and the result cached for up to a minute, so the warm
 * path is one cache round trip for the token, its revocation and its session's; none touches
 * PostgreSQL.
 */
export class Authenticator {
  private readonly parsedPrincipals = new Map<string, Principal>();
  private readonly tokens = new Map<string, TokenEntry>();
  private readonly reuseMs: number;
  private readonly revocations: RevocationEpoch;

  constructor(
    private readonly store: IdentityStore,
    private readonly cache: Cache,
    private readonly keys: SigningKeyRing,
    options: AuthenticatorOptions = {},
  ) {
    const reuseMs = options.reuseMs ?? 1_000;
    if (!Number.isFinite(reuseMs) || reuseMs < 0) {
      throw new RangeError(`reuseMs must be a number of milliseconds from 0, got ${reuseMs}`);
    }
    this.reuseMs = reuseMs;
    this.revocations = options.revocations ?? new RevocationEpoch();
  }

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
    // The scheme is case-insensitive (RFC 9110, section 11.1); the token is not.
    const match = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization);
    if (!match?.[1]) {
      throw new AuthenticationError(
        'The Authorization header must be "Bearer <token>"',
        'invalid_request',
      );
    }
    const token = match[1];
    const now = Math.floor(Date.now() / 1000);

    // The token's own (unverified) id and session name its revocation keys, so the principal
    // and both revocations are asked for at once: one round trip to a shared cache, not three.
    // Nothing else is taken from the unverified payload; a forged one only looks up keys.
    const entry = this.entryOf(site.tenant, token);
    const { cacheKey, peeked } = entry;
    const found = await this.lookUp(entry);
    const cached = found[0];
    const tokenRevoked = peeked.jti ? found[1] : undefined;
    const sessionEnded = peeked.sid ? found[found.length - 1] : undefined;

    let principal: Principal;
    if (cached) {
      principal = this.parsed(cached);
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
    // The verified ids must be the ones looked up; they always are for an unaltered token.
    if (principal.tokenId !== peeked.jti || principal.session !== peeked.sid) {
      throw new AuthenticationError('The access token is not valid here (malformed)');
    }
    if (tokenRevoked) {
      throw new AuthenticationError('The access token was revoked');
    }
    if (sessionEnded) {
      throw new AuthenticationError('The sign-in this token belongs to has ended; sign in again');
    }
    return principal;
  }

  /**
   * The cache's answers for a token's keys, reused for `reuseMs` once the token's principal is
   * cached: a client sends the same token many times a second, and asking the shared cache
   * each time costs a network round trip per request.
   * Limitation: a token revoked through another gateway process is still accepted by this one
   * for up to `reuseMs` (one second by default); through this process, at once.
   */
  private async lookUp(entry: TokenEntry): Promise<(string | undefined)[]> {
    const now = Date.now();
    const epoch = this.revocations.current;
    const { kept } = entry;
    if (kept && kept.until > now && kept.epoch === epoch) {
      return kept.found;
    }
    const found = await this.cache.getMany(entry.lookups);
    // Only a token whose principal is cached: a first use is verified, then cached, and its
    // next request must see that.
    entry.kept =
      this.reuseMs > 0 && found[0] !== undefined
        ? { found, until: now + this.reuseMs, epoch }
        : undefined;
    return found;
  }

  /**
   * The cache key (a hash), unverified ids and lookup keys of a token at a tenant's URL, worked
   * out once: a client sends the same token for minutes, and hashing and decoding it on each
   * request add up. Keyed by tenant too, since the revocation keys are the tenant's.
   */
  private entryOf(tenant: string, token: string): TokenEntry {
    // A space never occurs in a tenant id or a token.
    const key = `${tenant} ${token}`;
    let entry = this.tokens.get(key);
    if (!entry) {
      const cacheKey = `token:${tokenCacheKey(token)}`;
      const peeked = peekIds(token);
      const lookups = [cacheKey];
      if (peeked.jti) {
        lookups.push(revokedTokenKey(tenant, peeked.jti));
      }
      if (peeked.sid) {
        lookups.push(revokedSessionKey(tenant, peeked.sid));
      }
      entry = { cacheKey, peeked, lookups };
      remember(this.tokens, key, entry);
    }
    return entry;
  }

  /**
   * A cached principal, parsed once per distinct cached text: every request with the same
   * token reads the same text, and parsing scopes on each would cost more than the lookup.
   */
  private parsed(cached: string): Principal {
    const known = this.parsedPrincipals.get(cached);
    if (known) {
      return known;
    }
    const { scope, ...rest } = JSON.parse(cached) as Omit<Principal, 'scopes'> & {
      scope: string;
    };
    // Shared by every request with this token, so nobody may change it.
    const principal: Principal = Object.freeze({
      ...rest,
      scopes: Object.freeze(parseScopes(scope).scopes) as Principal['scopes'],
    });
    remember(this.parsedPrincipals, cached, principal);
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
      ...(claims.sid ? { session: claims.sid } : {}),
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
