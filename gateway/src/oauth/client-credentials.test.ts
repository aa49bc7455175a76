import { randomUUID } from 'node:crypto';
import { secretHash } from '@swiftacare/identity';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acme, create, patient, practitioner } from '../test-fixtures.js';
import { openTestGateway, type TestGateway } from '../testing.js';
import {
  assertion,
  assertionGrant,
  auditOf,
  basic,
  clientKey,
  expectOAuthError,
  requestId,
  serveJson,
  tokenOf,
  tokenRequest,
  tokenUrl,
  unsignedJwt,
  type ClientKey,
  type JsonServer,
  type OAuthErrorBody,
} from './oauth-test-support.js';

let gw: TestGateway;
let rsKey: ClientKey;
let esKey: ClientKey;
let urlKey: ClientKey;
let jwksServer: JsonServer;
let patientId: string;
let practitionerId: string;

beforeAll(async () => {
  gw = await openTestGateway();
  [rsKey, esKey, urlKey] = await Promise.all([
    clientKey('RS384'),
    clientKey('ES384'),
    clientKey('ES384'),
  ]);
  jwksServer = await serveJson({ keys: [urlKey.publicJwk] });
  const ids = gw.backend.identities;
  await ids.createClient('acme', {
    clientId: 'secret-client',
    name: 'Secret client',
    secretHash: secretHash('s3cret'),
    scope: 'system/*.rs',
    active: true,
  });
  await ids.createClient('acme', {
    clientId: 'disabled-client',
    name: 'Disabled client',
    secretHash: secretHash('s3cret'),
    jwks: { keys: [esKey.publicJwk] },
    scope: 'system/*.rs',
    active: false,
  });
  await ids.createClient('acme', {
    clientId: 'rs-client',
    name: 'RS384 client',
    jwks: { keys: [rsKey.publicJwk] },
    scope: 'system/*.rs',
    active: true,
  });
  await ids.createClient('acme', {
    clientId: 'es-client',
    name: 'ES384 client',
    jwks: { keys: [esKey.publicJwk] },
    scope: 'system/*.cruds',
    active: true,
  });
  await ids.createClient('acme', {
    clientId: 'url-client',
    name: 'JWKS URL client',
    jwksUrl: jwksServer.url,
    scope: 'system/Patient.rs',
    active: true,
  });
  patientId = (await create(gw, patient('CC-1'))).id;
  practitionerId = (await create(gw, practitioner('Credentials'))).id;
});

afterAll(async () => {
  await jwksServer.close();
  await gw.close();
});

const secretAuth = { authorization: basic('secret-client', 's3cret') };

describe('client_credentials with client_secret_basic', () => {
  it('issues a system token with the registered scope, which reads FHIR data', async () => {
    const res = await tokenRequest(gw, 'acme', { grant_type: 'client_credentials' }, secretAuth);
    const token = tokenOf(res);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(token.token_type).toBe('Bearer');
    expect(token.scope).toBe('system/*.rs');
    expect(token.expires_in).toBeGreaterThan(0);
    expect(token.expires_in).toBeLessThanOrEqual(300);
    expect(token.refresh_token).toBeUndefined();
    const claims = decodeJwt(token.access_token);
    expect(claims).toMatchObject({
      sub: 'secret-client',
      client_id: 'secret-client',
      role: 'system',
      tenant: 'acme',
      scope: 'system/*.rs',
      iss: 'http://gateway.test/t/acme',
      aud: 'http://gateway.test/t/acme/fhir/R4',
    });
    const read = await gw.request('GET', `${acme}/Patient/${patientId}`, {
      token: token.access_token,
    });
    expect(read.status, read.text).toBe(200);
    // The registration allows reading and searching, not writing.
    const write = await gw.request('POST', `${acme}/Patient`, {
      body: patient(),
      token: token.access_token,
    });
    expect(write.status, write.text).toBe(403);
  });

  it('grants a narrower scope when one is asked for, and only that', async () => {
    const token = tokenOf(
      await tokenRequest(
        gw,
        'acme',
        { grant_type: 'client_credentials', scope: 'system/Patient.rs' },
        secretAuth,
      ),
    );
    expect(token.scope).toBe('system/Patient.rs');
    const own = await gw.request('GET', `${acme}/Patient/${patientId}`, {
      token: token.access_token,
    });
    expect(own.status, own.text).toBe(200);
    const other = await gw.request('GET', `${acme}/Practitioner/${practitionerId}`, {
      token: token.access_token,
    });
    expect(other.status, other.text).toBe(403);
  });

  it('refuses a scope outside the registration with invalid_scope', async () => {
    for (const scope of ['system/Patient.c', 'user/*.rs', 'system/Patient.cud', 'nonsense']) {
      const id = requestId();
      const res = await tokenRequest(
        gw,
        'acme',
        { grant_type: 'client_credentials', scope },
        { ...secretAuth, requestId: id },
      );
      expectOAuthError(res, 'invalid_scope', 400);
      expect(await auditOf(gw, 'acme', id)).toMatchObject({ outcome: 'refused', status: 400 });
    }
  });

  it('grants only the registered part of a scope that asks for more (RFC 6749 §3.3)', async () => {
    const token = tokenOf(
      await tokenRequest(
        gw,
        'acme',
        { grant_type: 'client_credentials', scope: 'system/*.cruds system/Patient.d' },
        secretAuth,
      ),
    );
    expect(token.scope).toBe('system/*.rs');
  });

  it('audits the issue under the client', async () => {
    const id = requestId();
    tokenOf(
      await tokenRequest(
        gw,
        'acme',
        { grant_type: 'client_credentials' },
        { ...secretAuth, requestId: id },
      ),
    );
    expect(await auditOf(gw, 'acme', id)).toMatchObject({
      tenant: 'acme',
      interaction: 'token:client_credentials',
      outcome: 'success',
      status: 200,
      who: { client: 'secret-client' },
    });
  });
});

