import { randomUUID } from 'node:crypto';
import { MemoryCache, type Cache } from '@swiftacare/cache';
import { warmSearchParams, warmValidation } from '@swiftacare/fhir';
import type { FhirEngine } from '@swiftacare/fhir-engine';
import {
  formatScopes,
  roleScopes,
  signAccessToken,
  type AccessTokenClaims,
  type Role,
} from '@swiftacare/identity';
import { openTestBackend, type TestBackend } from '@swiftacare/postgres-store/testing';
import type { Hono } from 'hono';
import { createApp } from './app.js';
import type { GatewayEnv } from './http/env.js';
import { createLogger } from './logger.js';
import { buildServices, type GatewayServices } from './services.js';

/** A response as tests look at it. */
export interface TestResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or null for an empty one. */
  body: unknown;
  text: string;
}

/** Options of one in-process request. */
export interface TestRequestInit {
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * The access token to send. By default each request carries an institution-admin token of
   * the tenant in its path; `false` sends none.
   */
  token?: string | false;
}

/** Who a test token is for. */
export interface TestPrincipal {
  tenant: string;
  role: Role;
  /** The FHIR record of the user (`Practitioner/…`, `Patient/…`). */
  fhirUser?: string;
  /** Scopes for a system client (its registered scopes); users get their role's. */
  scope?: string;
  /** Seconds until it expires (default 300; negative for an expired one). */
  ttl?: number;
}

/** The gateway app in-process on a fresh database of its own. */
export interface TestGateway {
  app: Hono<GatewayEnv>;
  backend: TestBackend;
  engine: FhirEngine;
  services: GatewayServices;
  /** An access token for a principal, as the tenant's token endpoint would issue it. */
  token(principal: TestPrincipal): Promise<string>;
  /** Sends a request to the app; object bodies are sent as FHIR JSON. */
  request(method: string, path: string, init?: TestRequestInit): Promise<TestResponse>;
  close(): Promise<void>;
}

/**
 * Builds the real app over a real PostgreSQL database (one per call, with these tenants) and
 * drives it in-process, as Hono's own tests do.
 */
export async function openTestGateway(
  tenants: readonly string[] = ['acme', 'other'],
  options: { bodyLimit?: number; cache?: Cache; rateLimit?: number } = {},
): Promise<TestGateway> {
  warmValidation();
  warmSearchParams();
  const backend = await openTestBackend(tenants);
  const cache = options.cache ?? new MemoryCache();
  const services = buildServices(backend, cache, { allowLoopbackJwks: true });
  const engine = services.engine;
  const origin = 'http://gateway.test';
  const token = async (p: TestPrincipal): Promise<string> => {
    let sub = `client-${p.role}`;
    if (p.role !== 'system') {
      sub = randomUUID();
      await backend.identities.createUser(p.tenant, {
        id: sub,
        email: `${sub}@test.invalid`,
        role: p.role,
        identifiers: [],
        active: true,
        ...(p.fhirUser ? { fhirUser: p.fhirUser } : {}),
      });
    }
    const claims: AccessTokenClaims = {
      iss: `${origin}/t/${p.tenant}`,
      aud: `${origin}/t/${p.tenant}/fhir/R4`,
      sub,
      tenant: p.tenant,
      role: p.role,
      scope: p.scope ?? formatScopes(roleScopes(p.role)),
      ...(p.role === 'system' ? { client_id: sub } : {}),
    };
    const key = await services.keys.active(p.tenant);
    const ttl = p.ttl ?? 300;
    if (ttl > 0) {
      return signAccessToken(key.privateJwk, claims, ttl);
    }
    // An expired token: signed as if issued long ago.
    const real = Date.now;
    Date.now = () => real() + (ttl - 600) * 1000;
    try {
      return await signAccessToken(key.privateJwk, claims, 300);
    } finally {
      Date.now = real;
    }
  };
  const adminTokens = new Map<string, Promise<string>>();
  const adminToken = (tenant: string): Promise<string> => {
    let t = adminTokens.get(tenant);
    if (!t) {
      t = token({ tenant, role: 'institution-admin' });
      adminTokens.set(tenant, t);
    }
    return t;
  };
  const app = createApp({
    services,
    tenants: backend.tenants,
    ready: () => backend.resources.ready(),
    logger: createLogger('silent'),
    config: { bodyLimit: options.bodyLimit ?? 1024 * 1024, rateLimit: options.rateLimit ?? 0 },
    version: 'test',
  });
  const request = async (
    method: string,
    path: string,
    init: TestRequestInit = {},
  ): Promise<TestResponse> => {
    const headers: Record<string, string> = { ...init.headers };
    const tenant = /^\/t\/([a-z0-9-]+)\//.exec(path)?.[1];
    if (init.token !== false && headers.authorization === undefined) {
      const bearer =
        init.token ?? (tenant && tenants.includes(tenant) ? await adminToken(tenant) : undefined);
      if (bearer) {
        headers.authorization = `Bearer ${bearer}`;
      }
    }
    let body: string | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      headers['content-type'] ??= 'application/fhir+json';
    }
    const res = await app.request(`${origin}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      text,
      body: text === '' ? null : (JSON.parse(text) as unknown),
    };
  };
  return {
    app,
    backend,
    engine,
    services,
    token,
    request,
    close: async () => {
      await services.audit.close();
      await cache.close();
      await backend.close();
    },
  };
}
