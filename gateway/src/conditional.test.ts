import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acme, create, mrn, patient, searchIds, served } from './test-fixtures.js';
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

describe('conditional create (If-None-Exist)', () => {
  it('creates the first time (201) and answers the existing resource (200) the second', async () => {
    const ifNoneExist = `identifier=${mrn}|cond-1`;
    const first = await gw.request('POST', `${acme}/Patient`, {
      body: patient('cond-1'),
      headers: { 'if-none-exist': ifNoneExist },
    });
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toMatch(/\/Patient\/[0-9a-f-]{36}\/_history\/1$/);
    const second = await gw.request('POST', `${acme}/Patient`, {
      body: patient('cond-1', { gender: 'female' }),
      headers: { 'if-none-exist': ifNoneExist },
    });
    expect(second.status).toBe(200);
    expect(served(second).id).toBe(served(first).id);
    expect(served(second).meta.versionId).toBe('1');
    expect(served(second).gender).toBeUndefined();
    expect(await searchIds(gw, byIdentifier('cond-1'))).toEqual([served(first).id]);
  });

  it('accepts a leading ? in If-None-Exist', async () => {
    const headers = { 'if-none-exist': `?identifier=${mrn}|cond-q` };
    const first = await gw.request('POST', `${acme}/Patient`, { body: patient('cond-q'), headers });
    const second = await gw.request('POST', `${acme}/Patient`, {
      body: patient('cond-q'),
      headers,
    });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(await searchIds(gw, byIdentifier('cond-q'))).toHaveLength(1);
  });

  it('makes exactly one resource from five concurrent conditional creates', async () => {
    const headers = { 'if-none-exist': `identifier=${mrn}|cond-race` };
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        gw.request('POST', `${acme}/Patient`, { body: patient('cond-race'), headers }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 201]);
    const ids = new Set(results.map((r) => served(r).id));
    expect(ids.size).toBe(1);
    expect(await searchIds(gw, byIdentifier('cond-race'))).toEqual([...ids]);
  });

  it('answers 412 when the condition matches several resources', async () => {
    await create(gw, patient('cond-dup'));
    await create(gw, patient('cond-dup'));
    const res = await gw.request('POST', `${acme}/Patient`, {
      body: patient('cond-dup'),
      headers: { 'if-none-exist': `identifier=${mrn}|cond-dup` },
    });
    expect(res.status).toBe(412);
    expect(await searchIds(gw, byIdentifier('cond-dup'))).toHaveLength(2);
  });

  it('does not see another tenant’s match', async () => {
    const headers = { 'if-none-exist': `identifier=${mrn}|cond-tenant` };
    const inOther = await gw.request('POST', '/t/other/fhir/R4/Patient', {
      body: patient('cond-tenant'),
      headers,
    });
    expect(inOther.status).toBe(201);
    const inAcme = await gw.request('POST', `${acme}/Patient`, {
      body: patient('cond-tenant'),
      headers,
    });
    expect(inAcme.status).toBe(201);
    expect(served(inAcme).id).not.toBe(served(inOther).id);
  });
});

describe('conditional update (PUT Type?query)', () => {
  it('creates (201) when nothing matches, then updates (200) the one match', async () => {
    const url = `${acme}/${byIdentifier('upsert-1')}`;
    const created = await gw.request('PUT', url, {
      body: patient('upsert-1', { gender: 'male' }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('W/"1"');
    const id = served(created).id;
    expect(created.headers.get('location')).toBe(
      `http://gateway.test${acme}/Patient/${id}/_history/1`,
    );

    const updated = await gw.request('PUT', url, {
      body: patient('upsert-1', { gender: 'female' }),
    });
    expect(updated.status).toBe(200);
    expect(served(updated).id).toBe(id);
    expect(served(updated).meta.versionId).toBe('2');
    expect(served(updated).gender).toBe('female');
    expect(await searchIds(gw, byIdentifier('upsert-1'))).toEqual([id]);
  });

  it('answers 412 when the condition matches two resources, and changes neither', async () => {
    const a = await create(gw, patient('upsert-2'));
    const b = await create(gw, patient('upsert-2'));
    const res = await gw.request('PUT', `${acme}/${byIdentifier('upsert-2')}`, {
      body: patient('upsert-2', { gender: 'other' }),
    });
    expect(res.status).toBe(412);
    for (const p of [a, b]) {
      const read = await gw.request('GET', `${acme}/Patient/${p.id}`);
      expect(served(read).meta.versionId).toBe('1');
    }
  });

  it('refuses a body id that differs from the match', async () => {
    const a = await create(gw, patient('upsert-3'));
    const other = await create(gw, patient('upsert-3-other'));
    const res = await gw.request('PUT', `${acme}/${byIdentifier('upsert-3')}`, {
      body: { ...patient('upsert-3'), id: other.id },
    });
    expect(res.status).toBe(400);
    const read = await gw.request('GET', `${acme}/Patient/${a.id}`);
    expect(served(read).meta.versionId).toBe('1');
  });

  it('refuses a conditional update without a condition with 400', async () => {
    const bare = await gw.request('PUT', `${acme}/Patient`, { body: patient('upsert-4') });
    expect(bare.status).toBe(400);
    expect(await searchIds(gw, byIdentifier('upsert-4'))).toEqual([]);
  });
});
