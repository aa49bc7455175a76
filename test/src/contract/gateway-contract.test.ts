import { openTestGateway, type TestGateway, type TestResponse } from '@swiftacare/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractProblems, declaredOperations } from './openapi-contract.js';

let gw: TestGateway;
const seen = new Set<string>();
const problems: string[] = [];

function templateOf(method: string, path: string): string {
  const bare = path.split('?')[0] ?? '';
  const template = bare
    .replace(/^\/t\/[^/]+/, '/t/{tenant}')
    .replace(/\/_history\/[^/]+$/, '/_history/{vid}')
    .replace(/\/R4\/(?!AuditEvent)[A-Z][A-Za-z]+/, '/R4/{type}')
    .replace(/\/\{type\}\/[0-9a-f-]{36}/, '/{type}/{id}')
    .replace(/\/\{type\}\/not-an-id/, '/{type}/{id}');
  return `${method} ${template}`;
}

/** Sends a request to the real app and checks the answer against the OpenAPI document. */
async function call(
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<TestResponse> {
  const res = await gw.request(method, path, init);
  seen.add(templateOf(method, path));
  for (const p of contractProblems({
    method,
    path,
    status: res.status,
    contentType: res.headers.get('content-type'),
    body: res.body,
  })) {
    problems.push(`${method} ${path} → ${res.status}: ${p}`);
  }
  return res;
}

beforeAll(async () => {
  gw = await openTestGateway(['acme']);
});

afterAll(async () => {
  await gw.close();
});

describe('the running gateway answers as openapi/openapi.yaml says', () => {
  it('for successes and failures of every declared operation', async () => {
    const base = '/t/acme/fhir/R4';
    await call('GET', '/healthz');
    await call('GET', '/readyz');
    await call('GET', `${base}/metadata`);
    const created = await call('POST', `${base}/Patient`, {
      body: { resourceType: 'Patient', identifier: [{ system: 'urn:c', value: '1' }] },
    });
    const id = (created.body as { id: string }).id;
    await call('POST', `${base}/Patient`, { body: { resourceType: 'Patient', foo: 1 } });
    await call('POST', `${base}/Patient`, { body: 'x', headers: { 'content-type': 'text/plain' } });
    await call('GET', `${base}/Patient/${id}`);
    await call('GET', `${base}/Patient/not-an-id`);
    await call('PUT', `${base}/Patient/${id}`, {
      body: { resourceType: 'Patient', id, gender: 'female' },
      headers: { 'if-match': 'W/"1"' },
    });
    await call('PUT', `${base}/Patient/${id}`, {
      body: { resourceType: 'Patient', id },
      headers: { 'if-match': 'W/"1"' },
    });
    await call('PUT', `${base}/Patient?identifier=urn:c|2`, { body: { resourceType: 'Patient' } });
    await call('PATCH', `${base}/Patient/${id}`, {
      body: [{ op: 'replace', path: '/gender', value: 'male' }],
      headers: { 'content-type': 'application/json-patch+json' },
    });
    await call('GET', `${base}/Patient/${id}/_history/1`);
    await call('GET', `${base}/Patient/${id}/_history`);
    await call('GET', `${base}/Patient/_history?_count=1`);
    await call('GET', `${base}/Patient?identifier=urn:c|1&_total=accurate`);
    await call('GET', `${base}/Patient?nonsense=1`);
    await call('POST', `${base}/Patient/_search`, {
      body: 'gender=male',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    await call('POST', base, {
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ request: { method: 'GET', url: `Patient/${id}` } }],
      },
    });
    await call('DELETE', `${base}/Patient/${id}`);
    await call('GET', `${base}/Patient/${id}`);
    await call('GET', '/t/nobody/fhir/R4/metadata');
    await call('GET', `${base}/.well-known/smart-configuration`);
    await call('GET', `${base}/AuditEvent?_count=2`);
    await call('GET', `${base}/AuditEvent?bogus=1`);
    await call('GET', '/t/acme/oauth2/jwks');
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    await call('POST', '/t/acme/oauth2/token', { body: 'grant_type=password', headers: form });
    await call('POST', '/t/acme/oauth2/token', {
      body: 'grant_type=client_credentials',
      headers: { ...form, authorization: `Basic ${Buffer.from('nobody:x').toString('base64')}` },
    });
    await call('POST', '/t/acme/auth/login', {
      body: { email: 'nobody@acme.test', password: 'x' },
      headers: { 'content-type': 'application/json' },
    });
    await call('POST', '/t/acme/oauth2/revoke', { body: 'token=unknown', headers: form });
    await call('POST', '/t/acme/auth/break-glass', {
      body: { patient: `Patient/${id}`, reason: 'An emergency that needs the record' },
      headers: { 'content-type': 'application/json' },
    });
    await call('POST', '/t/acme/oauth2/introspect', { body: 'token=unknown', headers: form });

    expect(problems).toEqual([]);
    const declared = declaredOperations().map(([m, p]) => `${m.toUpperCase()} ${p}`);
    expect(declared.filter((op) => !seen.has(op))).toEqual([]);
  });
});
