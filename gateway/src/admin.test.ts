import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestGateway, type TestGateway } from './testing.js';

let gw: TestGateway;
let admin: string;
let operator: string;
let staff: string;

beforeAll(async () => {
  gw = await openTestGateway(['acme', 'other']);
  admin = await gw.token({ tenant: 'acme', role: 'institution-admin' });
  operator = await gw.token({ tenant: 'acme', role: 'platform-operator' });
  staff = await gw.token({ tenant: 'acme', role: 'institution-staff' });
});

afterAll(async () => {
  await gw.close();
});

describe('institution administration', () => {
  it('lets an admin register a client, shows its secret once, and lists clients without secrets', async () => {
    const created = await gw.request('POST', '/t/acme/admin/clients', {
      token: admin,
      body: { clientId: 'lab', name: 'Lab system', scope: 'system/Appointment.rs' },
      headers: { 'content-type': 'application/json' },
    });
    expect(created.status).toBe(201);
    const { clientSecret } = created.body as { clientSecret: string };
    expect(clientSecret.length).toBeGreaterThan(30);
    const token = await gw.app.request('http://gateway.test/t/acme/oauth2/token', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`lab:${clientSecret}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });
    expect(token.status).toBe(200);
    const list = await gw.request('GET', '/t/acme/admin/clients', { token: admin });
    expect(list.status).toBe(200);
    expect(list.text).toContain('"lab"');
    expect(list.text).not.toContain(clientSecret);
    expect(list.text).not.toMatch(/secret/i);
  });

  it('refuses a client with user scopes and a duplicate client id', async () => {
    const headers = { 'content-type': 'application/json' };
    const bad = await gw.request('POST', '/t/acme/admin/clients', {
      token: admin,
      headers,
      body: { clientId: 'x', scope: 'user/*.cruds' },
    });
    expect(bad.status).toBe(400);
    const dup = await gw.request('POST', '/t/acme/admin/clients', {
      token: admin,
      headers,
      body: { clientId: 'lab', scope: 'system/*.rs' },
    });
    expect(dup.status).toBe(409);
  });

  it('creates users who can sign in, and never lists their password hashes', async () => {
    const created = await gw.request('POST', '/t/acme/admin/users', {
      token: admin,
      headers: { 'content-type': 'application/json' },
      body: { email: 'new.therapist@acme.test', role: 'practitioner', password: 'long pass' },
    });
    expect(created.status).toBe(201);
    const login = await gw.app.request('http://gateway.test/t/acme/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'new.therapist@acme.test', password: 'long pass' }),
    });
    expect(login.status).toBe(200);
    const list = await gw.request('GET', '/t/acme/admin/users', { token: admin });
    expect(list.text).toContain('new.therapist@acme.test');
    expect(list.text).not.toContain('scrypt$');
  });

  it('refuses staff, operators, other tenants and the unauthenticated', async () => {
    expect((await gw.request('GET', '/t/acme/admin/users', { token: staff })).status).toBe(403);
    expect((await gw.request('GET', '/t/acme/admin/users', { token: operator })).status).toBe(403);
    const otherAdmin = await gw.token({ tenant: 'other', role: 'institution-admin' });
    expect((await gw.request('GET', '/t/acme/admin/users', { token: otherAdmin })).status).toBe(
      401,
    );
    expect((await gw.request('GET', '/t/acme/admin/users', { token: false })).status).toBe(401);
  });
});

describe('tenant administration', () => {
  it('lets a platform operator list and create tenants, and nobody else', async () => {
    const created = await gw.request('POST', '/admin/tenants', {
      token: operator,
      headers: { 'content-type': 'application/json' },
      body: { id: 'newclinic', name: 'New Clinic' },
    });
    expect(created.status).toBe(201);
    const list = await gw.request('GET', '/admin/tenants', { token: operator });
    expect((list.body as { id: string }[]).map((t) => t.id)).toEqual([
      'acme',
      'newclinic',
      'other',
    ]);
    expect((await gw.request('GET', '/admin/tenants', { token: admin })).status).toBe(403);
    expect((await gw.request('GET', '/admin/tenants', { token: false })).status).toBe(401);
    expect((await gw.request('GET', '/admin/tenants', { token: 'garbage' })).status).toBe(401);
  });

  it('gives an operator no health data', async () => {
    expect((await gw.request('GET', '/t/acme/fhir/R4/Patient', { token: operator })).status).toBe(
      403,
    );
  });

  it('audits administration, refusals included', async () => {
    const records = await gw.backend.audit.search('acme', { count: 100 });
    const interactions = records.map((r) => r.record.interaction);
    expect(interactions).toContain('admin:client-create');
    expect(interactions).toContain('admin:tenant-create');
    expect(
      records.some((r) => r.record.interaction === 'admin:users' && r.record.outcome === 'refused'),
    ).toBe(true);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After and RateLimit fields past the limit', async () => {
    const limited = await openTestGateway(['acme'], { rateLimit: 3 });
    try {
      const token = await limited.token({ tenant: 'acme', role: 'institution-admin' });
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 4; i++) {
        last = await limited.request('GET', '/t/acme/fhir/R4/Patient', { token });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(last?.headers.get('ratelimit-limit')).toBe('3');
      expect(last?.headers.get('ratelimit-remaining')).toBe('0');
      expect((last?.body as { resourceType: string }).resourceType).toBe('OperationOutcome');
      // Another caller has a window of its own.
      const other = await limited.token({ tenant: 'acme', role: 'institution-staff' });
      expect((await limited.request('GET', '/t/acme/fhir/R4/Slot', { token: other })).status).toBe(
        200,
      );
    } finally {
      await limited.close();
    }
  });
});
