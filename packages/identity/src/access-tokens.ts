import { randomUUID } from 'node:crypto';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  errors,
  importJWK,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  type LocalJWKSet,
} from 'jose';
import { isRole, type Role } from './roles.js';
import { accessTokenAlgorithm, publicJwk } from './signing-keys.js';

/**
 * Leeway for `exp` and `nbf` between our hosts' clocks. Small on purpose: every second of
 * tolerance is a second an expired token still works.
 */
export const clockToleranceSeconds = 30;

/** Longest lifetime `signAccessToken` accepts; longer sessions use refresh tokens instead. */
export const maxAccessTokenTtlSeconds = 24 * 60 * 60;

// RFC 9068 §2.1: the media type of a JWT access token. Checked at verification so an ID token
// or a client assertion signed by the same issuer cannot be replayed as an access token.
const accessTokenType = 'at+jwt';

/** Why a token was refused. Stable codes, for logs and metrics; not shown to end users. */
export type TokenErrorReason =
  | 'expired'
  | 'not-yet-valid'
  | 'bad-signature'
  | 'unknown-kid'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'wrong-type'
  | 'malformed'
  | 'bad-algorithm';

/** A refused access token. Every refusal is a 401 at the HTTP boundary, whatever the reason. */
export class TokenError extends Error {
  readonly reason: TokenErrorReason;

  constructor(reason: TokenErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenError';
    this.reason = reason;
  }
}

/** What an access token says about its bearer. */
export interface AccessTokenClaims {
  /** The tenant's issuer URL. */
  iss: string;
  /** The FHIR base URL the token is for. */
  aud: string;
  /** The user (or, for backend services, the client) the token acts for. */
  sub: string;
  tenant: string;
  role: Role;
  /** Granted scopes, canonical v2 text (see `formatScopes`). */
  scope: string;
  client_id?: string;
  /** RFC 8693 actor: who is acting on `sub`'s behalf (token exchange, impersonation). */
  act?: { sub: string };
  /** Token id; random when not given. */
  jti?: string;
  /**
   * The sign-in session (refresh-token family) a user token was issued under, so ending the
   * session ends its access tokens too, not only its refresh tokens.
   */
  sid?: string;
}

/** The claims of a verified token, with the registered claims the issuer always sets. */
export interface VerifiedAccessToken extends AccessTokenClaims {
  jti: string;
  iat: number;
  exp: number;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/**
 * Signs an access token (RFC 9068 profile) with a tenant's private signing key, valid for
 * `ttlSeconds` from now. Only the listed claims are written, so nothing else in `claims` (an
 * `exp` smuggled in an object spread, say) can reach the token.
 */
export async function signAccessToken(
  privateJwk: JWK,
  claims: AccessTokenClaims,
  ttlSeconds: number,
): Promise<string> {
  const { kid } = privateJwk;
  if (!nonEmpty(kid)) throw new TypeError('the signing key has no kid');
  if (privateJwk.kty !== 'EC' || privateJwk.crv !== 'P-384' || !nonEmpty(privateJwk.d)) {
    throw new TypeError('the signing key must be a private EC P-384 JWK');
  }
  if (privateJwk.alg !== undefined && privateJwk.alg !== accessTokenAlgorithm) {
    throw new TypeError(`the signing key is for ${privateJwk.alg}, not ${accessTokenAlgorithm}`);
  }
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > maxAccessTokenTtlSeconds) {
    throw new RangeError(`ttlSeconds must be an integer in 1..${maxAccessTokenTtlSeconds}`);
  }
  for (const name of ['iss', 'aud', 'sub', 'tenant'] as const) {
    if (!nonEmpty(claims[name])) throw new TypeError(`claim ${name} must be a non-empty string`);
  }
  if (!isRole(claims.role)) throw new TypeError(`unknown role ${String(claims.role)}`);

  const payload: JWTPayload = { tenant: claims.tenant, role: claims.role, scope: claims.scope };
  if (claims.client_id !== undefined) payload.client_id = claims.client_id;
  if (claims.act !== undefined) payload.act = { sub: claims.act.sub };
  if (claims.sid !== undefined) payload.sid = claims.sid;

  const now = Math.floor(Date.now() / 1000);
  const key = await importJWK(privateJwk, accessTokenAlgorithm);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: accessTokenAlgorithm, kid, typ: accessTokenType })
    .setIssuer(claims.iss)
    .setAudience(claims.aud)
    .setSubject(claims.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .setJti(claims.jti ?? randomUUID())
    .sign(key);
}

/** How to verify: the tenant's published keys, its issuer URL and our FHIR base URL. */
export interface VerifyAccessTokenOptions {
  /** The issuer's public keys. Treat as immutable: on rotation, pass a new object. */
  jwks: JSONWebKeySet;
  issuer: string;
  audience: string;
  /** The current time; for tests. */
  now?: Date;
}

interface PreparedKeys {
  kids: Map<string, number>;
  keySet: LocalJWKSet;
}

