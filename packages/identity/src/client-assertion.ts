import {
  decodeProtectedHeader,
  errors,
  importJWK,
  jwtVerify,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
} from 'jose';
import { clockToleranceSeconds } from './access-tokens.js';
import { OAuthError } from './oauth-error.js';
import { publicJwk } from './signing-keys.js';

/** The `client_assertion_type` of RFC 7523 §2.2; the token endpoint checks it before calling us. */
export const jwtBearerAssertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** SMART Backend Services: an assertion may expire at most five minutes after it is checked. */
export const maxAssertionLifetimeSeconds = 5 * 60;

/** The algorithms SMART Backend Services requires servers to support, and the only ones we do. */
export const clientAssertionAlgorithms = ['RS384', 'ES384'] as const;

// Far larger than any honest assertion; bounds the work a junk request can cause.
const maxAssertionLength = 16 * 1024;

/** What to verify a client assertion against. */
export interface VerifyClientAssertionOptions {
  /** Our token endpoint URL, exactly as advertised; the assertion's `aud` must equal it. */
  tokenUrl: string;
  /** The client's registered public keys (from its registration or its fetched JWKS URL). */
  keys: JSONWebKeySet;
  /**
   * The client the keys belong to. Callers look the client up by the (still unverified) `iss`,
   * fetch its keys, then pass its id here so an assertion cannot name one client and be
   * checked with another's keys.
   */
  expectedClientId?: string;
  /** The current time; for tests. */
  now?: Date;
  /**
   * Records `jti` as used, atomically, and returns false when it already was (a replay).
   * Key the record by (`clientId`, `jti`): `jti` is only unique per issuer. Keep it until
   * `expiresAt` (epoch seconds), after which the assertion is refused as expired anyway.
   * Called only once everything else verified, so forged assertions cannot use up ids.
   */
  spendJti: (jti: string, expiresAt: number, clientId: string) => Promise<boolean>;
}

/** An authenticated client. */
export interface AuthenticatedClient {
  clientId: string;
}

type AssertionAlgorithm = (typeof clientAssertionAlgorithms)[number];

function isAssertionAlgorithm(alg: unknown): alg is AssertionAlgorithm {
  return (clientAssertionAlgorithms as readonly unknown[]).includes(alg);
}

// Whether a JWK can verify `alg`. Checked here so the error names the mismatch instead of a
// generic failure from the crypto layer.
function fits(key: JWK, alg: AssertionAlgorithm): boolean {
  if (key.alg !== undefined && key.alg !== alg) return false;
  if (key.use !== undefined && key.use !== 'sig') return false;
  if (key.key_ops !== undefined && !key.key_ops.includes('verify')) return false;
  return alg === 'RS384' ? key.kty === 'RSA' : key.kty === 'EC' && key.crv === 'P-384';
}

const refuse = (description: string) => new OAuthError('invalid_client', description);

/**
 * Authenticates a SMART Backend Services client by its signed JWT (RFC 7523 §3, SMART
 * Backend Services "authenticating to the token endpoint"). Every failure is `invalid_client`
 * (401), as SMART requires, with a description saying what to fix. An error from `spendJti`
 * (the store is down) propagates unchanged: that is our failure, not the client's.
 *
 * A `jku` header is ignored on purpose: keys come only from the client's registration, never
 * from a URL the assertion itself names.
 */
export async function verifyClientAssertion(
  assertion: string,
  options: VerifyClientAssertionOptions,
): Promise<AuthenticatedClient> {
  if (assertion.length === 0 || assertion.length > maxAssertionLength) {
    throw refuse(`client_assertion must be a JWT of at most ${maxAssertionLength} characters`);
  }
  let header;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    throw refuse('client_assertion is not a compact JWS (header.payload.signature)');
  }
  const { alg, kid } = header;
  if (!isAssertionAlgorithm(alg)) {
    throw refuse(
      `client_assertion must be signed with ${clientAssertionAlgorithms.join(' or ')}, ` +
        `not ${String(alg)}`,
    );
  }
  if (typeof kid !== 'string' || kid === '') {
    throw refuse('client_assertion header must have a kid naming a key in your registered JWKS');
  }
  const candidates = options.keys.keys.filter((k) => k.kid === kid);
  if (candidates.length === 0) {
    throw refuse(`no key with kid "${kid}" in your registered JWKS`);
  }
  const jwk = candidates.find((k) => fits(k, alg));
  if (!jwk || candidates.length > 1) {
    throw refuse(
      candidates.length > 1
        ? `more than one key has kid "${kid}" in your registered JWKS; kids must be unique`
        : `the key with kid "${kid}" cannot verify ${alg} (check its kty, crv, alg and use)`,
    );
  }

  let payload: JWTPayload;
  try {
    // publicJwk: a client that registered its private key by mistake still gets a public
    // verification key, never a private one.
    const key = await importJWK(publicJwk(jwk), alg);
    ({ payload } = await jwtVerify(assertion, key, {
      algorithms: [alg],
      audience: options.tokenUrl,
      clockTolerance: clockToleranceSeconds,
      requiredClaims: ['iss', 'sub', 'exp', 'jti'],
      ...(options.now ? { currentDate: options.now } : {}),
    }));
  } catch (error) {
    throw describe(error, options.tokenUrl);
  }

  const { iss, sub, exp, jti } = payload;
  if (typeof iss !== 'string' || iss === '') throw refuse('iss must be your client_id');
  if (sub !== iss) throw refuse('sub must equal iss: both are your client_id');
  if (options.expectedClientId !== undefined && iss !== options.expectedClientId) {
    throw refuse('iss must be the client_id the keys were registered for');
  }
  if (typeof exp !== 'number') throw refuse('exp must be a NumericDate');
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (exp > now + maxAssertionLifetimeSeconds + clockToleranceSeconds) {
    throw refuse(`exp must be at most ${maxAssertionLifetimeSeconds} seconds in the future`);
  }
  if (typeof jti !== 'string' || jti === '' || jti.length > 255) {
    throw refuse('jti must be a unique string of at most 255 characters');
  }
  if (!(await options.spendJti(jti, exp + clockToleranceSeconds, iss))) {
    throw refuse('this jti was already used: make a new assertion for every token request');
  }
  return { clientId: iss };
}

function describe(error: unknown, tokenUrl: string): OAuthError {
  if (error instanceof errors.JWTExpired) return refuse('client_assertion has expired (exp)');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return refuse(`aud must be the token URL ${tokenUrl}`);
    if (error.claim === 'nbf') return refuse('client_assertion is not valid yet (nbf)');
    if (error.reason === 'missing') return refuse(`client_assertion has no ${error.claim} claim`);
    return refuse(`client_assertion claim ${error.claim} is invalid`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return refuse('client_assertion signature does not verify with the key its kid names');
  }
  return refuse('client_assertion is not a valid signed JWT');
}
