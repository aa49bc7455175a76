import { createHmac, createPublicKey } from 'node:crypto';
import { base64url, exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  signAccessToken,
  TokenError,
  verifyAccessToken,
  type AccessTokenClaims,
  type TokenErrorReason,
} from './access-tokens.js';
import { generateSigningKey, publicJwks, type SigningKey } from './signing-keys.js';

const issuer = 'https://auth.example.test/t/clinic-a';
const audience = 'https://fhir.example.test/t/clinic-a';

const claims: AccessTokenClaims = {
  iss: issuer,
  aud: audience,
  sub: 'user-1',
  tenant: 'clinic-a',
  role: 'practitioner',
  scope: 'user/*.rs openid',
  client_id: 'portal',
  act: { sub: 'support-7' },
};

let key: SigningKey;
let other: SigningKey;
let jwks: { keys: import('jose').JWK[] };

beforeAll(async () => {
  key = await generateSigningKey();
  other = await generateSigningKey();
  jwks = publicJwks([key]);
});

const verify = (
  token: string,
  overrides: { now?: Date; issuer?: string; audience?: string } = {},
) => verifyAccessToken(token, { jwks, issuer, audience, ...overrides });

async function refusal(promise: Promise<unknown>): Promise<TokenErrorReason> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TokenError);
    return (error as TokenError).reason;
  }
  throw new Error('the token was accepted');
}

function omit(value: object, name: string): object {
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== name));
}

function encode(part: object): string {
  return base64url.encode(JSON.stringify(part));
}

function payloadFor(now = Math.floor(Date.now() / 1000)) {
  return { ...claims, jti: 'j1', iat: now, exp: now + 300 };
}

