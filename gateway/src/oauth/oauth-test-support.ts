// Helpers for the OAuth2 tests of this folder: token requests, client keys and assertions,
// audit look-ups and a cache whose clock a test can move. Test support only.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StoredAudit } from '@swiftacare/audit';
import type { Cache } from '@swiftacare/cache';
import { hashPassword, type Role } from '@swiftacare/identity';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { expect } from 'vitest';
import type { Outcome } from '../test-fixtures.js';
import type { TestGateway, TestResponse } from '../testing.js';

/** The origin the test gateway serves at. */
export const origin = 'http://gateway.test';

/** The token endpoint URL of a tenant, as client assertions must name it in `aud`. */
export function tokenUrl(tenant: string): string {
  return `${origin}/t/${tenant}/oauth2/token`;
}

/** The `client_assertion_type` of RFC 7523. */
export const jwtBearer = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The grant type and subject token type of the token exchange. */
export const exchangeGrant = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const userIdentifierType = 'urn:swiftacare:params:oauth:token-type:user-identifier';

/** The answer of the token and login endpoints. */
export interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  refresh_token?: string;
  issued_token_type?: string;
}

/** An RFC 6749 §5.2 error answer. */
export interface OAuthErrorBody {
  error: string;
  error_description?: string;
}

/** An `Authorization: Basic` value for a client id and secret (RFC 6749 §2.3.1). */
export function basic(clientId: string, secret: string): string {
  const encoded = `${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`;
  return `Basic ${Buffer.from(encoded).toString('base64')}`;
}

/** Options of {@link postForm}. */
export interface FormInit {
  authorization?: string;
  /** Sent as X-Request-Id, to find the request's audit record. */
  requestId?: string;
  token?: string | false;
}

/** POSTs a form (`application/x-www-form-urlencoded`) to an endpoint of a tenant. */
export function postForm(
  gw: TestGateway,
  path: string,
  params: Record<string, string>,
  init: FormInit = {},
): Promise<TestResponse> {
  return gw.request('POST', path, {
    body: new URLSearchParams(params).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(init.authorization ? { authorization: init.authorization } : {}),
      ...(init.requestId ? { 'x-request-id': init.requestId } : {}),
    },
    token: init.token ?? false,
  });
}

/** POSTs a token request to the tenant's token endpoint. */
export function tokenRequest(
  gw: TestGateway,
  tenant: string,
  params: Record<string, string>,
  init: FormInit = {},
): Promise<TestResponse> {
  return postForm(gw, `/t/${tenant}/oauth2/token`, params, init);
}

/** The token of a successful answer; fails the test unless it is a 200. */
export function tokenOf(res: TestResponse): TokenBody {
  expect(res.status, res.text).toBe(200);
  return res.body as TokenBody;
}

/** Expects an RFC 6749 error answer with this code and status. */
export function expectOAuthError(res: TestResponse, error: string, status: number): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = res.body as OAuthErrorBody;
  expect(body.error).toBe(error);
  expect(typeof body.error_description).toBe('string');
}

/**
 * Expects the FHIR API's refusal of a token: 401, an OperationOutcome, and RFC 6750's
 * `WWW-Authenticate: Bearer` naming the error.
 */
export function expectUnauthenticated(res: TestResponse, error = 'invalid_token'): void {
  expect(res.status, res.text).toBe(401);
  expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
  expect((res.body as Outcome).resourceType).toBe('OperationOutcome');
  const challenge = res.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer realm="swiftacare"/);
  expect(challenge).toContain(`error="${error}"`);
}

/** A fresh request id, to find a request's audit record. */
export function requestId(): string {
  return `req-${randomUUID()}`;
}

/** The audit record of one request (by its X-Request-Id); fails the test if there is none. */
export async function auditOf(
  gw: TestGateway,
  tenant: string,
  id: string,
): Promise<StoredAudit['record']> {
  const found = (await gw.backend.audit.search(tenant, { count: 200 })).filter(
    (a) => a.record.requestId === id,
  );
  expect(found, `audit records of request ${id}`).toHaveLength(1);
  const [only] = found;
  if (!only) {
    throw new Error('unreachable');
  }
  return only.record;
}