describe('client_credentials with a SMART Backend Services assertion', () => {
  it('accepts an RS384 assertion verified with the inline JWKS', async () => {
    const token = tokenOf(
      await tokenRequest(gw, 'acme', assertionGrant(await assertion(rsKey, 'rs-client'))),
    );
    expect(token.scope).toBe('system/*.rs');
    expect(decodeJwt(token.access_token)).toMatchObject({ sub: 'rs-client', role: 'system' });
    const read = await gw.request('GET', `${acme}/Patient/${patientId}`, {
      token: token.access_token,
    });
    expect(read.status, read.text).toBe(200);
  });

  it('accepts an ES384 assertion verified with the inline JWKS', async () => {
    const token = tokenOf(
      await tokenRequest(
        gw,
        'acme',
        assertionGrant(await assertion(esKey, 'es-client'), { scope: 'system/Patient.cruds' }),
      ),
    );
    expect(token.scope).toBe('system/Patient.cruds');
    const write = await gw.request('POST', `${acme}/Patient`, {
      body: patient(),
      token: token.access_token,
    });
    expect(write.status, write.text).toBe(201);
  });

  it('accepts an assertion verified with keys fetched from the JWKS URL', async () => {
    const before = jwksServer.hits();
    const token = tokenOf(
      await tokenRequest(gw, 'acme', assertionGrant(await assertion(urlKey, 'url-client'))),
    );
    expect(token.scope).toBe('system/Patient.rs');
    expect(jwksServer.hits()).toBe(before + 1);
    const read = await gw.request('GET', `${acme}/Patient/${patientId}`, {
      token: token.access_token,
    });
    expect(read.status, read.text).toBe(200);
    // The fetched keys are cached: a second request does not fetch them again.
    tokenOf(await tokenRequest(gw, 'acme', assertionGrant(await assertion(urlKey, 'url-client'))));
    expect(jwksServer.hits()).toBe(before + 1);
  });

  it('audits the issue under the client the assertion authenticated', async () => {
    const id = requestId();
    tokenOf(
      await tokenRequest(gw, 'acme', assertionGrant(await assertion(esKey, 'es-client')), {
        requestId: id,
      }),
    );
    expect(await auditOf(gw, 'acme', id)).toMatchObject({
      interaction: 'token:client_credentials',
      outcome: 'success',
      who: { client: 'es-client' },
    });
  });

  it('keeps the assertion for its own tenant: the same one is refused at another', async () => {
    const jwt = await assertion(esKey, 'es-client', { aud: tokenUrl('other') });
    expectOAuthError(await tokenRequest(gw, 'other', assertionGrant(jwt)), 'invalid_client', 401);
  });
});

interface Refusal {
  name: string;
  /** What the description must say, so each case is refused for its own reason. */
  description: RegExp;
  error: string;
  status: number;
  request: () => Promise<{ params: Record<string, string>; authorization?: string }>;
}

