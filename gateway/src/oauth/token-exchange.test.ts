import {
  formatScopes,
  intersectScopes,
  parseScopes,
  roleScopes,
  secretHash,
} from '@swiftacare/identity';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acme, appointment, create, patient, practitioner } from '../test-fixtures.js';
import { openTestGateway, type TestGateway } from '../testing.js';
import {
  assertion,
  auditOf,
  basic,
  clientKey,
  createUser,
  exchangeGrant,
  expectOAuthError,
  jwtBearer,
  postForm,
  requestId,
  tokenOf,
  tokenRequest,
  userIdentifierType,
  type ClientKey,
  type TestUser,
} from './oauth-test-support.js';

const staffId = 'urn:hospital:staff|T-100';

let gw: TestGateway;
let therapist: TestUser;
let ownPatient: string;
let othersPatient: string;
let jwtKey: ClientKey;

beforeAll(async () => {
  gw = await openTestGateway();
  const ids = gw.backend.identities;
  jwtKey = await clientKey('ES384');
  for (const [clientId, scope] of [
    ['integration', 'system/*.cruds'],
    ['booking', 'system/Appointment.rs'],
  ] as const) {
    await ids.createClient('acme', {
      clientId,
      name: clientId,
      secretHash: secretHash('s'),
      scope,
      active: true,
    });
  }
  await ids.createClient('acme', {
    clientId: 'signed-integration',
    name: 'Signed integration',
    jwks: { keys: [jwtKey.publicJwk] },
    scope: 'system/*.cruds',
    active: true,
  });
  await ids.createClient('other', {
    clientId: 'integration',
    name: 'integration',
    secretHash: secretHash('s'),
    scope: 'system/*.cruds',
    active: true,
  });

  const own = (await create(gw, practitioner('Own'))).id;
  const colleague = (await create(gw, practitioner('Colleague'))).id;
  ownPatient = (
    await create(
      gw,
      patient('EX-1', { generalPractitioner: [{ reference: `Practitioner/${own}` }] }),
    )
  ).id;
  othersPatient = (
    await create(
      gw,
      patient('EX-2', { generalPractitioner: [{ reference: `Practitioner/${colleague}` }] }),
    )
  ).id;
  await create(gw, appointment('2030-01-07T09:00:00Z', ownPatient, own));
  await create(gw, appointment('2030-01-07T10:00:00Z', othersPatient, colleague));
  therapist = await createUser(gw, 'acme', 'practitioner', {
    fhirUser: `Practitioner/${own}`,
    identifiers: ['urn:x|123', staffId],
  });
});

afterAll(async () => {
  await gw.close();
});

/** A token exchange for the therapist; `authorization: ''` sends no Authorization header. */
function exchange(
  params: Record<string, string>,
  authorization: string = basic('integration', 's'),
  tenant = 'acme',
  id?: string,
): ReturnType<TestGateway['request']> {
  return tokenRequest(
    gw,
    tenant,
    {
      grant_type: exchangeGrant,
      subject_token_type: userIdentifierType,
      subject_token: staffId,
      ...params,
    },
    { ...(authorization === '' ? {} : { authorization }), ...(id ? { requestId: id } : {}) },
  );
}