// Imported keys are cached per JWKS object, since verification runs on every request.
const prepared = new WeakMap<JSONWebKeySet, PreparedKeys>();

function prepare(jwks: JSONWebKeySet): PreparedKeys {
  let entry = prepared.get(jwks);
  if (!entry) {
    // Only public halves of P-384 keys take part, whatever else the set holds.
    const usable = jwks.keys
      .filter((k) => k.kty === 'EC' && k.crv === 'P-384' && nonEmpty(k.kid))
      .map(publicJwk);
    const kids = new Map<string, number>();
    for (const key of usable) {
      const kid = key.kid ?? '';
      kids.set(kid, (kids.get(kid) ?? 0) + 1);
    }
    entry = { kids, keySet: createLocalJWKSet({ keys: usable }) };
    prepared.set(jwks, entry);
  }
  return entry;
}

function refusal(error: unknown): TokenError {
  if (error instanceof TokenError) return error;
  const options = { cause: error };
  if (error instanceof errors.JWTExpired) {
    return new TokenError('expired', 'the access token has expired', options);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
        return new TokenError('wrong-issuer', 'the access token is from another issuer', options);
      case 'aud':
        return new TokenError(
          'wrong-audience',
          'the access token is for another audience',
          options,
        );
      case 'nbf':
        return new TokenError('not-yet-valid', 'the access token is not valid yet', options);
      case 'typ':
        return new TokenError('wrong-type', `the token's typ is not ${accessTokenType}`, options);
      default:
        return new TokenError('malformed', `the access token's ${error.claim} is invalid`, options);
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenError('bad-signature', 'the access token signature does not verify', options);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new TokenError(
      'bad-algorithm',
      `access tokens must be ${accessTokenAlgorithm}`,
      options,
    );
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new TokenError('unknown-kid', 'no key matches the access token kid', options);
  }
  return new TokenError('malformed', 'the access token is not a valid JWT', options);
}

/**
 * Verifies an access token and returns its claims, or throws a `TokenError`. Only ES384 with
 * `typ: at+jwt` and a `kid` naming one of `jwks` is accepted. The algorithm is checked against
 * our constant before any key is touched, so `alg: none` and an HS256 token "signed" with the
 * public key as an HMAC secret are refused outright, never verified.
 */
export async function verifyAccessToken(
  token: string,
  options: VerifyAccessTokenOptions,
): Promise<VerifiedAccessToken> {
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch (error) {
    throw new TokenError('malformed', 'the access token is not a compact JWS', { cause: error });
  }
  if (header.alg !== accessTokenAlgorithm) {
    throw new TokenError('bad-algorithm', `access tokens must be ${accessTokenAlgorithm}`);
  }
  const { kid } = header;
  const keys = prepare(options.jwks);
  if (!nonEmpty(kid) || keys.kids.get(kid) !== 1) {
    // Missing, unknown or ambiguous: in each case we cannot say which key vouches for it.
    throw new TokenError('unknown-kid', 'the access token kid names no current signing key');
  }

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys.keySet, {
      algorithms: [accessTokenAlgorithm],
      typ: accessTokenType,
      issuer: options.issuer,
      audience: options.audience,
      clockTolerance: clockToleranceSeconds,
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
      ...(options.now ? { currentDate: options.now } : {}),
    }));
  } catch (error) {
    throw refusal(error);
  }
  return claimsOf(payload);
}

// The signature proves who wrote the claims, not that they have the shape we rely on.
function claimsOf(payload: JWTPayload): VerifiedAccessToken {
  const { iss, aud, sub, tenant, role, scope, client_id, act, sid, jti, iat, exp } = payload;
  const malformed = (claim: string) =>
    new TokenError('malformed', `the access token's ${claim} claim is missing or invalid`);
  if (!nonEmpty(iss)) throw malformed('iss');
  if (!nonEmpty(aud)) throw malformed('aud');
  if (!nonEmpty(sub)) throw malformed('sub');
  if (!nonEmpty(tenant)) throw malformed('tenant');
  if (!isRole(role)) throw malformed('role');
  if (typeof scope !== 'string') throw malformed('scope');
  if (!nonEmpty(jti)) throw malformed('jti');
  if (typeof iat !== 'number' || typeof exp !== 'number') throw malformed('iat/exp');
  const claims: VerifiedAccessToken = { iss, aud, sub, tenant, role, scope, jti, iat, exp };
  if (client_id !== undefined) {
    if (!nonEmpty(client_id)) throw malformed('client_id');
    claims.client_id = client_id;
  }
  if (act !== undefined) {
    const actor: unknown = typeof act === 'object' && act !== null ? Reflect.get(act, 'sub') : null;
    if (!nonEmpty(actor)) throw malformed('act');
    claims.act = { sub: actor };
  }
  if (sid !== undefined) {
    if (!nonEmpty(sid)) throw malformed('sid');
    claims.sid = sid;
  }
  return claims;
}