// A key of a client that is not registered anywhere: signing with it proves nothing.
const strangerKey = clientKey('ES384');

const refusals: Refusal[] = [
  {
    name: 'an unsupported grant_type',
    description: /grant_type password is not supported/,
    error: 'unsupported_grant_type',
    status: 400,
    request: () =>
      Promise.resolve({
        params: { grant_type: 'password' },
        authorization: secretAuth.authorization,
      }),
  },
  {
    name: 'a missing grant_type',
    description: /grant_type is missing/,
    error: 'invalid_request',
    status: 400,
    request: () => Promise.resolve({ params: {}, authorization: secretAuth.authorization }),
  },
  {
    name: 'a wrong client_assertion_type',
    description: /client_assertion_type must be/,
    error: 'invalid_client',
    status: 401,
    request: async () => ({
      params: {
        ...assertionGrant(await assertion(esKey, 'es-client')),
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
      },
    }),
  },
  {
    name: 'an assertion whose iss is no registered client',
    description: /names no client registered/,
    error: 'invalid_client',
    status: 401,
    request: async () => ({
      params: assertionGrant(await assertion(await strangerKey, 'nobody-registered')),
    }),
  },
  {
    name: 'an assertion whose sub is not its iss',
    description: /sub must equal iss/,
    error: 'invalid_client',
    status: 401,
    request: async () => ({
      params: assertionGrant(await assertion(esKey, 'es-client', { sub: 'rs-client' })),
    }),
  },
  {
    name: 'an assertion for another audience',
    description: /aud must be the token URL http:\/\/gateway\.test\/t\/acme\/oauth2\/token/,
    error: 'invalid_client',
    status: 401,
    request: async () => ({
      params: assertionGrant(
        await assertion(esKey, 'es-client', { aud: 'https://elsewhere.example/token' }),
      ),
    }),
  },
  {
    name: 'an expired assertion',
    description: /has expired/,
    error: 'invalid_client',
    status: 401,
    request: async () => ({
      params: assertionGrant(await assertion(esKey, 'es-client', { expIn: -120 })),
    }),
  },
  {
    name: 'an assertion expiring more than five minutes ahead',
    description: /at most 300 seconds/,
    error: 'invalid_client',
    status: 401,
    request: async () => ({
      params: assertionGrant(await assertion(esKey, 'es-client', { expIn: 600 })),
    }),
  },
  {
    name: 'an assertion with a kid the client never registered',
    description: /no key with kid/,
    error: 'invalid_client',
    status: 401,
    request: async () => ({
      params: assertionGrant(await assertion(esKey, 'es-client', { kid: 'no-such-kid' })),
    }),
  },
  {
    name: 'an assertion signed with a key other than the one its kid names',
    description: /signature does not verify/,
    error: 'invalid_client',
    status: 401,
    request: async () => ({
      params: assertionGrant(await assertion(await strangerKey, 'es-client', { kid: esKey.kid })),
    }),
  },
  {
    name: 'an unsigned assertion (alg: none)',
    description: /must be signed with RS384 or ES384/,
    error: 'invalid_client',
    status: 401,
    request: () => {
      const now = Math.floor(Date.now() / 1000);
      return Promise.resolve({
        params: assertionGrant(
          unsignedJwt(
            { kid: esKey.kid, typ: 'JWT' },
            {
              iss: 'es-client',
              sub: 'es-client',
              aud: tokenUrl('acme'),
              exp: now + 120,
              jti: randomUUID(),
            },
          ),
        ),
      });
    },
  },
  {
    name: 'an HS256 assertion keyed with the public key as the secret',
    description: /must be signed with RS384 or ES384/,
    error: 'invalid_client',
    status: 401,
    request: async () => {
      const secret = new TextEncoder().encode(JSON.stringify(esKey.publicJwk));
      const now = Math.floor(Date.now() / 1000);
      const jwt = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', kid: esKey.kid, typ: 'JWT' })
        .setIssuer('es-client')
        .setSubject('es-client')
        .setAudience(tokenUrl('acme'))
        .setExpirationTime(now + 120)
        .setJti(randomUUID())
        .sign(secret);
      return { params: assertionGrant(jwt) };
    },
  },
  {
    name: 'an assertion that is not a JWT',
    description: /not a JWT/,
    error: 'invalid_client',
    status: 401,
    request: () => Promise.resolve({ params: assertionGrant('not-a-jwt') }),
  },
  {
    name: 'a wrong client secret',
    description: /wrong client secret/,
    error: 'invalid_client',
    status: 401,
    request: () =>
      Promise.resolve({
        params: { grant_type: 'client_credentials' },
        authorization: basic('secret-client', 'wrong'),
      }),
  },
  {
    name: 'the secret of an unknown client',
    description: /wrong client secret/,
    error: 'invalid_client',
    status: 401,
    request: () =>
      Promise.resolve({
        params: { grant_type: 'client_credentials' },
        authorization: basic('no-such-client', 's3cret'),
      }),
  },
  {
    name: 'Basic credentials that are not valid percent-encoding',
    description: /wrong client secret/,
    error: 'invalid_client',
    status: 401,
    request: () =>
      Promise.resolve({
        params: { grant_type: 'client_credentials' },
        authorization: `Basic ${Buffer.from('secret-client:%E0%A4%A').toString('base64')}`,
      }),
  },
  {
    name: 'the right secret of a disabled client',
    description: /disabled/,
    error: 'invalid_client',
    status: 401,
    request: () =>
      Promise.resolve({
        params: { grant_type: 'client_credentials' },
        authorization: basic('disabled-client', 's3cret'),
      }),
  },
  {
    name: 'a valid assertion of a disabled client',
    description: /disabled/,
    error: 'invalid_client',
    status: 401,
    request: async () => ({
      params: assertionGrant(await assertion(esKey, 'disabled-client')),
    }),
  },
  {
    name: 'no client authentication at all',
    description: /Authenticate the client/,
    error: 'invalid_client',
    status: 401,
    request: () => Promise.resolve({ params: { grant_type: 'client_credentials' } }),
  },
];

