import { randomUUID } from 'node:crypto';
import { formatScopes, roleScopes } from '@swiftacare/identity';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acme, create, patient } from '../test-fixtures.js';
import { openTestGateway, type TestGateway, type TestResponse } from '../testing.js';
import {
  auditOf,
  createUser,
  expectOAuthError,
  login,
  postForm,
  requestId,
  setUserActive,
  tokenOf,
  tokenRequest,
  type OAuthErrorBody,
  type TestUser,
} from './oauth-test-support.js';

let gw: TestGateway;
let patientId: string;

beforeAll(async () => {
  gw = await openTestGateway();
  patientId = (await create(gw, patient('LOGIN-1'))).id;
});

afterAll(async () => {
  await gw.close();
});

/** One sign-in attempt, with its own request id. */
function attempt(email: string, password: string, id = requestId()): Promise<TestResponse> {
  return gw.request('POST', '/t/acme/auth/login', {
    body: { email, password },
    headers: { 'content-type': 'application/json', 'x-request-id': id },
    token: false,
  });
}

function refresh(refreshToken: string, tenant = 'acme'): Promise<TestResponse> {
  return tokenRequest(gw, tenant, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

/** A refresh token of a fresh sign-in of the user. */
async function refreshTokenOf(user: TestUser): Promise<string> {
  const { refresh_token: token } = await login(gw, 'acme', user);
  expect(typeof token).toBe('string');
  return token ?? '';
}

describe('login', () => {
  it("signs a user in with a token of their role's scopes", async () => {
    const user = await createUser(gw, 'acme', 'institution-staff');
    const res = await attempt(user.email, user.password);
    const token = tokenOf(res);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(token.token_type).toBe('Bearer');
    expect(token.expires_in).toBeGreaterThan(0);
    expect(token.expires_in).toBeLessThanOrEqual(900);
    expect(token.scope).toBe(formatScopes(roleScopes('institution-staff')));
    expect(typeof token.refresh_token).toBe('string');
    const claims = decodeJwt(token.access_token);
    expect(claims).toMatchObject({ sub: user.id, role: 'institution-staff', scope: token.scope });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeLessThanOrEqual(900);

    const read = await gw.request('GET', `${acme}/Patient/${patientId}`, {
      token: token.access_token,
    });
    expect(read.status, read.text).toBe(200);
    // Staff schedule; they never reach clinical content.
    const notes = await gw.request('GET', `${acme}/Communication`, { token: token.access_token });
    expect(notes.status, notes.text).toBe(403);
  });

  it('takes the email in any letter case', async () => {
    const user = await createUser(gw, 'acme', 'patient');
    tokenOf(await attempt(user.email.toUpperCase(), user.password));
  });

  it('answers a wrong password and an unknown email alike: 401 invalid_grant', async () => {
    const user = await createUser(gw, 'acme', 'practitioner');
    const wrong = await attempt(user.email, 'not the password');
    const unknown = await attempt('nobody@example.test', user.password);
    for (const res of [wrong, unknown]) {
      expect(res.status, res.text).toBe(401);
      expect((res.body as OAuthErrorBody).error).toBe('invalid_grant');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    expect(unknown.body).toEqual(wrong.body);
  });

  it('refuses a deactivated user and one without a password the same way', async () => {
    const inactive = await createUser(gw, 'acme', 'practitioner', { active: false });
    const reference = await attempt('nobody@example.test', 'x');
    const res = await attempt(inactive.email, inactive.password);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(reference.body);

    const id = randomUUID();
    await gw.backend.identities.createUser('acme', {
      id,
      email: `sso-${id}@example.test`,
      role: 'practitioner',
      identifiers: [],
      active: true,
    });
    const sso = await attempt(`sso-${id}@example.test`, '');
    expect(sso.status).toBe(401);
    expect(sso.body).toEqual(reference.body);
  });

  it('refuses a body without email and password as invalid_request', async () => {
    const res = await gw.request('POST', '/t/acme/auth/login', {
      body: { email: 'x@example.test' },
      headers: { 'content-type': 'application/json' },
      token: false,
    });
    expect(res.status, res.text).toBe(400);
    expect((res.body as OAuthErrorBody).error).toBe('invalid_request');
  });

  it('throttles an account after 10 failures: 429 with Retry-After, even for the right password', async () => {
    const user = await createUser(gw, 'acme', 'institution-admin');
    for (let i = 0; i < 10; i += 1) {
      const res = await attempt(user.email, `wrong-${i}`);
      expect(res.status, res.text).toBe(401);
    }
    const id = requestId();
    const throttled = await attempt(user.email, user.password, id);
    expect(throttled.status, throttled.text).toBe(429);
    const retryAfter = Number(throttled.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter > 0).toBe(true);
    expect(throttled.text).not.toContain('access_token');
    // The same account in other letter case is the same account.
    expect((await attempt(user.email.toUpperCase(), user.password)).status).toBe(429);
    // The throttled attempt is audited too.
    expect(await auditOf(gw, 'acme', id)).toMatchObject({
      interaction: 'login',
      outcome: 'refused',
      status: 429,
    });
    // Other accounts are not affected.
    const someoneElse = await createUser(gw, 'acme', 'institution-admin');
    tokenOf(await attempt(someoneElse.email, someoneElse.password));
  });

  it('audits every attempt as a login, successful or not', async () => {
    const user = await createUser(gw, 'acme', 'patient');
    const cases: {
      id: string;
      password: string;
      email: string;
      outcome: string;
      status: number;
    }[] = [
      {
        id: requestId(),
        email: user.email,
        password: user.password,
        outcome: 'success',
        status: 200,
      },
      { id: requestId(), email: user.email, password: 'wrong', outcome: 'refused', status: 401 },
      {
        id: requestId(),
        email: 'ghost@example.test',
        password: 'x',
        outcome: 'refused',
        status: 401,
      },
    ];
    for (const c of cases) {
      expect((await attempt(c.email, c.password, c.id)).status).toBe(c.status);
      const record = await auditOf(gw, 'acme', c.id);
      expect(record).toMatchObject({
        tenant: 'acme',
        action: 'E',
        interaction: 'login',
        outcome: c.outcome,
        status: c.status,
      });
      // The user is named once signed in; a refusal names nobody, known email or not.
      expect(record.who).toEqual(c.status === 200 ? { user: user.id, role: 'patient' } : {});
    }
    const malformed = requestId();
    const res = await gw.request('POST', '/t/acme/auth/login', {
      body: { email: 42 },
      headers: { 'content-type': 'application/json', 'x-request-id': malformed },
      token: false,
    });
    expect(res.status).toBe(400);
    expect(await auditOf(gw, 'acme', malformed)).toMatchObject({
      interaction: 'login',
      outcome: 'refused',
      status: 400,
    });
  });
});

describe('refresh tokens', () => {
  it('rotates: a new refresh token each time, and the spent one is refused', async () => {
    const user = await createUser(gw, 'acme', 'practitioner');
    const first = await refreshTokenOf(user);
    const renewed = tokenOf(await refresh(first));
    expect(renewed.refresh_token).toBeDefined();
    expect(renewed.refresh_token).not.toBe(first);
    expect(renewed.scope).toBe(formatScopes(roleScopes('practitioner')));
    expect(renewed.expires_in).toBeLessThanOrEqual(900);
    expect(decodeJwt(renewed.access_token).sub).toBe(user.id);
    const read = await gw.request('GET', `${acme}/Practitioner`, {
      token: renewed.access_token,
    });
    expect(read.status, read.text).toBe(200);
    expectOAuthError(await refresh(first), 'invalid_grant', 400);
  });

  it('revokes the whole family when a spent refresh token comes back', async () => {
    const user = await createUser(gw, 'acme', 'practitioner');
    const first = await refreshTokenOf(user);
    const second = tokenOf(await refresh(first)).refresh_token ?? '';
    const newest = tokenOf(await refresh(second)).refresh_token ?? '';
    // Another sign-in of the same user is another family, and is left alone.
    const otherSession = await refreshTokenOf(user);

    const reuse = await refresh(first);
    expectOAuthError(reuse, 'invalid_grant', 400);
    expect((reuse.body as OAuthErrorBody).error_description).toMatch(/revoked/);
    expectOAuthError(await refresh(newest), 'invalid_grant', 400);
    tokenOf(await refresh(otherSession));
  });

  it('ends the family when a refresh token is revoked', async () => {
    const user = await createUser(gw, 'acme', 'practitioner');
    const current = await refreshTokenOf(user);
    const revoked = await postForm(gw, '/t/acme/oauth2/revoke', { token: current });
    expect(revoked.status, revoked.text).toBe(200);
    expectOAuthError(await refresh(current), 'invalid_grant', 400);

    // Revoking a spent member ends its newer siblings too.
    const spent = await refreshTokenOf(user);
    const live = tokenOf(await refresh(spent)).refresh_token ?? '';
    expect((await postForm(gw, '/t/acme/oauth2/revoke', { token: spent })).status).toBe(200);
    expectOAuthError(await refresh(live), 'invalid_grant', 400);
  });

  it('ends the access tokens of a sign-in when its refresh token is revoked', async () => {
    const user = await createUser(gw, 'acme', 'practitioner');
    const session = await login(gw, 'acme', user);
    const renewed = tokenOf(await refresh(session.refresh_token ?? ''));
    const other = await login(gw, 'acme', user);
    const read = (token: string): ReturnType<TestGateway['request']> =>
      gw.request('GET', `${acme}/Practitioner`, { token });
    for (const token of [session.access_token, renewed.access_token, other.access_token]) {
      expect((await read(token)).status).toBe(200);
    }
    const revoked = await postForm(gw, '/t/acme/oauth2/revoke', {
      token: renewed.refresh_token ?? '',
    });
    expect(revoked.status, revoked.text).toBe(200);
    for (const token of [session.access_token, renewed.access_token]) {
      const res = await read(token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('sign-in this token belongs to');
    }
    // Another sign-in of the same user is another session.
    expect((await read(other.access_token)).status).toBe(200);
  });

  it('ends the access tokens of a sign-in when a spent refresh token comes back', async () => {
    const user = await createUser(gw, 'acme', 'practitioner');
    const session = await login(gw, 'acme', user);
    const renewed = tokenOf(await refresh(session.refresh_token ?? ''));
    expectOAuthError(await refresh(session.refresh_token ?? ''), 'invalid_grant', 400);
    const res = await gw.request('GET', `${acme}/Practitioner`, { token: renewed.access_token });
    expect(res.status).toBe(401);
  });

  it('refuses a refresh token of tenant A at tenant B, and leaves it usable at A', async () => {
    const user = await createUser(gw, 'acme', 'practitioner');
    const token = await refreshTokenOf(user);
    expectOAuthError(await refresh(token, 'other'), 'invalid_grant', 400);
    tokenOf(await refresh(token, 'acme'));
  });

  it('refuses a refresh token of a user deactivated since', async () => {
    const user = await createUser(gw, 'acme', 'practitioner');
    const token = await refreshTokenOf(user);
    await setUserActive(gw, 'acme', user.id, false);
    expectOAuthError(await refresh(token), 'invalid_grant', 400);
  });

  it('refuses an unknown or missing refresh token', async () => {
    expectOAuthError(await refresh('not-a-refresh-token'), 'invalid_grant', 400);
    expectOAuthError(
      await tokenRequest(gw, 'acme', { grant_type: 'refresh_token' }),
      'invalid_grant',
      400,
    );
  });
});
