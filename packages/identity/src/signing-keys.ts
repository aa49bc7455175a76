import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/**
 * The one algorithm our access tokens are signed with. ECDSA P-384 gives short signatures and
 * small keys; pinning a single algorithm removes algorithm-confusion attacks at verification.
 */
export const accessTokenAlgorithm = 'ES384';

/** A tenant's signing key pair. `kid` is the RFC 7638 thumbprint, also set on both JWKs. */
export interface SigningKey {
  kid: string;
  /** Keep secret: contains `d`. Store encrypted at rest. */
  privateJwk: JWK;
  publicJwk: JWK;
}

/**
 * Generates an ES384 signing key for one tenant. Each tenant has its own keys so that a key
 * compromise or rotation in one institution never touches another's tokens. The `kid` is the
 * RFC 7638 thumbprint, so it is derived from the key itself and cannot collide by accident.
 */
export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(accessTokenAlgorithm, {
    extractable: true,
  });
  const publicParts = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicParts, 'sha256');
  const labels = { kid, alg: accessTokenAlgorithm, use: 'sig' };
  return {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), ...labels },
    publicJwk: { ...publicParts, ...labels },
  };
}

// Public members per key type (RFC 7518 §6). Copying an allow-list, rather than deleting `d`,
// means RSA's p, q, dp, dq, qi and oth, or any member added later, can never leak.
const publicMembers: Readonly<Record<string, readonly string[]>> = {
  EC: ['kty', 'crv', 'x', 'y'],
  RSA: ['kty', 'n', 'e'],
  OKP: ['kty', 'crv', 'x'],
};
const labelMembers = ['kid', 'alg', 'use', 'key_ops'] as const;

/** The public part of one JWK. Throws for symmetric (`oct`) or unknown key types. */
export function publicJwk(key: JWK): JWK {
  const members = key.kty === undefined ? undefined : publicMembers[key.kty];
  if (!members) throw new TypeError(`cannot publish a key of type ${String(key.kty)}`);
  const out: Record<string, unknown> = {};
  for (const name of [...members, ...labelMembers]) {
    const value: unknown = Reflect.get(key, name);
    if (value === undefined) continue;
    // A private key's key_ops say "sign"; the published half only verifies.
    out[name] = name === 'key_ops' ? ['verify'] : value;
  }
  return out;
}

/**
 * The JWKS to publish for a tenant (its `jwks_uri`), from its current and recently rotated keys:
 * public parts only, never `d`. Keep a rotated key here until every token it signed has expired.
 */
export function publicJwks(keys: readonly (JWK | SigningKey)[]): { keys: JWK[] } {
  return { keys: keys.map((k) => publicJwk('privateJwk' in k ? k.publicJwk : k)) };
}
