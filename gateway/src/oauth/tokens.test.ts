import {
  generateSigningKey,
  revokedTokenKey,
  secretHash,
  signAccessToken,
} from '@swiftacare/identity';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acme, create, other, patient } from '../test-fixtures.js';
import { openTestGateway, type TestGateway } from '../testing.js';
import {
  basic,
  createUser,
  expectUnauthenticated,
  login,
  origin,
  postForm,
  setUserActive,
  SteppedCache,
  tokenOf,
  tokenRequest,
  unsignedJwt,
} from './oauth-test-support.js';

let gw: TestGateway;
let patientId: string;
let adminToken: string;

beforeAll(async () => {
  gw = await openTestGateway();
  for (const tenant of ['acme', 'other']) {
    await gw.backend.identities.createClient(tenant, {
      clientId: 'backend',
      name: 'Backend',
      secretHash: secretHash('s'),
      scope: 'system/*.rs',
      active: true,
    });
  }
  patientId = (await create(gw, patient('TOK-1'))).id;
  adminToken = await gw.token({ tenant: 'acme', role: 'institution-admin' });
});

afterAll(async () => {
  await gw.close();
});

/** A fresh system token from the tenant's real token endpoint. */
async function systemToken(tenant = 'acme'): Promise<string> {
  const res = await tokenRequest(
    gw,
    tenant,
    { grant_type: 'client_credentials' },
    { authorization: basic('backend', 's') },
  );
  return tokenOf(res).access_token;
}

function readPatient(token: string, base = acme): ReturnType<TestGateway['request']> {
  return gw.request('GET', `${base}/Patient/${patientId}`, { token });
}

/** The token with one character of its signature changed. */
function tampered(token: string): string {
  const at = token.lastIndexOf('.') + 10;
  const swapped = token[at] === 'A' ? 'B' : 'A';
  return `${token.slice(0, at)}${swapped}${token.slice(at + 1)}`;
}

interface Introspection {
  active: boolean;
  sub?: string;
  scope?: string;
  exp?: number;
  role?: string;
  tenant?: string;
  client_id?: string;
  jti?: string;
  token_type?: string;
}

async function introspect(token: string, bearer = adminToken): Promise<Introspection> {
  const res = await postForm(gw, '/t/acme/oauth2/introspect', { token }, { token: bearer });
  expect(res.status, res.text).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return res.body as Introspection;
}

