import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { acme, create, outcomeOf, patient } from './test-fixtures.js';
import { openTestGateway, type TestGateway, type TestResponse } from './testing.js';

let gw: TestGateway;
let deletedId: string;
beforeAll(async () => {
  gw = await openTestGateway();
  const p = await create(gw, patient('errors-deleted'));
  deletedId = p.id;
  expect((await gw.request('DELETE', `${acme}/Patient/${p.id}`)).status).toBe(204);
});
afterAll(async () => {
  await gw.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const unknownId = '00000000-0000-4000-8000-000000000002';

/** What every error response must look like, whatever went wrong. */
function expectOutcome(res: TestResponse, status: number, label: string): void {
  expect(res.status, label).toBe(status);
  expect(res.headers.get('content-type'), label).toBe('application/fhir+json; charset=utf-8');
  const outcome = outcomeOf(res);
  expect(outcome.resourceType, label).toBe('OperationOutcome');
  expect(outcome.issue.length, label).toBeGreaterThanOrEqual(1);
  for (const issue of outcome.issue) {
    expect(issue.severity, label).toBe('error');
    expect(typeof issue.diagnostics === 'string' && issue.diagnostics.length > 0, label).toBe(true);
  }
  expect(res.text, label).not.toMatch(/at .*\.ts:/);
  expect(res.text, label).not.toMatch(/node_modules|\/work\//);
}

describe('error responses', () => {
  const cases: [string, string, number, { body?: unknown; headers?: Record<string, string> }?][] = [
    ['GET', '/t/nope/fhir/R4/Patient', 404],
    ['GET', '/t/nope/fhir/R4/metadata', 404],
    ['POST', '/t/nope/fhir/R4/Patient', 404, { body: patient('x') }],
    ['GET', '/nowhere', 404],
    ['GET', '/t/acme/fhir/R3/Patient', 404],
    ['GET', `${acme}/Patient/${unknownId}/_history/1/extra`, 404],
    ['GET', `${acme}/Spaceship`, 404],
    ['GET', `${acme}/Patient/not-a-uuid`, 404],
    ['GET', `${acme}/Patient/${unknownId}`, 404],
    ['GET', `${acme}/Patient/${unknownId}/_history/x`, 404],
    ['GET', `${acme}/Patient/{deleted}`, 410],
    ['GET', `${acme}/Patient?colour=blue`, 400],
    ['GET', `${acme}/Patient?_count=-1`, 400],
    ['GET', `${acme}/Patient?_sort=gender`, 400],
    ['GET', `${acme}/Patient?birthdate=yesterday`, 400],
    ['POST', `${acme}/Patient`, 400, { body: '{not json' }],
    [
      'POST',
      `${acme}/Patient`,
      400,
      { body: '', headers: { 'content-type': 'application/fhir+json' } },
    ],
    ['POST', `${acme}/Patient`, 400, { body: { resourceType: 'Practitioner' } }],
    ['POST', `${acme}/Patient`, 400, { body: [1, 2] }],
    ['POST', `${acme}/Patient`, 415, { body: 'x', headers: { 'content-type': 'text/plain' } }],
    [
      'PUT',
      `${acme}/Patient/${unknownId}`,
      400,
      { body: patient('x'), headers: { 'if-match': 'soon' } },
    ],
    ['DELETE', `${acme}/Patient`, 405],
    ['POST', `${acme}/metadata`, 405],
    ['GET', acme, 405],
    ['POST', acme, 400, { body: { resourceType: 'Bundle', type: 'collection' } }],
  ];

  it.each(cases)('%s %s answers %i as an OperationOutcome', async (method, path, status, init) => {
    const res = await gw.request(method, path.replace('{deleted}', deletedId), init);
    expectOutcome(res, status, `${method} ${path}`);
  });

  it('says which tenant is unknown', async () => {
    const res = await gw.request('GET', '/t/nope/fhir/R4/Patient');
    expect(outcomeOf(res).issue[0]?.diagnostics).toBe('There is no tenant "nope"');
    expect(outcomeOf(res).issue[0]?.code).toBe('not-found');
  });

  it('answers an unexpected failure with a generic 500 naming the request id', async () => {
    const err = new Error('secret detail');
    vi.spyOn(gw.engine, 'read').mockRejectedValueOnce(err);
    const res = await gw.request('GET', `${acme}/Patient/${unknownId}`, {
      headers: { 'x-request-id': 'req-errors-0001' },
    });
    expectOutcome(res, 500, 'unexpected');
    expect(res.headers.get('x-request-id')).toBe('req-errors-0001');
    expect(outcomeOf(res).issue[0]?.diagnostics).toBe(
      'Internal error; quote request id req-errors-0001 when reporting it',
    );
    expect(res.text).not.toContain('secret detail');
  });

  it('answers a storage outage with 503 and Retry-After', async () => {
    const outage = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    vi.spyOn(gw.engine, 'search').mockRejectedValueOnce(outage);
    const res = await gw.request('GET', `${acme}/Patient`);
    expectOutcome(res, 503, 'outage');
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.text).not.toContain('10.0.0.1');
  });
});

describe('health and metadata', () => {
  it('answers /healthz and /readyz with 200', async () => {
    const health = await gw.request('GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const ready = await gw.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 503 when storage does not answer', async () => {
    vi.spyOn(gw.backend.resources, 'ready').mockResolvedValueOnce(false);
    expectOutcome(await gw.request('GET', '/readyz'), 503, 'readyz');
  });

  it('serves a CapabilityStatement listing the 12 served types and the audit trail', async () => {
    const res = await gw.request('GET', `${acme}/metadata`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    const cs = res.body as {
      resourceType: string;
      fhirVersion: string;
      implementation: { url: string };
      rest: { mode: string; resource: { type: string; interaction: { code: string }[] }[] }[];
    };
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.implementation.url).toBe(`http://gateway.test${acme}`);
    expect(cs.rest).toHaveLength(1);
    const types = cs.rest[0]?.resource.map((r) => r.type);
    expect(types).toEqual([
      'Patient',
      'Practitioner',
      'PractitionerRole',
      'Organization',
      'Location',
      'HealthcareService',
      'CareTeam',
      'Schedule',
      'Slot',
      'Appointment',
      'Communication',
      'DocumentReference',
      'AuditEvent',
    ]);
    for (const r of cs.rest[0]?.resource ?? []) {
      expect(r.interaction.map((i) => i.code)).toContain('search-type');
    }
  });
});