/** A client's asymmetric key pair, its public half as it would be registered. */
export interface ClientKey {
  alg: 'RS384' | 'ES384';
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** A new key pair for a SMART Backend Services client. */
export async function clientKey(alg: 'RS384' | 'ES384'): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `k-${randomUUID()}`;
  return { alg, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

/** The claims and header of an assertion, each overridable (`undefined` leaves one out). */
export interface AssertionOverrides {
  iss?: string;
  sub?: string;
  aud?: string;
  /** Seconds from now. */
  expIn?: number;
  jti?: string;
  kid?: string;
}

/** A client assertion (RFC 7523) signed with the client's key: valid unless told otherwise. */
export function assertion(
  key: ClientKey,
  clientId: string,
  overrides: AssertionOverrides = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: key.alg, kid: overrides.kid ?? key.kid, typ: 'JWT' })
    .setIssuer(overrides.iss ?? clientId)
    .setSubject(overrides.sub ?? clientId)
    .setAudience(overrides.aud ?? tokenUrl('acme'))
    .setIssuedAt(now)
    .setExpirationTime(now + (overrides.expIn ?? 240))
    .setJti(overrides.jti ?? randomUUID())
    .sign(key.privateKey);
}

/** The form of a client-credentials request authenticated by an assertion. */
export function assertionGrant(
  jwt: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    client_assertion_type: jwtBearer,
    client_assertion: jwt,
    ...extra,
  };
}

/** An unsigned JWT (`alg: none`) with these header and payload members. */
export function unsignedJwt(header: object, payload: object): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ ...header, alg: 'none' })}.${part(payload)}.`;
}

/** A user with a password, created in a tenant. */
export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: Role;
}

// scrypt is slow on purpose; the tests hash one password once.
let hashed: Promise<string> | undefined;
const password = 'correct horse battery staple';

/** Creates an active user with a password (and, when given, a FHIR record and identifiers). */
export async function createUser(
  gw: TestGateway,
  tenant: string,
  role: Role,
  extra: { fhirUser?: string; identifiers?: string[]; active?: boolean } = {},
): Promise<TestUser> {
  hashed ??= hashPassword(password);
  const id = randomUUID();
  const email = `user-${id}@example.test`;
  await gw.backend.identities.createUser(tenant, {
    id,
    email,
    passwordHash: await hashed,
    role,
    identifiers: extra.identifiers ?? [],
    active: extra.active ?? true,
    ...(extra.fhirUser ? { fhirUser: extra.fhirUser } : {}),
  });
  return { id, email, password, role };
}

/** Signs a user in; fails the test unless it works. */
export async function login(gw: TestGateway, tenant: string, user: TestUser): Promise<TokenBody> {
  const res = await gw.request('POST', `/t/${tenant}/auth/login`, {
    body: { email: user.email, password: user.password },
    headers: { 'content-type': 'application/json' },
    token: false,
  });
  return tokenOf(res);
}

/** Sets a user's `active` flag in the database, as an administrator deactivating them would. */
export async function setUserActive(
  gw: TestGateway,
  tenant: string,
  id: string,
  active: boolean,
): Promise<void> {
  const client = await gw.backend.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT set_config('app.tenant', $1, true)", [tenant]);
    await client.query('UPDATE app_user SET active = $3 WHERE tenant = $1 AND id = $2', [
      tenant,
      id,
      active,
    ]);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

/** A local HTTP server answering one JSON document, for a client's JWKS URL. */
export interface JsonServer {
  url: string;
  /** How many requests it answered. */
  hits: () => number;
  close: () => Promise<void>;
}

/** Serves `document` as JSON on 127.0.0.1, on a free port. */
export async function serveJson(document: unknown): Promise<JsonServer> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(document));
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => {
          if (err) reject(err);
          else resolve();
        });
      }),
  };
}

/**
 * An in-process cache whose clock a test can move forward, to see what happens once cached
 * entries (a user's facts, a verified token) have expired without waiting for it. Only the
 * cache's clock moves; tokens still expire by the real one.
 */
export class SteppedCache implements Cache {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private offsetMs = 0;
  private closed = false;

  /** Moves the cache's clock forward. */
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }

  private now(): number {
    return Date.now() + this.offsetMs;
  }

  private live(key: string): { value: string; expiresAt: number } | undefined {
    if (this.closed) {
      throw new Error('the cache is closed');
    }
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.live(key)?.value);
  }

  getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return Promise.resolve(keys.map((key) => this.live(key)?.value));
  }

  set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.live(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    return Promise.resolve();
  }

  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    if (this.live(key)) {
      return Promise.resolve(false);
    }
    this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    return Promise.resolve(true);
  }

  delete(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }

  increment(key: string, windowSeconds: number): Promise<{ count: number; resetInMs: number }> {
    const entry = this.live(key);
    if (!entry) {
      this.entries.set(key, { value: '1', expiresAt: this.now() + windowSeconds * 1000 });
      return Promise.resolve({ count: 1, resetInMs: windowSeconds * 1000 });
    }
    entry.value = String(Number(entry.value) + 1);
    return Promise.resolve({
      count: Number(entry.value),
      resetInMs: Math.max(1, entry.expiresAt - this.now()),
    });
  }

  close(): Promise<void> {
    this.closed = true;
    this.entries.clear();
    return Promise.resolve();
  }
}
