import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTestGateway, type TestGateway } from './testing.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await openTestGateway();
});
afterAll(async () => {
  await gw.close();
});

it('creates and reads a patient', async () => {
  const created = await gw.request('POST', '/t/acme/fhir/R4/Patient', {
    body: { resourceType: 'Patient', name: [{ family: 'Smoke' }] },
  });
  expect(created.status).toBe(201);
  const location = created.headers.get('location') ?? '';
  expect(location).toMatch(/\/t\/acme\/fhir\/R4\/Patient\/[0-9a-f-]{36}\/_history\/1$/);
  const id = (created.body as { id: string }).id;
  const read = await gw.request('GET', `/t/acme/fhir/R4/Patient/${id}`);
  expect(read.status).toBe(200);
  expect(read.headers.get('etag')).toBe('W/"1"');
  const elsewhere = await gw.request('GET', `/t/other/fhir/R4/Patient/${id}`);
  expect(elsewhere.status).toBe(404);
});