describe('token exchange for a user identified by their institution', () => {
  it('issues a token for the user, acted on by the client, within the role', async () => {
    const id = requestId();
    const res = await exchange({}, undefined, 'acme', id);
    const token = tokenOf(res);
    expect(token.issued_token_type).toBe('urn:ietf:params:oauth:token-type:access_token');
    expect(token.token_type).toBe('Bearer');
    expect(token.expires_in).toBeGreaterThan(0);
    expect(token.expires_in).toBeLessThanOrEqual(300);
    expect(token.refresh_token).toBeUndefined();

    const claims = decodeJwt(token.access_token);
    expect(claims.sub).toBe(therapist.id);
    expect(claims.act).toEqual({ sub: 'integration' });
    expect(claims).toMatchObject({ role: 'practitioner', tenant: 'acme', scope: token.scope });

    // The intersection: no system scope survives, nothing beyond the practitioner role.
    const granted = parseScopes(token.scope).scopes;
    expect(granted.length).toBeGreaterThan(0);
    expect(granted.every((s) => s.context !== 'system')).toBe(true);
    expect(formatScopes(intersectScopes(granted, roleScopes('practitioner')))).toBe(token.scope);
    expect(token.scope).toBe('user/*.cruds');

    expect(await auditOf(gw, 'acme', id)).toMatchObject({
      interaction: `token:${exchangeGrant}`,
      outcome: 'success',
      who: { client: 'integration' },
    });
  });

  it('is narrowed to the practitioner’s compartment', async () => {
    const { access_token: token } = tokenOf(await exchange({}));
    const own = await gw.request('GET', `${acme}/Patient/${ownPatient}`, { token });
    expect(own.status, own.text).toBe(200);
    const others = await gw.request('GET', `${acme}/Patient/${othersPatient}`, { token });
    expect(others.status, others.text).toBe(404);
    const found = await gw.request('GET', `${acme}/Patient`, { token });
    expect(found.status).toBe(200);
    const ids = ((found.body as { entry?: { resource: { id: string } }[] }).entry ?? []).map(
      (e) => e.resource.id,
    );
    expect(ids).toEqual([ownPatient]);
    // The client's own token, by contrast, reaches the whole institution.
    const system = tokenOf(
      await tokenRequest(
        gw,
        'acme',
        { grant_type: 'client_credentials' },
        { authorization: basic('integration', 's') },
      ),
    );
    expect(
      (await gw.request('GET', `${acme}/Patient/${othersPatient}`, { token: system.access_token }))
        .status,
    ).toBe(200);
  });

  it('grants no more than the client has: system/Appointment.rs gives Appointment reads only', async () => {
    const token = tokenOf(await exchange({}, basic('booking', 's')));
    expect(token.scope).toBe('user/Appointment.rs');
    expect(decodeJwt(token.access_token).act).toEqual({ sub: 'booking' });
    const read = await gw.request('GET', `${acme}/Patient/${ownPatient}`, {
      token: token.access_token,
    });
    expect(read.status, read.text).toBe(403);
    const write = await gw.request('POST', `${acme}/Appointment`, {
      body: appointment('2030-02-01T09:00:00Z', ownPatient),
      token: token.access_token,
    });
    expect(write.status, write.text).toBe(403);
    const appointments = await gw.request('GET', `${acme}/Appointment`, {
      token: token.access_token,
    });
    expect(appointments.status, appointments.text).toBe(200);
    expect((appointments.body as { entry?: unknown[] }).entry).toHaveLength(1);
  });

  it('grants no more than a narrower role has', async () => {
    await createUser(gw, 'acme', 'institution-staff', {
      identifiers: ['urn:hospital:staff|T-200'],
    });
    const token = tokenOf(await exchange({ subject_token: 'urn:hospital:staff|T-200' }));
    expect(token.scope).toBe(formatScopes(roleScopes('institution-staff')));
    const notes = await gw.request('GET', `${acme}/Communication`, { token: token.access_token });
    expect(notes.status, notes.text).toBe(403);
    // Staff schedule for the whole institution, so every patient's demographics are readable.
    const read = await gw.request('GET', `${acme}/Patient/${othersPatient}`, {
      token: token.access_token,
    });
    expect(read.status, read.text).toBe(200);
  });

  it('takes a client authenticated by assertion too', async () => {
    const token = tokenOf(
      await exchange(
        {
          client_assertion_type: jwtBearer,
          client_assertion: await assertion(jwtKey, 'signed-integration'),
        },
        '',
      ),
    );
    expect(decodeJwt(token.access_token)).toMatchObject({
      sub: therapist.id,
      act: { sub: 'signed-integration' },
    });
  });

  it('is described by introspection with its actor', async () => {
    const { access_token: token } = tokenOf(await exchange({}));
    const res = await postForm(
      gw,
      '/t/acme/oauth2/introspect',
      { token },
      {
        token: await gw.token({ tenant: 'acme', role: 'institution-admin' }),
      },
    );
    expect(res.body).toMatchObject({
      active: true,
      sub: therapist.id,
      role: 'practitioner',
      act: { sub: 'integration' },
    });
  });
});

describe('token exchange refusals', () => {
  it('refuses an identifier no active user has with invalid_grant', async () => {
    const inactive = 'urn:hospital:staff|T-300';
    await createUser(gw, 'acme', 'practitioner', { identifiers: [inactive], active: false });
    for (const subject of [
      'urn:hospital:staff|T-999',
      'urn:hospital:staff|',
      'T-100',
      '',
      inactive,
      // The value alone, under another system, is someone else.
      'urn:other:staff|T-100',
    ]) {
      const id = requestId();
      const res = await exchange({ subject_token: subject }, undefined, 'acme', id);
      expectOAuthError(res, 'invalid_grant', 400);
      expect(await auditOf(gw, 'acme', id)).toMatchObject({ outcome: 'refused', status: 400 });
    }
  });

  it("refuses another tenant's user", async () => {
    expectOAuthError(await exchange({}, basic('integration', 's'), 'other'), 'invalid_grant', 400);
  });

  it('refuses a wrong subject_token_type with invalid_request', async () => {
    for (const type of ['urn:ietf:params:oauth:token-type:access_token', '']) {
      expectOAuthError(await exchange({ subject_token_type: type }), 'invalid_request', 400);
    }
  });

  it('refuses an unauthenticated exchange with invalid_client', async () => {
    for (const authorization of [undefined, basic('integration', 'wrong')]) {
      const id = requestId();
      const res = await tokenRequest(
        gw,
        'acme',
        {
          grant_type: exchangeGrant,
          subject_token_type: userIdentifierType,
          subject_token: staffId,
        },
        { ...(authorization ? { authorization } : {}), requestId: id },
      );
      expectOAuthError(res, 'invalid_client', 401);
      expect(await auditOf(gw, 'acme', id)).toMatchObject({ outcome: 'refused', status: 401 });
    }
  });

  it('refuses a user whose role shares no permission with the client', async () => {
    await createUser(gw, 'acme', 'platform-operator', {
      identifiers: ['urn:hospital:staff|OPS-1'],
    });
    expectOAuthError(
      await exchange({ subject_token: 'urn:hospital:staff|OPS-1' }),
      'invalid_scope',
      400,
    );
  });
});
