import { createHmac, randomUUID } from 'node:crypto';
import {
  base64url,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyClientAssertion, type VerifyClientAssertionOptions } from './client-assertion.js';
import { OAuthError } from './oauth-error.js';

const tokenUrl = 'https://auth.example.test/t/clinic-a/token';
const clientId = 'billing-export';

interface ClientKey {
  alg: 'RS384' | 'ES384';
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function clientKey(alg: 'RS384' | 'ES384'): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { alg, kid, privateKey, publicJwk: { ...jwk, kid, alg } };
}

let rsa: ClientKey;
let ec: ClientKey;
let stranger: ClientKey;
let keys: { keys: JWK[] };

beforeAll(async () => {
  [rsa, ec, stranger] = await Promise.all([
    clientKey('RS384'),
    clientKey('ES384'),
    clientKey('ES384'),
  ]);
  keys = { keys: [rsa.publicJwk, ec.publicJwk] };
});

const now = () => Math.floor(Date.now() / 1000);

function omit(payload: JWTPayload, name: string): JWTPayload {
  return Object.fromEntries(Object.entries(payload).filter(([key]) => key !== name));
}

function claims(overrides: Partial<JWTPayload> = {}): JWTPayload {
  return {
    iss: clientId,
    sub: clientId,
    aud: tokenUrl,
    exp: now() + 240,
    jti: randomUUID(),
    ...overrides,
  };
}

function assertion(
  key: ClientKey,
  payload: JWTPayload = claims(),
  header: { alg?: string; kid?: string } = {},
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
    .sign(key.privateKey);
}

// An in-memory replay store keyed by (client, jti), as the option's contract asks.
function jtiStore() {
  const spent = new Map<string, number>();
  return {
    spent,
    spendJti: (jti: string, expiresAt: number, client: string) => {
      const key = `${client}\u0000${jti}`;
      if (spent.has(key)) return Promise.resolve(false);
      spent.set(key, expiresAt);
      return Promise.resolve(true);
    },
  };
}

function options(overrides: Partial<VerifyClientAssertionOptions> = {}) {
  return { tokenUrl, keys, expectedClientId: clientId, ...jtiStore(), ...overrides };
}

async function refusal(promise: Promise<unknown>): Promise<OAuthError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    const oauth = error as OAuthError;
    expect(oauth.error).toBe('invalid_client');
    expect(oauth.status).toBe(401);
    return oauth;
  }
  throw new Error('the assertion was accepted');
}