describe('refusals', () => {
  it.each(refusals)('refuses $name and audits it as refused', async (refusal) => {
    const { params, authorization } = await refusal.request();
    const id = requestId();
    const res = await tokenRequest(gw, 'acme', params, {
      requestId: id,
      ...(authorization ? { authorization } : {}),
    });
    expectOAuthError(res, refusal.error, refusal.status);
    expect((res.body as OAuthErrorBody).error_description).toMatch(refusal.description);
    if (refusal.status === 401) {
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
    expect((res.body as { access_token?: unknown }).access_token).toBeUndefined();
    expect(await auditOf(gw, 'acme', id)).toMatchObject({
      tenant: 'acme',
      action: 'E',
      outcome: 'refused',
      status: refusal.status,
    });
  });

  it('refuses a reused jti, even though the assertion is otherwise valid', async () => {
    const jwt = await assertion(esKey, 'es-client');
    tokenOf(await tokenRequest(gw, 'acme', assertionGrant(jwt)));
    const id = requestId();
    const replay = await tokenRequest(gw, 'acme', assertionGrant(jwt), { requestId: id });
    expectOAuthError(replay, 'invalid_client', 401);
    expect((replay.body as OAuthErrorBody).error_description).toMatch(/already used/);
    expect(await auditOf(gw, 'acme', id)).toMatchObject({
      interaction: 'token:client_credentials',
      outcome: 'refused',
      status: 401,
    });
    // A new assertion with the same jti is a replay too.
    const jti = decodeJwt(jwt).jti ?? '';
    const again = await tokenRequest(
      gw,
      'acme',
      assertionGrant(await assertion(esKey, 'es-client', { jti })),
    );
    expectOAuthError(again, 'invalid_client', 401);
  });

  it('refuses a body that is not form-encoded with invalid_request', async () => {
    const id = requestId();
    const res = await gw.request('POST', '/t/acme/oauth2/token', {
      body: JSON.stringify({ grant_type: 'client_credentials' }),
      headers: {
        'content-type': 'application/json',
        authorization: secretAuth.authorization,
        'x-request-id': id,
      },
      token: false,
    });
    expectOAuthError(res, 'invalid_request', 400);
    expect(await auditOf(gw, 'acme', id)).toMatchObject({ outcome: 'refused', status: 400 });
  });

  it('refuses a form body labelled as text/plain', async () => {
    const res = await gw.request('POST', '/t/acme/oauth2/token', {
      body: 'grant_type=client_credentials',
      headers: { authorization: secretAuth.authorization, 'content-type': 'text/plain' },
      token: false,
    });
    expectOAuthError(res, 'invalid_request', 400);
  });
});
