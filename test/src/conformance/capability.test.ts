import { openTestGateway, type TestGateway } from '@swiftacare/gateway/testing';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let gw: TestGateway;
let capability: CapabilityStatement;
const base = '/t/acme/fhir/R4';

/** A minimal valid resource of each served type, to exercise writes. */
const samples: Record<string, Record<string, unknown>> = {
  Patient: {},
  Practitioner: {},
  PractitionerRole: {},
  Organization: { name: 'Org' },
  Location: { name: 'Room 1' },
  HealthcareService: { name: 'Therapy' },
  CareTeam: {},
  Schedule: { actor: [{ reference: 'Practitioner/00000000-0000-4000-8000-000000000001' }] },
  Slot: {
    schedule: { reference: 'Schedule/00000000-0000-4000-8000-000000000001' },
    status: 'free',
    start: '2026-05-01T10:00:00Z',
    end: '2026-05-01T11:00:00Z',
  },
  Appointment: {
    status: 'proposed',
    participant: [{ status: 'needs-action', actor: { reference: 'Patient/x' } }],
  },
  Communication: { status: 'completed' },
  DocumentReference: {
    status: 'current',
    content: [{ attachment: { contentType: 'text/plain', data: 'aGVsbG8=' } }],
  },
};

const interactionRequest: Record<
  string,
  (type: string, id: string) => [string, string, unknown?, Record<string, string>?]
> = {
  read: (t, id) => ['GET', `${base}/${t}/${id}`],
  vread: (t, id) => ['GET', `${base}/${t}/${id}/_history/1`],
  update: (t, id) => ['PUT', `${base}/${t}/${id}`, { resourceType: t, id, ...samples[t] }],
  patch: (t, id) => [
    'PATCH',
    `${base}/${t}/${id}`,
    [{ op: 'add', path: '/meta', value: { tag: [{ code: 'x' }] } }],
    { 'content-type': 'application/json-patch+json' },
  ],
  'history-instance': (t, id) => ['GET', `${base}/${t}/${id}/_history`],
  'history-type': (t) => ['GET', `${base}/${t}/_history`],
  create: (t) => ['POST', `${base}/${t}`, { resourceType: t, ...samples[t] }],
  'search-type': (t) => ['GET', `${base}/${t}`],
  delete: (t, id) => ['DELETE', `${base}/${t}/${id}`],
};

beforeAll(async () => {
  gw = await openTestGateway(['acme']);
  capability = (await gw.request('GET', `${base}/metadata`)).body as CapabilityStatement;
});

afterAll(async () => {
  await gw.close();
});

describe('the CapabilityStatement and what is served agree', () => {
  it('declares exactly the served types', () => {
    const types = capability.rest?.[0]?.resource?.map((r) => r.type).sort();
    expect(types).toEqual([...Object.keys(samples), 'AuditEvent'].sort());
  });

  it('serves every interaction it declares, for every type', async () => {
    const failures: string[] = [];
    for (const resource of capability.rest?.[0]?.resource ?? []) {
      if (!resource.interaction?.some((i) => i.code === 'create')) {
        // A search-only type (the audit trail): its one interaction must answer.
        const res = await gw.request('GET', `${base}/${resource.type}`);
        if (res.status !== 200) {
          failures.push(`${resource.type} search-type → ${res.status} ${res.text}`);
        }
        continue;
      }
      const created = await gw.request('POST', `${base}/${resource.type}`, {
        body: { resourceType: resource.type, ...samples[resource.type] },
      });
      expect(created.status, `create ${resource.type}: ${created.text}`).toBe(201);
      const id = (created.body as { id: string }).id;
      // delete last, so the others find the resource
      const codes = (resource.interaction ?? [])
        .map((i) => i.code)
        .sort((a) => (a === 'delete' ? 1 : -1));
      for (const code of codes) {
        const build = interactionRequest[code];
        if (!build) {
          failures.push(`${resource.type}: no request known for declared interaction ${code}`);
          continue;
        }
        const [method, path, body, headers] = build(resource.type, id);
        const res = await gw.request(method, path, {
          ...(body === undefined ? {} : { body }),
          ...(headers ? { headers } : {}),
        });
        if (res.status >= 300) {
          failures.push(`${resource.type} ${code}: ${method} ${path} → ${res.status} ${res.text}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('accepts every search parameter it declares and refuses one it does not', async () => {
    const failures: string[] = [];
    const sampleValue: Record<string, string> = {
      token: 'x',
      reference: 'Patient/00000000-0000-4000-8000-000000000001',
      date: 'ge2026-01-01',
      string: 'a',
      uri: 'http://example.org/x',
    };
    for (const resource of capability.rest?.[0]?.resource ?? []) {
      for (const param of resource.searchParam ?? []) {
        const value = sampleValue[param.type];
        const res = await gw.request(
          'GET',
          `${base}/${resource.type}?${encodeURIComponent(param.name)}=${encodeURIComponent(value ?? '')}`,
        );
        if (res.status !== 200) {
          failures.push(`${resource.type}?${param.name} → ${res.status}`);
        }
      }
      const unknown = await gw.request('GET', `${base}/${resource.type}?not-a-parameter=1`);
      if (unknown.status !== 400) {
        failures.push(`${resource.type}?not-a-parameter → ${unknown.status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers 404 for a type it does not declare', async () => {
    expect((await gw.request('GET', `${base}/Observation`)).status).toBe(404);
    expect(
      (await gw.request('POST', `${base}/Observation`, { body: { resourceType: 'Observation' } }))
        .status,
    ).toBe(404);
  });
});