describe('verifyClientAssertion', () => {
  it.each(['RS384', 'ES384'] as const)('accepts an %s assertion', async (alg) => {
    const key = alg === 'RS384' ? rsa : ec;
    const store = jtiStore();
    const payload = claims();
    const result = await verifyClientAssertion(
      await assertion(key, payload),
      options({ spendJti: store.spendJti }),
    );
    expect(result).toEqual({ clientId });
    // The jti is spent for this client until just after the assertion's own expiry.
    const spent = store.spent.get(`${clientId}\u0000${String(payload.jti)}`);
    expect(spent).toBeGreaterThanOrEqual(payload.exp ?? 0);
    expect(spent).toBeLessThanOrEqual((payload.exp ?? 0) + 30);
  });

  it('works without an expected client id', async () => {
    const result = await verifyClientAssertion(
      await assertion(ec),
      options({ expectedClientId: undefined }),
    );
    expect(result.clientId).toBe(clientId);
  });

  it('refuses an iss other than the expected client', async () => {
    const payload = claims({ iss: 'other-client', sub: 'other-client' });
    const error = await refusal(verifyClientAssertion(await assertion(ec, payload), options()));
    expect(error.description).toContain('iss');
  });

  it('refuses iss ≠ sub', async () => {
    const payload = claims({ sub: 'someone-else' });
    const error = await refusal(
      verifyClientAssertion(await assertion(ec, payload), options({ expectedClientId: undefined })),
    );
    expect(error.description).toContain('sub must equal iss');
  });

  it('refuses a missing iss', async () => {
    const payload = omit(claims(), 'iss');
    const error = await refusal(verifyClientAssertion(await assertion(ec, payload), options()));
    expect(error.description).toContain('iss');
  });

  it.each([
    ['another URL', 'https://auth.example.test/t/clinic-b/token'],
    ['the issuer, not the token URL', 'https://auth.example.test/t/clinic-a'],
    ['a trailing slash', `${tokenUrl}/`],
  ])('refuses an aud of %s', async (_, aud) => {
    const error = await refusal(
      verifyClientAssertion(await assertion(rsa, claims({ aud })), options()),
    );
    expect(error.description).toContain(tokenUrl);
  });

  it('refuses an expired assertion', async () => {
    const payload = claims({ exp: now() - 60 });
    const error = await refusal(verifyClientAssertion(await assertion(ec, payload), options()));
    expect(error.description).toContain('expired');
  });

  it('refuses an exp more than five minutes ahead, and accepts one at five', async () => {
    const far = claims({ exp: now() + 600 });
    const error = await refusal(verifyClientAssertion(await assertion(ec, far), options()));
    expect(error.description).toContain('300 seconds');
    const atLimit = claims({ exp: now() + 300 });
    await expect(verifyClientAssertion(await assertion(ec, atLimit), options())).resolves.toEqual({
      clientId,
    });
  });

  it('refuses a missing exp', async () => {
    const payload = omit(claims(), 'exp');
    const error = await refusal(verifyClientAssertion(await assertion(ec, payload), options()));
    expect(error.description).toContain('exp');
  });

  it('refuses a missing jti', async () => {
    const payload = omit(claims(), 'jti');
    const error = await refusal(verifyClientAssertion(await assertion(ec, payload), options()));
    expect(error.description).toContain('jti');
  });

  it('refuses a replayed jti', async () => {
    const opts = options();
    const token = await assertion(ec);
    await expect(verifyClientAssertion(token, opts)).resolves.toEqual({ clientId });
    const error = await refusal(verifyClientAssertion(token, opts));
    expect(error.description).toContain('already used');
  });

  it('does not spend a jti for an assertion that fails', async () => {
    const store = jtiStore();
    const payload = claims({ aud: 'https://elsewhere.test/token' });
    await refusal(
      verifyClientAssertion(await assertion(ec, payload), options({ spendJti: store.spendJti })),
    );
    expect(store.spent.size).toBe(0);
  });

  it('lets a failing replay store fail the request as our error, not the client', async () => {
    const failure = new Error('store down');
    await expect(
      verifyClientAssertion(
        await assertion(ec),
        options({ spendJti: () => Promise.reject(failure) }),
      ),
    ).rejects.toBe(failure);
  });

  it('refuses an unknown kid', async () => {
    const token = await assertion(stranger);
    const error = await refusal(verifyClientAssertion(token, options()));
    expect(error.description).toContain(stranger.kid);
  });

  it('refuses a missing kid', async () => {
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES384' })
      .sign(ec.privateKey);
    const error = await refusal(verifyClientAssertion(token, options()));
    expect(error.description).toContain('kid');
  });

  it('refuses a key not in the set that claims a registered kid', async () => {
    const token = await assertion(stranger, claims(), { kid: ec.kid });
    const error = await refusal(verifyClientAssertion(token, options()));
    expect(error.description).toContain('signature');
  });

  it('refuses a kid whose key is of another type', async () => {
    const token = await assertion(ec, claims(), { kid: rsa.kid });
    const error = await refusal(verifyClientAssertion(token, options()));
    expect(error.description).toContain('cannot verify ES384');
  });

  it('refuses alg none', async () => {
    const h = base64url.encode(JSON.stringify({ alg: 'none', kid: ec.kid }));
    const p = base64url.encode(JSON.stringify(claims()));
    const error = await refusal(verifyClientAssertion(`${h}.${p}.`, options()));
    expect(error.description).toContain('RS384 or ES384');
  });

  it('refuses HS256 signed with the public key as the secret', async () => {
    const h = base64url.encode(JSON.stringify({ alg: 'HS256', kid: rsa.kid }));
    const p = base64url.encode(JSON.stringify(claims()));
    const s = createHmac('sha256', JSON.stringify(rsa.publicJwk))
      .update(`${h}.${p}`)
      .digest('base64url');
    const error = await refusal(verifyClientAssertion(`${h}.${p}.${s}`, options()));
    expect(error.description).toContain('RS384 or ES384');
  });

  it('refuses RS256, even with an RSA key registered', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'RS256', kid: rsa.kid })
      .sign(privateKey);
    await refusal(verifyClientAssertion(token, options()));
  });

  it('refuses a tampered payload', async () => {
    const [h, , s] = (await assertion(ec)).split('.');
    const p = base64url.encode(JSON.stringify(claims({ iss: 'admin', sub: 'admin' })));
    const error = await refusal(
      verifyClientAssertion(`${h}.${p}.${s}`, options({ expectedClientId: undefined })),
    );
    expect(error.description).toContain('signature');
  });

  it.each(['', 'not-a-jwt', 'a.b.c', 'x'.repeat(20_000)])('refuses garbage (%#)', async (token) => {
    await refusal(verifyClientAssertion(token, options()));
  });

  it('answers with an RFC 6749 body', async () => {
    const error = await refusal(verifyClientAssertion('a.b.c', options()));
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      error: 'invalid_client',
      error_description: error.description,
    });
  });
});
