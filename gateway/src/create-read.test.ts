import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acme,
  appointment,
  create,
  outcomeOf,
  patient,
  served,
  type Served,
} from './test-fixtures.js';
import { openTestGateway, type TestGateway } from './testing.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let gw: TestGateway;
beforeAll(async () => {
  gw = await openTestGateway();
});
afterAll(async () => {
  await gw.close();
});

/** Sends a body with exactly the content type given (none when undefined), bypassing defaults. */
async function postRaw(
  path: string,
  text: string,
  contentType?: string,
): Promise<{ status: number; body: unknown; contentType: string | null }> {
  const authorization = `Bearer ${await gw.token({ tenant: 'acme', role: 'institution-admin' })}`;
  const res = await gw.app.request(`http://gateway.test${path}`, {
    method: 'POST',
    headers:
      contentType === undefined
        ? { authorization }
        : { 'content-type': contentType, authorization },
    // Bytes, not a string: a string body would get text/plain from the Request itself.
    body: new TextEncoder().encode(text),
  });
  const body = await res.text();
  return {
    status: res.status,
    body: body === '' ? null : (JSON.parse(body) as unknown),
    contentType: res.headers.get('content-type'),
  };
}

describe('create', () => {
  it('answers 201 with Location, ETag, Last-Modified and server-set id and meta', async () => {
    const before = Date.now();
    const res = await gw.request('POST', `${acme}/Patient`, {
      body: patient('create-1', { meta: { versionId: '7', lastUpdated: '2001-01-01T00:00:00Z' } }),
    });
    expect(res.status).toBe(201);
    const body = served(res);
    expect(body.resourceType).toBe('Patient');
    expect(body.id).toMatch(uuid);
    expect(body.meta.versionId).toBe('1');
    const lastUpdated = Date.parse(body.meta.lastUpdated);
    expect(lastUpdated).toBeGreaterThanOrEqual(before - 1000);
    expect(lastUpdated).toBeLessThanOrEqual(Date.now() + 1000);
    expect(res.headers.get('location')).toBe(
      `http://gateway.test${acme}/Patient/${body.id}/_history/1`,
    );
    expect(res.headers.get('etag')).toBe('W/"1"');
    expect(res.headers.get('last-modified')).toBe(new Date(lastUpdated).toUTCString());
    expect(res.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
  });

  it('refuses a client-chosen id with 400', async () => {
    const res = await gw.request('POST', `${acme}/Patient`, {
      body: { ...patient('create-2'), id: '4b8f5a52-3d1e-4a3c-9a7e-0c1d2e3f4a5b' },
    });
    expect(res.status).toBe(400);
    expect(outcomeOf(res).issue[0]?.expression).toEqual(['Patient.id']);
  });

  it('answers Prefer: return=minimal with no body', async () => {
    const res = await gw.request('POST', `${acme}/Patient`, {
      body: patient('minimal'),
      headers: { prefer: 'return=minimal' },
    });
    expect(res.status).toBe(201);
    expect(res.text).toBe('');
    expect(res.headers.get('location')).toMatch(/\/Patient\/[0-9a-f-]{36}\/_history\/1$/);
    expect(res.headers.get('etag')).toBe('W/"1"');
  });

  it('answers Prefer: return=OperationOutcome with an outcome', async () => {
    const res = await gw.request('POST', `${acme}/Patient`, {
      body: patient('outcome'),
      headers: { prefer: 'return=OperationOutcome' },
    });
    expect(res.status).toBe(201);
    const outcome = outcomeOf(res);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue).toHaveLength(1);
    expect(outcome.issue[0]?.severity).toBe('information');
    const id = /\/Patient\/([0-9a-f-]{36})\//.exec(res.headers.get('location') ?? '')?.[1];
    expect(outcome.issue[0]?.diagnostics).toBe(`Patient/${id ?? '?'} is at version 1`);
  });

  it('accepts application/json', async () => {
    const res = await gw.request('POST', `${acme}/Patient`, {
      body: patient('plain-json'),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(201);
  });

  it('refuses a missing or other content type with 415', async () => {
    const text = JSON.stringify(patient('no-type'));
    expect((await postRaw(`${acme}/Patient`, text)).status).toBe(415);
    expect((await postRaw(`${acme}/Patient`, text, 'text/plain')).status).toBe(415);
    const xml = await postRaw(`${acme}/Patient`, text, 'application/fhir+xml');
    expect(xml.status).toBe(415);
    expect(xml.contentType).toBe('application/fhir+json; charset=utf-8');
    expect((xml.body as { resourceType: string }).resourceType).toBe('OperationOutcome');
  });

  it('refuses invalid JSON with 400', async () => {
    const res = await gw.request('POST', `${acme}/Patient`, { body: '{"resourceType": "Pat' });
    expect(res.status).toBe(400);
    expect(outcomeOf(res).issue[0]?.diagnostics).toMatch(/not valid JSON/);
  });

  it('refuses an invalid resource with one issue per problem, each with its expression', async () => {
    const owner = await create(gw, patient('invalid-owner'));
    const res = await gw.request('POST', `${acme}/Appointment`, {
      body: {
        ...appointment('2030-02-01T09:00:00Z', owner.id),
        status: 'foo',
        start: 'not-a-date',
        colour: 'blue',
      },
    });
    expect(res.status).toBe(400);
    const issues = outcomeOf(res).issue;
    expect(issues).toHaveLength(3);
    for (const issue of issues) {
      expect(issue.severity).toBe('error');
      expect(issue.expression).toHaveLength(1);
    }
    expect(issues.map((i) => i.expression?.[0]).sort()).toEqual([
      'Appointment.colour',
      'Appointment.start',
      'Appointment.status',
    ]);
  });

  it('refuses a body over the limit with 413', async () => {
    const small = await openTestGateway(['acme'], { bodyLimit: 2048 });
    try {
      const fits = await small.request('POST', `${acme}/Patient`, { body: patient('fits') });
      expect(fits.status).toBe(201);
      const big = patient('big', { name: [{ family: 'x'.repeat(3000) }] });
      const res = await small.request('POST', `${acme}/Patient`, { body: big });
      expect(res.status).toBe(413);
      expect(outcomeOf(res).resourceType).toBe('OperationOutcome');
      const declared = await small.request('POST', `${acme}/Patient`, {
        body: big,
        headers: { 'content-length': String(JSON.stringify(big).length) },
      });
      expect(declared.status).toBe(413);
    } finally {
      await small.close();
    }
  });

  it('answers 404 for an unknown type', async () => {
    const res = await gw.request('POST', `${acme}/Spaceship`, {
      body: { resourceType: 'Spaceship' },
    });
    expect(res.status).toBe(404);
  });

  it('answers 405 for POST on Type/id', async () => {
    const p = await create(gw, patient('post-on-id'));
    const res = await gw.request('POST', `${acme}/Patient/${p.id}`, { body: patient('x') });
    expect(res.status).toBe(405);
  });
});

describe('read', () => {
  let first: Served;
  beforeAll(async () => {
    first = await create(gw, patient('read-1', { gender: 'female' }));
  });

  it('reads the current version with its ETag', async () => {
    const res = await gw.request('GET', `${acme}/Patient/${first.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(first);
    expect(res.headers.get('etag')).toBe('W/"1"');
    expect(res.headers.get('last-modified')).toBe(new Date(first.meta.lastUpdated).toUTCString());
  });

  it('vreads version 1 after an update', async () => {
    const updated = await gw.request('PUT', `${acme}/Patient/${first.id}`, {
      body: { ...first, gender: 'male' },
    });
    expect(updated.status).toBe(200);
    expect(served(updated).meta.versionId).toBe('2');
    const v1 = await gw.request('GET', `${acme}/Patient/${first.id}/_history/1`);
    expect(v1.status).toBe(200);
    expect(v1.body).toEqual(first);
    expect(v1.headers.get('etag')).toBe('W/"1"');
    const v2 = await gw.request('GET', `${acme}/Patient/${first.id}/_history/2`);
    expect(v2.status).toBe(200);
    expect(served(v2).gender).toBe('male');
    const current = await gw.request('GET', `${acme}/Patient/${first.id}`);
    expect(served(current).meta.versionId).toBe('2');
    expect((await gw.request('GET', `${acme}/Patient/${first.id}/_history/3`)).status).toBe(404);
  });

  it('answers 404 for an unknown type', async () => {
    const res = await gw.request('GET', `${acme}/Spaceship/${first.id}`);
    expect(res.status).toBe(404);
  });

  it('answers 404 for an id that is not a UUID', async () => {
    expect((await gw.request('GET', `${acme}/Patient/not-a-uuid`)).status).toBe(404);
    expect((await gw.request('GET', `${acme}/Patient/123`)).status).toBe(404);
    expect((await gw.request('GET', `${acme}/Patient/not-a-uuid/_history/1`)).status).toBe(404);
  });

  it('answers 404 for an unknown UUID', async () => {
    const res = await gw.request('GET', `${acme}/Patient/00000000-0000-4000-8000-000000000000`);
    expect(res.status).toBe(404);
  });
});
