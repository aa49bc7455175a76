import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acme,
  bundleOf,
  create,
  outcomeOf,
  patient,
  served,
  type Served,
} from './test-fixtures.js';
import { openTestGateway, type TestGateway } from './testing.js';

const unknownId = '00000000-0000-4000-8000-000000000001';
const patchType = { 'content-type': 'application/json-patch+json' };

let gw: TestGateway;
beforeAll(async () => {
  gw = await openTestGateway();
});
afterAll(async () => {
  await gw.close();
});

async function read(p: Served): Promise<Served> {
  const res = await gw.request('GET', `${acme}/Patient/${p.id}`);
  expect(res.status).toBe(200);
  return served(res);
}

describe('update', () => {
  it('updates with the right If-Match to version 2', async () => {
    const p = await create(gw, patient('upd-1'));
    const res = await gw.request('PUT', `${acme}/Patient/${p.id}`, {
      body: { ...p, gender: 'other' },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('W/"2"');
    expect(res.headers.get('location')).toBeNull();
    const body = served(res);
    expect(body.id).toBe(p.id);
    expect(body.meta.versionId).toBe('2');
    expect(body.gender).toBe('other');
    expect(Date.parse(body.meta.lastUpdated)).toBeGreaterThanOrEqual(
      Date.parse(p.meta.lastUpdated),
    );
    expect((await read(p)).gender).toBe('other');
  });

  it('refuses a stale If-Match with 412 and keeps the current version', async () => {
    const p = await create(gw, patient('upd-2'));
    const v2 = await gw.request('PUT', `${acme}/Patient/${p.id}`, {
      body: { ...p, gender: 'male' },
    });
    expect(v2.status).toBe(200);
    const stale = await gw.request('PUT', `${acme}/Patient/${p.id}`, {
      body: { ...p, gender: 'female' },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(stale.status).toBe(412);
    const current = await read(p);
    expect(current.meta.versionId).toBe('2');
    expect(current.gender).toBe('male');
  });

  it('refuses a body id that differs from the URL id with 400', async () => {
    const p = await create(gw, patient('upd-3'));
    const q = await create(gw, patient('upd-3b'));
    const res = await gw.request('PUT', `${acme}/Patient/${p.id}`, { body: { ...q } });
    expect(res.status).toBe(400);
    expect(outcomeOf(res).issue[0]?.expression).toEqual(['Patient.id']);
    const missing = await gw.request('PUT', `${acme}/Patient/${p.id}`, { body: patient('upd-3') });
    expect(missing.status).toBe(400);
    expect((await read(p)).meta.versionId).toBe('1');
  });

  it('refuses update-as-create of an unknown id with 404', async () => {
    const res = await gw.request('PUT', `${acme}/Patient/${unknownId}`, {
      body: { ...patient('upd-4'), id: unknownId },
    });
    expect(res.status).toBe(404);
    expect((await gw.request('GET', `${acme}/Patient/${unknownId}`)).status).toBe(404);
  });
});

describe('delete', () => {
  it('deletes (204), then read is 410, vread of v1 is 200 and history shows the deletion', async () => {
    const p = await create(gw, patient('del-1'));
    const res = await gw.request('DELETE', `${acme}/Patient/${p.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');

    const gone = await gw.request('GET', `${acme}/Patient/${p.id}`);
    expect(gone.status).toBe(410);
    expect(outcomeOf(gone).resourceType).toBe('OperationOutcome');

    const v1 = await gw.request('GET', `${acme}/Patient/${p.id}/_history/1`);
    expect(v1.status).toBe(200);
    expect(v1.body).toEqual(p);
    expect((await gw.request('GET', `${acme}/Patient/${p.id}/_history/2`)).status).toBe(410);

    const history = await gw.request('GET', `${acme}/Patient/${p.id}/_history`);
    expect(history.status).toBe(200);
    const entries = bundleOf(history).entry ?? [];
    expect(entries.map((e) => e.request?.method)).toEqual(['DELETE', 'POST']);
    expect(entries[0]?.resource).toBeUndefined();
    expect(entries[0]?.response?.status).toBe('204');
    expect(entries[0]?.response?.etag).toBe('W/"2"');
    expect(entries[1]?.resource).toEqual(p);

    // Deleted resources leave search, and deleting again is still a success.
    expect(bundleOf(await gw.request('GET', `${acme}/Patient?_id=${p.id}`)).entry).toBeUndefined();
    expect((await gw.request('DELETE', `${acme}/Patient/${p.id}`)).status).toBe(204);
    // An update of a deleted resource does not bring it back.
    const revive = await gw.request('PUT', `${acme}/Patient/${p.id}`, { body: p });
    expect(revive.status).toBe(410);
  });

  it('answers 404 when deleting an unknown id', async () => {
    expect((await gw.request('DELETE', `${acme}/Patient/${unknownId}`)).status).toBe(404);
    expect((await gw.request('DELETE', `${acme}/Patient/not-a-uuid`)).status).toBe(404);
  });

  it('honours If-Match on delete', async () => {
    const p = await create(gw, patient('del-3'));
    const stale = await gw.request('DELETE', `${acme}/Patient/${p.id}`, {
      headers: { 'if-match': 'W/"5"' },
    });
    expect(stale.status).toBe(412);
    expect((await read(p)).meta.versionId).toBe('1');
  });
});

describe('patch', () => {
  it('applies a JSON Patch replace as version 2', async () => {
    const p = await create(gw, patient('patch-1', { gender: 'female' }));
    const res = await gw.request('PATCH', `${acme}/Patient/${p.id}`, {
      body: [{ op: 'replace', path: '/gender', value: 'male' }],
      headers: patchType,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('W/"2"');
    const body = served(res);
    expect(body.meta.versionId).toBe('2');
    expect(body.gender).toBe('male');
    expect(body.identifier).toEqual(p.identifier);
    expect((await read(p)).gender).toBe('male');
  });

  it('refuses a patch whose test op fails with 422 and changes nothing', async () => {
    const p = await create(gw, patient('patch-2', { gender: 'female' }));
    const res = await gw.request('PATCH', `${acme}/Patient/${p.id}`, {
      body: [
        { op: 'test', path: '/gender', value: 'male' },
        { op: 'replace', path: '/gender', value: 'other' },
      ],
      headers: patchType,
    });
    expect(res.status).toBe(422);
    expect(await read(p)).toEqual(p);
  });

  it('refuses a malformed patch document with 400', async () => {
    const p = await create(gw, patient('patch-3'));
    const malformed: unknown[] = [
      { op: 'replace', path: '/gender', value: 'male' },
      [{ op: 'frobnicate', path: '/gender' }],
      [{ op: 'replace', value: 'male' }],
      [{ op: 'replace', path: '/gender' }],
      [{ op: 'move', path: '/gender' }],
    ];
    for (const body of malformed) {
      const res = await gw.request('PATCH', `${acme}/Patient/${p.id}`, {
        body,
        headers: patchType,
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const notJson = await gw.request('PATCH', `${acme}/Patient/${p.id}`, {
      body: '[{"op":',
      headers: patchType,
    });
    expect(notJson.status).toBe(400);
    expect(await read(p)).toEqual(p);
  });

  it('refuses a patch that makes the resource invalid with 400', async () => {
    const p = await create(gw, patient('patch-4', { gender: 'female' }));
    const res = await gw.request('PATCH', `${acme}/Patient/${p.id}`, {
      body: [{ op: 'replace', path: '/gender', value: 'robot' }],
      headers: patchType,
    });
    expect(res.status).toBe(400);
    expect(outcomeOf(res).issue[0]?.expression).toEqual(['Patient.gender']);
    const unknownElement = await gw.request('PATCH', `${acme}/Patient/${p.id}`, {
      body: [{ op: 'add', path: '/colour', value: 'blue' }],
      headers: patchType,
    });
    expect(unknownElement.status).toBe(400);
    expect(await read(p)).toEqual(p);
  });

  it('refuses a patch sent as plain JSON with 415, and a patch of an unknown id with 404', async () => {
    const p = await create(gw, patient('patch-5'));
    const ops = [{ op: 'replace', path: '/gender', value: 'male' }];
    const plain = await gw.request('PATCH', `${acme}/Patient/${p.id}`, { body: ops });
    expect(plain.status).toBe(415);
    const unknown = await gw.request('PATCH', `${acme}/Patient/${unknownId}`, {
      body: ops,
      headers: patchType,
    });
    expect(unknown.status).toBe(404);
  });
});