describe('access tokens at the FHIR API', () => {
  it('accepts a token of the tenant', async () => {
    const res = await readPatient(await systemToken());
    expect(res.status, res.text).toBe(200);
  });

  it('takes the Bearer scheme in any letter case, as HTTP authentication schemes are', async () => {
    const token = await systemToken();
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      const res = await gw.request('GET', `${acme}/Patient/${patientId}`, {
        headers: { authorization: `${scheme} ${token}` },
      });
      expect(res.status, `${scheme}: ${res.text}`).toBe(200);
    }
  });

  it('refuses a request without a token, or with a malformed header', async () => {
    const none = await gw.request('GET', `${acme}/Patient/${patientId}`, { token: false });
    expectUnauthenticated(none, 'invalid_request');
    const malformed = await gw.request('GET', `${acme}/Patient/${patientId}`, {
      headers: { authorization: 'Token abc' },
    });
    expectUnauthenticated(malformed, 'invalid_request');
  });

  it("refuses a token of tenant A on tenant B's URL, used there first or not", async () => {
    const fresh = await systemToken('acme');
    expectUnauthenticated(await gw.request('GET', `${other}/Patient`, { token: fresh }));
    // Verified and cached at acme first: the cached principal still belongs to acme only.
    const used = await systemToken('acme');
    expect((await gw.request('GET', `${acme}/Patient`, { token: used })).status).toBe(200);
    expectUnauthenticated(await gw.request('GET', `${other}/Patient`, { token: used }));
    // And the other way round.
    const ofOther = await systemToken('other');
    expect((await gw.request('GET', `${other}/Patient`, { token: ofOther })).status).toBe(200);
    expectUnauthenticated(await readPatient(ofOther));
  });

  it('refuses a revoked access token', async () => {
    const token = await systemToken();
    expect((await readPatient(token)).status).toBe(200);
    const revoked = await postForm(gw, '/t/acme/oauth2/revoke', { token });
    expect(revoked.status, revoked.text).toBe(200);
    expect(revoked.headers.get('cache-control')).toBe('no-store');
    const res = await readPatient(token);
    expectUnauthenticated(res);
    expect(res.headers.get('www-authenticate')).toContain('revoked');
  });

  it('refuses a token revoked through another gateway process within a second', async () => {
    const token = await systemToken();
    // The first use verifies and caches the token; from the second, this process reuses it.
    expect((await readPatient(token)).status).toBe(200);
    expect((await readPatient(token)).status).toBe(200);
    // What another process's authorization server writes to the shared cache on revocation.
    const { jti } = decodeJwt(token);
    await gw.services.cache.set(revokedTokenKey('acme', String(jti)), '1', 600);
    // Limitation under test: this process reuses the cache's answer for up to a second.
    expect((await readPatient(token)).status).toBe(200);
    await new Promise((done) => setTimeout(done, 1_100));
    const res = await readPatient(token);
    expectUnauthenticated(res);
    expect(res.headers.get('www-authenticate')).toContain('revoked');
  });

  it('answers 200 to the revocation of an unknown token, as RFC 7009 asks', async () => {
    for (const token of ['no-such-token', 'a.b.c', '']) {
      const res = await postForm(gw, '/t/acme/oauth2/revoke', { token });
      expect(res.status, res.text).toBe(200);
    }
  });

  it('cannot revoke a token of one tenant at another', async () => {
    const token = await systemToken('acme');
    expect((await postForm(gw, '/t/other/oauth2/revoke', { token })).status).toBe(200);
    expect((await readPatient(token)).status).toBe(200);
  });

  it('refuses an expired token', async () => {
    const token = await gw.token({ tenant: 'acme', role: 'institution-admin', ttl: -60 });
    const res = await readPatient(token);
    expectUnauthenticated(res);
    expect(res.headers.get('www-authenticate')).toContain('expired');
  });

  it('refuses a token whose signature was changed', async () => {
    const token = await systemToken();
    const res = await readPatient(tampered(token));
    expectUnauthenticated(res);
    // The real one still works: the refusal was the signature, not the token.
    expect((await readPatient(token)).status).toBe(200);
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const genuine = await systemToken();
    const real = decodeJwt(genuine);
    const { kid } = decodeProtectedHeader(genuine);
    const token = unsignedJwt({ kid, typ: 'at+jwt' }, { ...real, role: 'institution-admin' });
    expectUnauthenticated(await readPatient(token));
  });

  it('refuses a token signed with a key that is not the tenant’s', async () => {
    const stranger = await generateSigningKey();
    const claims = {
      iss: `${origin}/t/acme`,
      aud: `${origin}/t/acme/fhir/R4`,
      sub: 'backend',
      tenant: 'acme',
      role: 'system' as const,
      scope: 'system/*.cruds',
      client_id: 'backend',
    };
    expectUnauthenticated(
      await readPatient(await signAccessToken(stranger.privateJwk, claims, 300)),
    );
    // The stranger's key labelled with the tenant's kid: the signature still gives it away.
    const { kid } = await gw.services.keys.active('acme');
    const disguised = { ...stranger.privateJwk, kid };
    expectUnauthenticated(await readPatient(await signAccessToken(disguised, claims, 300)));
    // The other tenant's own key signs nothing for acme either.
    const otherKey = await gw.services.keys.active('other');
    expectUnauthenticated(
      await readPatient(await signAccessToken(otherKey.privateJwk, claims, 300)),
    );
  });

  it('refuses the token of a deactivated user', async () => {
    const user = await createUser(gw, 'acme', 'institution-admin', { active: false });
    const key = await gw.services.keys.active('acme');
    const token = await signAccessToken(
      key.privateJwk,
      {
        iss: `${origin}/t/acme`,
        aud: `${origin}/t/acme/fhir/R4`,
        sub: user.id,
        tenant: 'acme',
        role: 'institution-admin',
        scope: 'user/*.cruds',
      },
      300,
    );
    const res = await readPatient(token);
    expectUnauthenticated(res);
    expect(res.headers.get('www-authenticate')).toContain('no longer active');
  });
});

