import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateSigningKey, publicJwk, publicJwks } from './signing-keys.js';

describe('generateSigningKey', () => {
  it('makes an ES384 pair whose kid is the RFC 7638 thumbprint', async () => {
    const key = await generateSigningKey();
    expect(key.privateJwk).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', use: 'sig' });
    expect(typeof key.privateJwk.d).toBe('string');
    expect(key.publicJwk.d).toBeUndefined();
    expect(key.kid).toBe(await calculateJwkThumbprint(key.publicJwk, 'sha256'));
    expect(key.privateJwk.kid).toBe(key.kid);
    expect(key.publicJwk.kid).toBe(key.kid);
    expect((await generateSigningKey()).kid).not.toBe(key.kid);
  });
});

describe('publicJwks', () => {
  it('publishes only public members, from private keys or signing keys', async () => {
    const a = await generateSigningKey();
    const b = await generateSigningKey();
    const jwks = publicJwks([a, b.privateJwk]);
    expect(jwks.keys).toHaveLength(2);
    for (const key of jwks.keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    }
    expect(jwks.keys[1]?.kid).toBe(b.kid);
    expect(JSON.stringify(jwks)).not.toContain(a.privateJwk.d);
    expect(JSON.stringify(jwks)).not.toContain(b.privateJwk.d);
  });

  it('strips every private member of an RSA key', async () => {
    const { privateKey } = await generateKeyPair('RS384', { extractable: true });
    const rsa = { ...(await exportJWK(privateKey)), kid: 'r1', key_ops: ['sign'] };
    const published = publicJwk(rsa);
    expect(Object.keys(published).sort()).toEqual(['e', 'key_ops', 'kid', 'kty', 'n']);
    expect(published.key_ops).toEqual(['verify']);
  });

  it('refuses to publish a symmetric key', () => {
    expect(() => publicJwks([{ kty: 'oct', k: 'c2VjcmV0' }])).toThrow(TypeError);
  });
});
