import { openTestGateway, type TestGateway } from '@swiftacare/gateway/testing';
import { signAccessToken } from '@swiftacare/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminRead,
  assertNoLeak,
  buildWorld,
  countOf,
  outcomeOf,
  principalOf,
  principals,
  type World,
} from './world.js';

// No FHIR interaction answers without a valid token of the tenant in the path: no header, a
// malformed one, an expired token, a token of tenant `other` (any role), a token signed with
// `other`'s key but claiming acme. Each is a 401 with an OperationOutcome and RFC 6750's
// WWW-Authenticate, reveals nothing of acme, and changes nothing.

let gw: TestGateway;
let acme: World;
let other: World;
let acmeSecrets: string[];

beforeAll(async () => {
  gw = await openTestGateway(['acme', 'other']);
  acme = await buildWorld(gw, 'acme');
  other = await buildWorld(gw, 'other');
  const n = acme.names;
  acmeSecrets = [...acme.ids, n.T, n.U, n.P, n.Q, n.pIdentifier, n.qIdentifier, n.pNote, n.qNote];
});
afterAll(async () => {
  await gw.close();
});

/** How a request is (not) authenticated, and the RFC 6750 error code it must get. */
interface Credential {
  label: string;
  authorization: () => Promise<string | undefined>;
  error: 'invalid_request' | 'invalid_token';
}

const bearer = async (token: Promise<string>): Promise<string> => `Bearer ${await token}`;

const credentials: Credential[] = [
  {
    label: 'no Authorization header',
    authorization: () => Promise.resolve(undefined),
    error: 'invalid_request',
  },
  {
    label: 'Basic credentials',
    authorization: () => Promise.resolve('Basic dXNlcjpwYXNz'),
    error: 'invalid_request',
  },
  {
    label: '"Bearer" without a token',
    authorization: () => Promise.resolve('Bearer'),
    error: 'invalid_request',
  },
  {
    label: 'a token with a space in it',
    authorization: () => Promise.resolve('Bearer abc def'),
    error: 'invalid_request',
  },
  // The scheme alone is case-insensitive (a lower-case "bearer" is accepted, see
  // gateway/src/oauth/tokens.test.ts); a scheme that is not Bearer at all is refused.
  {
    label: 'a valid admin token under another scheme ("Bearr")',
    authorization: async () =>
      `Bearr ${await gw.token({ tenant: 'acme', role: 'institution-admin' })}`,
    error: 'invalid_request',
  },
  {
    label: 'a token that is not a JWT',
    authorization: () => Promise.resolve('Bearer not.a.jwt'),
    error: 'invalid_token',
  },
  {
    label: 'an expired admin token (ttl -60)',
    authorization: () => bearer(gw.token({ tenant: 'acme', role: 'institution-admin', ttl: -60 })),
    error: 'invalid_token',
  },
  {
    label: 'an expired practitioner token (ttl -60)',
    authorization: () =>
      bearer(
        gw.token({
          tenant: 'acme',
          role: 'practitioner',
          fhirUser: `Practitioner/${acme.refs.T}`,
          ttl: -60,
        }),
      ),
    error: 'invalid_token',
  },
  ...principals.map((who): Credential => ({
    label: `a token of tenant other (${who})`,
    authorization: () => bearer(gw.token(principalOf(who, other))),
    error: 'invalid_token',
  })),
  {
    label: "an acme admin token signed with other's key",
    authorization: async () => {
      const key = await gw.services.keys.active('other');
      const origin = 'http://gateway.test';
      return `Bearer ${await signAccessToken(
        key.privateJwk,
        {
          iss: `${origin}/t/acme`,
          aud: `${origin}/t/acme/fhir/R4`,
          sub: 'forged-admin',
          tenant: 'acme',
          role: 'institution-admin',
          scope: 'user/*.cruds',
        },
        300,
      )}`;
    },
    error: 'invalid_token',
  },
];

/** Every kind of FHIR interaction, as one request each. */
function endpoints(): [label: string, method: string, path: string, body?: unknown][] {
  const base = acme.base;
  const p = acme.records.Patient.in;
  return [
    ['read', 'GET', `${base}/Patient/${p.id}`],
    ['vread', 'GET', `${base}/Patient/${p.id}/_history/1`],
    ['history-instance', 'GET', `${base}/Patient/${p.id}/_history`],
    ['history-type', 'GET', `${base}/Patient/_history`],
    ['search', 'GET', `${base}/Patient?identifier=${acme.names.pIdentifier}`],
    ['search count', 'GET', `${base}/Communication?_summary=count`],
    ['create', 'POST', `${base}/Patient`, { resourceType: 'Patient', name: [{ family: 'New' }] }],
    ['update', 'PUT', `${base}/Patient/${p.id}`, { ...p, active: false }],
    ['delete', 'DELETE', `${base}/Patient/${p.id}`],
    [
      'batch',
      'POST',
      base,
      {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ request: { method: 'GET', url: 'Patient' } }],
      },
    ],
    [
      'transaction',
      'POST',
      base,
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient' } },
        ],
      },
    ],
  ];
}

describe.each(credentials)('$label', (credential) => {
  it('is refused with 401 on every interaction, revealing and changing nothing', async () => {
    const authorization = await credential.authorization();
    const patients = await countOf(gw, acme.base, 'Patient');
    for (const [label, method, path, body] of endpoints()) {
      const res = await gw.request(method, path, {
        token: false,
        ...(authorization === undefined ? {} : { headers: { authorization } }),
        ...(body === undefined ? {} : { body }),
      });
      expect(res.status, `${label}: ${res.text}`).toBe(401);
      expect(outcomeOf(res).resourceType).toBe('OperationOutcome');
      expect(outcomeOf(res).issue[0]?.code).toBe('login');
      const challenge = res.headers.get('www-authenticate') ?? '';
      expect(challenge).toMatch(/^Bearer realm="swiftacare", error="[a-z_]+"/);
      expect(challenge).toContain(`error="${credential.error}"`);
      assertNoLeak(res.text, acmeSecrets, `${path} ${JSON.stringify(body ?? '')}`);
    }
    expect(await countOf(gw, acme.base, 'Patient')).toBe(patients);
    const p = await adminRead(gw, acme.base, 'Patient', acme.records.Patient.in.id);
    expect(p.status).toBe(200);
    expect(p.resource).toEqual(acme.records.Patient.in);
  });
});

describe('the other way round', () => {
  it.each(principals)("an acme token (%s) on other's base is a 401", async (who) => {
    const token = await gw.token(principalOf(who, acme));
    for (const path of [
      `${other.base}/Patient/${other.records.Patient.in.id}`,
      `${other.base}/Practitioner`,
    ]) {
      const res = await gw.request('GET', path, { token });
      expect(res.status, res.text).toBe(401);
      assertNoLeak(res.text, [...other.ids, other.names.P, other.names.T], path);
    }
  });

  it("the same token is still good on its own tenant's base", async () => {
    const token = await gw.token(principalOf('practitioner', other));
    const res = await gw.request('GET', `${other.base}/Patient`, { token });
    expect(res.status, res.text).toBe(200);
  });
});