describe('a user deactivated while their token is in use', () => {
  let stepped: TestGateway;
  const cache = new SteppedCache();

  beforeAll(async () => {
    stepped = await openTestGateway(['acme'], { cache });
  });

  afterAll(async () => {
    await stepped.close();
  });

  it('is refused within a minute, even with a token already verified and cached', async () => {
    const user = await createUser(stepped, 'acme', 'institution-admin');
    const { access_token: token } = await login(stepped, 'acme', user);
    const search = (): ReturnType<TestGateway['request']> =>
      stepped.request('GET', `${acme}/Patient`, { token });
    expect((await search()).status).toBe(200);
    await setUserActive(stepped, 'acme', user.id, false);
    // A minute later (the longest the gateway keeps a user's facts), with the token still
    // unexpired by the real clock.
    cache.advance(61);
    const res = await search();
    expectUnauthenticated(res);
    expect(res.headers.get('www-authenticate')).toContain('no longer active');
  });
});

describe('introspection (RFC 7662)', () => {
  it('describes an active system token', async () => {
    const token = await systemToken();
    const claims = decodeJwt(token);
    const answer = await introspect(token);
    expect(answer).toMatchObject({
      active: true,
      sub: 'backend',
      scope: 'system/*.rs',
      exp: claims.exp,
      jti: claims.jti,
      role: 'system',
      tenant: 'acme',
      client_id: 'backend',
      token_type: 'Bearer',
    });
  });

  it('describes an active user token', async () => {
    const user = await createUser(gw, 'acme', 'institution-staff');
    const { access_token: token, scope } = await login(gw, 'acme', user);
    const answer = await introspect(token);
    expect(answer).toMatchObject({ active: true, sub: user.id, scope, role: 'institution-staff' });
    expect(answer.exp).toBe(decodeJwt(token).exp);
  });

  it('answers active: false, and nothing more, for revoked, expired, foreign or garbage tokens', async () => {
    const revoked = await systemToken();
    await postForm(gw, '/t/acme/oauth2/revoke', { token: revoked });
    const expired = await gw.token({ tenant: 'acme', role: 'institution-admin', ttl: -60 });
    const foreign = await systemToken('other');
    for (const token of [revoked, expired, foreign, tampered(await systemToken()), 'garbage', '']) {
      expect(await introspect(token)).toEqual({ active: false });
    }
  });

  it('lets a system client introspect', async () => {
    const token = await systemToken();
    expect(await introspect(token, await systemToken())).toMatchObject({ active: true });
  });

  it('refuses an unauthenticated caller with 401', async () => {
    const res = await postForm(gw, '/t/acme/oauth2/introspect', { token: await systemToken() });
    expectUnauthenticated(res, 'invalid_request');
  });

  it('refuses a patient, and a practitioner, with 403', async () => {
    const token = await systemToken();
    for (const role of ['patient', 'practitioner'] as const) {
      const bearer = await gw.token({ tenant: 'acme', role });
      const res = await postForm(gw, '/t/acme/oauth2/introspect', { token }, { token: bearer });
      expect(res.status, res.text).toBe(403);
      expect(res.text).not.toContain('backend');
    }
  });

  it('refuses the token of another tenant as the caller', async () => {
    const bearer = await gw.token({ tenant: 'other', role: 'institution-admin' });
    const res = await postForm(
      gw,
      '/t/acme/oauth2/introspect',
      { token: await systemToken() },
      { token: bearer },
    );
    expectUnauthenticated(res);
  });
});

