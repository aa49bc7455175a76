import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acme, mrn, other, patient, searchIds, served } from './test-fixtures.js';
import { openTestGateway, type TestGateway } from './testing.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await openTestGateway();
});
afterAll(async () => {
  await gw.close();
});

const byIdentifier = (value: string): string =>
  `Patient?identifier=${encodeURIComponent(`${mrn}|${value}`)}`;

describe('Idempotency-Key', () => {
  it('answers a retry with the first answer and creates one resource only', async () => {
    const headers = { 'idempotency-key': 'idem-same-body' };
    const body = patient('idem-1');
    const first = await gw.request('POST', `${acme}/Patient`, { body, headers });
    const second = await gw.request('POST', `${acme}/Patient`, { body, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(second.headers.get('etag')).toBe('W/"1"');
    expect(second.headers.get('last-modified')).toBe(first.headers.get('last-modified'));
    expect(await searchIds(gw, byIdentifier('idem-1'))).toEqual([served(first).id]);
  });

  it('replays the first answer even after the resource changed', async () => {
    const headers = { 'idempotency-key': 'idem-then-update' };
    const body = patient('idem-2');
    const first = await gw.request('POST', `${acme}/Patient`, { body, headers });
    const id = served(first).id;
    const put = await gw.request('PUT', `${acme}/Patient/${id}`, {
      body: { ...served(first), gender: 'male' },
    });
    expect(put.status).toBe(200);
    const retry = await gw.request('POST', `${acme}/Patient`, { body, headers });
    expect(retry.status).toBe(201);
    expect(retry.text).toBe(first.text);
    expect(await searchIds(gw, byIdentifier('idem-2'))).toEqual([id]);
  });

  it('refuses the same key with a different body with 422', async () => {
    const headers = { 'idempotency-key': 'idem-other-body' };
    const first = await gw.request('POST', `${acme}/Patient`, { body: patient('idem-3'), headers });
    expect(first.status).toBe(201);
    const second = await gw.request('POST', `${acme}/Patient`, {
      body: patient('idem-3', { gender: 'female' }),
      headers,
    });
    expect(second.status).toBe(422);
    expect((second.body as { resourceType: string }).resourceType).toBe('OperationOutcome');
    expect(await searchIds(gw, byIdentifier('idem-3'))).toHaveLength(1);
  });

  it('makes one resource from five concurrent identical requests', async () => {
    const headers = { 'idempotency-key': 'idem-race' };
    const body = patient('idem-race');
    const results = await Promise.all(
      Array.from({ length: 5 }, () => gw.request('POST', `${acme}/Patient`, { body, headers })),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const ids = new Set(results.map((r) => served(r).id));
    expect(ids.size).toBe(1);
    expect(new Set(results.map((r) => r.headers.get('location'))).size).toBe(1);
    expect(await searchIds(gw, byIdentifier('idem-race'))).toEqual([...ids]);
  });

  it('keeps keys per tenant', async () => {
    const headers = { 'idempotency-key': 'idem-tenant' };
    const inAcme = await gw.request('POST', `${acme}/Patient`, {
      body: patient('idem-t'),
      headers,
    });
    // Same key, a different body, in another tenant: neither a 422 nor a replay.
    const inOther = await gw.request('POST', `${other}/Patient`, {
      body: patient('idem-t', { gender: 'male' }),
      headers,
    });
    expect(inAcme.status).toBe(201);
    expect(inOther.status).toBe(201);
    expect(served(inOther).id).not.toBe(served(inAcme).id);
    expect(served(inOther).gender).toBe('male');
    expect(await searchIds(gw, byIdentifier('idem-t'), other)).toEqual([served(inOther).id]);
    expect(await searchIds(gw, byIdentifier('idem-t'))).toEqual([served(inAcme).id]);
    // And the same key and body again in other replays other's answer.
    const replay = await gw.request('POST', `${other}/Patient`, {
      body: patient('idem-t', { gender: 'male' }),
      headers,
    });
    expect(replay.text).toBe(inOther.text);
  });

  it('does not tie a key to a failed request', async () => {
    const headers = { 'idempotency-key': 'idem-after-failure' };
    const bad = await gw.request('POST', `${acme}/Patient`, {
      body: patient('idem-f', { gender: 'robot' }),
      headers,
    });
    expect(bad.status).toBe(400);
    const good = await gw.request('POST', `${acme}/Patient`, {
      body: patient('idem-f'),
      headers,
    });
    expect(good.status).toBe(201);
  });

  it('replays a transaction answered under a key', async () => {
    const headers = { 'idempotency-key': 'idem-transaction' };
    const body = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: patient('idem-tx'), request: { method: 'POST', url: 'Patient' } }],
    };
    const first = await gw.request('POST', acme, { body, headers });
    const second = await gw.request('POST', acme, { body, headers });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(await searchIds(gw, byIdentifier('idem-tx'))).toHaveLength(1);
  });

  it('refuses a key longer than 255 characters with 400', async () => {
    const res = await gw.request('POST', `${acme}/Patient`, {
      body: patient('idem-long'),
      headers: { 'idempotency-key': 'k'.repeat(256) },
    });
    expect(res.status).toBe(400);
    expect(await searchIds(gw, byIdentifier('idem-long'))).toEqual([]);
  });
});
