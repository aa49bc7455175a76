import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acme,
  appointment,
  bundleOf,
  create,
  outcomeOf,
  patient,
  searchIds,
  served,
  type TestBundle,
} from './test-fixtures.js';
import { openTestGateway, type TestGateway, type TestResponse } from './testing.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await openTestGateway();
});
afterAll(async () => {
  await gw.close();
});

const byIdentifier = (value: string): string =>
  `Patient?identifier=${encodeURIComponent(`urn:bundle|${value}`)}`;

function post(type: string, entry: unknown[]): Promise<TestResponse> {
  return gw.request('POST', acme, { body: { resourceType: 'Bundle', type, entry } });
}

const codes = (bundle: TestBundle): string[] =>
  (bundle.entry ?? []).map((e) => e.response?.status.slice(0, 3) ?? '');

describe('transaction', () => {
  it('resolves urn:uuid references and answers a transaction-response', async () => {
    const placeholder = 'urn:uuid:5e0a7b1c-2d3e-4f50-8a6b-7c8d9e0f1a2b';
    const appt = appointment('2030-04-01T09:00:00Z', 'placeholder');
    appt.participant = [{ actor: { reference: placeholder }, status: 'accepted' }];
    const res = await post('transaction', [
      {
        fullUrl: placeholder,
        resource: patient('urn:bundle|tx-1'),
        request: { method: 'POST', url: 'Patient' },
      },
      { resource: appt, request: { method: 'POST', url: 'Appointment' } },
    ]);
    expect(res.status, res.text).toBe(200);
    const bundle = bundleOf(res);
    expect(bundle.type).toBe('transaction-response');
    expect(bundle.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '201 Created']);

    const [p, a] = bundle.entry ?? [];
    const patientId = p?.resource?.id ?? '';
    expect(patientId).toMatch(/^[0-9a-f-]{36}$/);
    expect(patientId).not.toBe('5e0a7b1c-2d3e-4f50-8a6b-7c8d9e0f1a2b');
    expect(p?.response?.location).toBe(`Patient/${patientId}/_history/1`);
    expect(p?.response?.etag).toBe('W/"1"');
    expect(p?.fullUrl).toBe(`http://gateway.test${acme}/Patient/${patientId}`);
    const expected = [{ actor: { reference: `Patient/${patientId}` }, status: 'accepted' }];
    expect(a?.resource?.participant).toEqual(expected);

    const stored = await gw.request('GET', `${acme}/Appointment/${a?.resource?.id ?? ''}`);
    expect(stored.status).toBe(200);
    expect(served(stored).participant).toEqual(expected);
    expect(await searchIds(gw, `Appointment?patient=${patientId}`)).toEqual([a?.resource?.id]);
  });

  it('stores nothing when one entry is invalid', async () => {
    const res = await post('transaction', [
      { resource: patient('urn:bundle|tx-2'), request: { method: 'POST', url: 'Patient' } },
      {
        resource: { ...appointment('2030-04-01T09:00:00Z', 'x'), status: 'foo' },
        request: { method: 'POST', url: 'Appointment' },
      },
    ]);
    expect(res.status).toBe(400);
    const outcome = outcomeOf(res);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]?.diagnostics).toMatch(/^Bundle\.entry\[1\]: /);
    expect(await searchIds(gw, byIdentifier('tx-2'))).toEqual([]);
  });

  it('rolls back earlier entries when a later one fails its precondition', async () => {
    const existing = await create(gw, patient('urn:bundle|tx-3'));
    const res = await post('transaction', [
      { resource: patient('urn:bundle|tx-3b'), request: { method: 'POST', url: 'Patient' } },
      {
        resource: { ...existing, gender: 'male' },
        request: { method: 'PUT', url: `Patient/${existing.id}`, ifMatch: 'W/"9"' },
      },
    ]);
    expect(res.status).toBe(412);
    expect(await searchIds(gw, byIdentifier('tx-3b'))).toEqual([]);
    const read = await gw.request('GET', `${acme}/Patient/${existing.id}`);
    expect(served(read).meta.versionId).toBe('1');
  });

  it('answers GET entries after the writes of the same transaction', async () => {
    const existing = await create(gw, patient('urn:bundle|tx-4', { gender: 'female' }));
    const res = await post('transaction', [
      { request: { method: 'GET', url: `Patient/${existing.id}` } },
      { request: { method: 'GET', url: byIdentifier('tx-4b') } },
      { resource: patient('urn:bundle|tx-4b'), request: { method: 'POST', url: 'Patient' } },
    ]);
    expect(res.status, res.text).toBe(200);
    const [read, search, created] = bundleOf(res).entry ?? [];
    expect(codes(bundleOf(res))).toEqual(['200', '200', '201']);
    expect(read?.resource).toEqual(existing);
    const searchset = search?.resource as unknown as TestBundle | undefined;
    expect(searchset?.type).toBe('searchset');
    expect(searchset?.entry?.map((e) => e.resource?.id)).toEqual([created?.resource?.id]);
  });

  it('refuses an entry without a usable request with 400', async () => {
    const res = await post('transaction', [{ resource: patient('urn:bundle|tx-5') }]);
    expect(res.status).toBe(400);
    expect(outcomeOf(res).issue[0]?.expression).toEqual(['Bundle.entry[0].request']);
    const unknownType = await post('transaction', [
      { resource: patient('urn:bundle|tx-5'), request: { method: 'POST', url: 'Spaceship' } },
    ]);
    expect(unknownType.status).toBe(400);
    expect(await searchIds(gw, byIdentifier('tx-5'))).toEqual([]);
  });
});