describe('JWKS and SMART configuration', () => {
  const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

  it('publishes only the public members of the signing keys', async () => {
    await gw.services.keys.active('acme');
    const res = await gw.request('GET', '/t/acme/oauth2/jwks', { token: false });
    expect(res.status, res.text).toBe(200);
    const { keys } = res.body as { keys: JWK[] };
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', use: 'sig' });
      expect(typeof key.kid).toBe('string');
      for (const member of privateMembers) {
        expect(key).not.toHaveProperty(member);
      }
    }
  });

  it('verifies the tenant’s tokens, and not another tenant’s', async () => {
    const res = await gw.request('GET', '/t/acme/oauth2/jwks', { token: false });
    const keys = createLocalJWKSet(res.body as { keys: JWK[] });
    const token = await systemToken();
    const { payload, protectedHeader } = await jwtVerify(token, keys, {
      issuer: `${origin}/t/acme`,
      audience: `${origin}/t/acme/fhir/R4`,
      algorithms: ['ES384'],
      typ: 'at+jwt',
    });
    expect(payload.sub).toBe('backend');
    expect(protectedHeader.alg).toBe('ES384');
    await expect(jwtVerify(await systemToken('other'), keys)).rejects.toThrow();
  });

  it('serves the SMART configuration without a token', async () => {
    const res = await gw.request('GET', `${acme}/.well-known/smart-configuration`, {
      token: false,
    });
    expect(res.status, res.text).toBe(200);
    const config = res.body as Record<string, unknown>;
    expect(config).toMatchObject({
      issuer: `${origin}/t/acme`,
      token_endpoint: `${origin}/t/acme/oauth2/token`,
      jwks_uri: `${origin}/t/acme/oauth2/jwks`,
      revocation_endpoint: `${origin}/t/acme/oauth2/revoke`,
      introspection_endpoint: `${origin}/t/acme/oauth2/introspect`,
    });
    expect(config.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
    expect(config.token_endpoint_auth_signing_alg_values_supported).toEqual(
      expect.arrayContaining(['RS384', 'ES384']),
    );
    expect(config.grant_types_supported).toContain('client_credentials');
    // The endpoints it names are the ones that answer.
    const jwks = await gw.request('GET', new URL(String(config.jwks_uri)).pathname, {
      token: false,
    });
    expect(jwks.status).toBe(200);
  });
});

describe('signing key rotation', () => {
  it('keeps tokens of the retired key working and signs new ones with the new key', async () => {
    // Issued before the rotation and never used before it, so nothing about it is cached.
    const before = await systemToken();
    const oldKid = decodeProtectedHeader(before).kid;
    // One key set object while the keys stay the same (verification caches imports per object).
    const published = await gw.services.keys.jwks('acme');
    expect(await gw.services.keys.jwks('acme')).toBe(published);
    const newKid = await gw.services.keys.rotate('acme');
    expect(newKid).not.toBe(oldKid);
    expect(await gw.services.keys.jwks('acme')).not.toBe(published);

    const res = await gw.request('GET', '/t/acme/oauth2/jwks', { token: false });
    const kids = (res.body as { keys: JWK[] }).keys.map((k) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([oldKid, newKid]));

    expect((await readPatient(before)).status).toBe(200);
    expect((await introspect(before)).active).toBe(true);

    const after = await systemToken();
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    expect((await readPatient(after)).status).toBe(200);
    // The published set verifies both.
    const keys = createLocalJWKSet(res.body as { keys: JWK[] });
    await expect(jwtVerify(before, keys)).resolves.toBeDefined();
    await expect(jwtVerify(after, keys)).resolves.toBeDefined();
  });
});