describe('signAccessToken and verifyAccessToken', () => {
  it('round-trips the claims', async () => {
    const token = await signAccessToken(key.privateJwk, claims, 300);
    const header = JSON.parse(
      Buffer.from(token.split('.')[0] ?? '', 'base64url').toString(),
    ) as object;
    expect(header).toEqual({ alg: 'ES384', kid: key.kid, typ: 'at+jwt' });
    const verified = await verify(token);
    expect(verified).toMatchObject(claims);
    expect(verified.exp - verified.iat).toBe(300);
    expect(verified.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives every token its own jti unless one is given', async () => {
    const a = await verify(await signAccessToken(key.privateJwk, claims, 60));
    const b = await verify(await signAccessToken(key.privateJwk, claims, 60));
    expect(a.jti).not.toBe(b.jti);
    const c = await verify(await signAccessToken(key.privateJwk, { ...claims, jti: 'fixed' }, 60));
    expect(c.jti).toBe('fixed');
  });

  it('writes only the listed claims', async () => {
    const sneaky = { ...claims, exp: 9999999999, admin: true } as AccessTokenClaims;
    const verified = await verify(await signAccessToken(key.privateJwk, sneaky, 60));
    expect(verified.exp).toBeLessThan(Date.now() / 1000 + 61);
    expect(verified).not.toHaveProperty('admin');
  });

  it('refuses to sign with a public key, a bad ttl or an unknown role', async () => {
    await expect(signAccessToken(key.publicJwk, claims, 60)).rejects.toThrow(TypeError);
    await expect(signAccessToken(key.privateJwk, claims, 0)).rejects.toThrow(RangeError);
    await expect(signAccessToken(key.privateJwk, claims, 1.5)).rejects.toThrow(RangeError);
    await expect(signAccessToken(key.privateJwk, claims, 2 * 86400)).rejects.toThrow(RangeError);
    const bad = { ...claims, role: 'root' } as unknown as AccessTokenClaims;
    await expect(signAccessToken(key.privateJwk, bad, 60)).rejects.toThrow(TypeError);
  });

  it('accepts a token within the clock tolerance and refuses it after', async () => {
    const token = await signAccessToken(key.privateJwk, claims, 60);
    const in70s = new Date(Date.now() + 70_000);
    expect((await verify(token, { now: in70s })).sub).toBe('user-1');
    expect(await refusal(verify(token, { now: new Date(Date.now() + 100_000) }))).toBe('expired');
  });

  it('refuses the wrong issuer and audience', async () => {
    const token = await signAccessToken(key.privateJwk, claims, 60);
    expect(await refusal(verify(token, { issuer: 'https://auth.example.test/t/clinic-b' }))).toBe(
      'wrong-issuer',
    );
    expect(await refusal(verify(token, { audience: 'https://fhir.example.test/t/clinic-b' }))).toBe(
      'wrong-audience',
    );
  });

  it('refuses a key that is not published (unknown kid)', async () => {
    const token = await signAccessToken(other.privateJwk, claims, 60);
    expect(await refusal(verify(token))).toBe('unknown-kid');
  });

  it('refuses a token with no kid', async () => {
    const signer = await importJWK(key.privateJwk, 'ES384');
    const token = await new SignJWT(payloadFor())
      .setProtectedHeader({ alg: 'ES384', typ: 'at+jwt' })
      .sign(signer);
    expect(await refusal(verify(token))).toBe('unknown-kid');
  });

  it('refuses a key claiming a published kid (bad signature)', async () => {
    const signer = await importJWK(other.privateJwk, 'ES384');
    const token = await new SignJWT(payloadFor())
      .setProtectedHeader({ alg: 'ES384', kid: key.kid, typ: 'at+jwt' })
      .sign(signer);
    expect(await refusal(verify(token))).toBe('bad-signature');
  });

  it('refuses a tampered signature', async () => {
    const [h, p, s = ''] = (await signAccessToken(key.privateJwk, claims, 60)).split('.');
    const flipped = s.slice(0, 20) + (s[20] === 'A' ? 'B' : 'A') + s.slice(21);
    expect(await refusal(verify(`${h}.${p}.${flipped}`))).toBe('bad-signature');
  });

  it('refuses a tampered payload', async () => {
    const [h, , s] = (await signAccessToken(key.privateJwk, claims, 60)).split('.');
    const p = encode({ ...payloadFor(), role: 'institution-admin' });
    expect(await refusal(verify(`${h}.${p}.${s}`))).toBe('bad-signature');
  });

  it('refuses alg none', async () => {
    const h = encode({ alg: 'none', kid: key.kid, typ: 'at+jwt' });
    expect(await refusal(verify(`${h}.${encode(payloadFor())}.`))).toBe('bad-algorithm');
  });

  it('refuses HS256 signed with the public key as the secret', async () => {
    const h = encode({ alg: 'HS256', kid: key.kid, typ: 'at+jwt' });
    const p = encode(payloadFor());
    for (const secret of [JSON.stringify(key.publicJwk), JSON.stringify(jwks)]) {
      const s = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
      expect(await refusal(verify(`${h}.${p}.${s}`))).toBe('bad-algorithm');
    }
    const pem = createPublicKey({ key: key.publicJwk, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    });
    const s = createHmac('sha256', pem).update(`${h}.${p}`).digest('base64url');
    expect(await refusal(verify(`${h}.${p}.${s}`))).toBe('bad-algorithm');
  });

  it('refuses an RS256 token, even with its key published under the kid', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const rsaJwks = { keys: [...jwks.keys, { ...(await exportJWK(publicKey)), kid: 'rsa' }] };
    const token = await new SignJWT(payloadFor())
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa', typ: 'at+jwt' })
      .sign(privateKey);
    expect(await refusal(verifyAccessToken(token, { jwks: rsaJwks, issuer, audience }))).toBe(
      'bad-algorithm',
    );
  });

  it('refuses a token of another type (an ID token, say)', async () => {
    const signer = await importJWK(key.privateJwk, 'ES384');
    const token = await new SignJWT(payloadFor())
      .setProtectedHeader({ alg: 'ES384', kid: key.kid, typ: 'JWT' })
      .sign(signer);
    expect(await refusal(verify(token))).toBe('wrong-type');
  });

  it('refuses a correctly signed token with claims of the wrong shape', async () => {
    const signer = await importJWK(key.privateJwk, 'ES384');
    const sign = (payload: object) =>
      new SignJWT({ ...payload })
        .setProtectedHeader({ alg: 'ES384', kid: key.kid, typ: 'at+jwt' })
        .sign(signer);
    expect(await refusal(verify(await sign(omit(payloadFor(), 'tenant'))))).toBe('malformed');
    expect(await refusal(verify(await sign({ ...payloadFor(), role: 'root' })))).toBe('malformed');
    expect(await refusal(verify(await sign({ ...payloadFor(), act: 'x' })))).toBe('malformed');
    expect(await refusal(verify(await sign(omit(payloadFor(), 'exp'))))).toBe('malformed');
  });

  it('refuses a token not yet valid', async () => {
    const signer = await importJWK(key.privateJwk, 'ES384');
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ ...payloadFor(), nbf: now + 120 })
      .setProtectedHeader({ alg: 'ES384', kid: key.kid, typ: 'at+jwt' })
      .sign(signer);
    expect(await refusal(verify(token))).toBe('not-yet-valid');
  });

  it('refuses what is not a signed JWT', async () => {
    const header = encode({ alg: 'ES384', kid: key.kid, typ: 'at+jwt' });
    for (const token of ['', 'abc', 'a.b.c', `${header}.e30`]) {
      expect(await refusal(verify(token)), token).toBe('malformed');
    }
  });
});
