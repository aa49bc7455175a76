import { Writable } from 'node:stream';
import { openTestBackend, type TestBackend } from '@swiftacare/postgres-store/testing';
import { secretHash } from '@swiftacare/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from './config.js';
import { createLogger } from './logger.js';
import { openRuntime } from './runtime.js';
import { listen, type RunningServer } from './server.js';

let db: TestBackend;
let server: RunningServer;
let authorization: string;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  // The database comes from the test server; the gateway opens its own pool on it, as in production.
  db = await openTestBackend(['acme']);
  const config = readConfig({ PORT: '0', DATABASE_URL: db.url, LOG_LEVEL: 'info' });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const log = createLogger(config.logLevel, sink);
  const runtime = await openRuntime(config, log);
  await runtime.backend.identities.createClient('acme', {
    clientId: 'ops',
    name: 'Operations',
    secretHash: secretHash('ops-secret'),
    scope: 'system/*.cruds',
    active: true,
  });
  server = await listen(config, runtime, log);
  // A real token from the real token endpoint, over HTTP.
  const token = await fetch(`${server.url}/t/acme/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from('ops:ops-secret').toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
  expect(token.status).toBe(200);
  authorization = `Bearer ${((await token.json()) as { access_token: string }).access_token}`;
});

afterAll(async () => {
  await db.close();
});

describe('the listening gateway', () => {
  it('serves over real HTTP and logs one JSON line per request, without health data', async () => {
    const res = await fetch(`${server.url}/t/acme/fhir/R4/Patient`, {
      method: 'POST',
      headers: {
        'content-type': 'application/fhir+json',
        'x-request-id': 'trace-0001-abcd',
        authorization,
      },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Secretname' }] }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('trace-0001-abcd');
    await new Promise((r) => setTimeout(r, 50));
    const line = lines.find((l) => l.requestId === 'trace-0001-abcd');
    expect(line).toMatchObject({
      msg: 'request completed',
      tenant: 'acme',
      method: 'POST',
      route: '/t/:tenant/fhir/R4/:type',
      status: 201,
      level: 'info',
    });
    expect(JSON.stringify(lines)).not.toContain('Secretname');
  });

  it('finishes requests in flight when it shuts down, then refuses new connections', async () => {
    // Enough data that each search takes a while, so several are still running at close.
    const entry = Array.from({ length: 100 }, () => ({
      resource: { resourceType: 'Patient', name: [{ family: 'Many' }] },
      request: { method: 'POST', url: 'Patient' },
    }));
    await fetch(`${server.url}/t/acme/fhir/R4`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', authorization },
      body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }),
    });
    const before = server.receivedRequests();
    const inFlight = Promise.all(
      Array.from({ length: 10 }, () =>
        fetch(`${server.url}/t/acme/fhir/R4/Patient?_count=100`, { headers: { authorization } }),
      ),
    );
    // A request is in flight once the server has read it (a connection still in the kernel's
    // backlog is not); wait until all ten are, and some are still being answered.
    for (let i = 0; i < 2000 && server.receivedRequests() - before < 10; i++) {
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(server.activeRequests()).toBeGreaterThan(0);
    const closing = server.close();
    const answers = await inFlight;
    await closing;
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