describe('batch', () => {
  it('reports a failing entry in its place and applies the others', async () => {
    const res = await post('batch', [
      { resource: patient('urn:bundle|b-1'), request: { method: 'POST', url: 'Patient' } },
      {
        resource: patient('urn:bundle|b-2', { gender: 'robot' }),
        request: { method: 'POST', url: 'Patient' },
      },
      { resource: patient('urn:bundle|b-3'), request: { method: 'POST', url: 'Patient' } },
      { request: { method: 'GET', url: 'Patient/00000000-0000-4000-8000-000000000000' } },
    ]);
    expect(res.status).toBe(200);
    const bundle = bundleOf(res);
    expect(bundle.type).toBe('batch-response');
    expect(codes(bundle)).toEqual(['201', '400', '201', '404']);
    const failed = bundle.entry?.[1]?.response?.outcome;
    expect(failed?.resourceType).toBe('OperationOutcome');
    expect(failed?.issue[0]?.expression).toEqual(['Patient.gender']);
    expect(await searchIds(gw, byIdentifier('b-1'))).toEqual([bundle.entry?.[0]?.resource?.id]);
    expect(await searchIds(gw, byIdentifier('b-2'))).toEqual([]);
    expect(await searchIds(gw, byIdentifier('b-3'))).toEqual([bundle.entry?.[2]?.resource?.id]);
  });
});

describe('other Bundles', () => {
  it('refuses a collection Bundle, a non-Bundle and an Idempotency-Key on a batch with 400', async () => {
    const entry = [
      { resource: patient('urn:bundle|c-1'), request: { method: 'POST', url: 'Patient' } },
    ];
    const collection = await post('collection', entry);
    expect(collection.status).toBe(400);
    expect(outcomeOf(collection).issue[0]?.expression).toEqual(['Bundle.type']);
    const notBundle = await gw.request('POST', acme, { body: patient('urn:bundle|c-1') });
    expect(notBundle.status).toBe(400);
    const keyed = await gw.request('POST', acme, {
      body: { resourceType: 'Bundle', type: 'batch', entry },
      headers: { 'idempotency-key': 'bundle-batch-key' },
    });
    expect(keyed.status).toBe(400);
    expect(await searchIds(gw, byIdentifier('c-1'))).toEqual([]);
  });
});
