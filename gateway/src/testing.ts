import { warmSearchParams, warmValidation } from '@swiftacare/fhir';
import { FhirEngine } from '@swiftacare/fhir-engine';
import { openTestBackend, type TestBackend } from '@swiftacare/postgres-store/testing';
import type { Hono } from 'hono';
import { createApp } from './app.js';
import type { GatewayEnv } from './http/env.js';
import { createLogger } from './logger.js';

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
}

/** The gateway app in-process on a fresh database of its own. */
export interface TestGateway {
  app: Hono<GatewayEnv>;
  backend: TestBackend;
  engine: FhirEngine;
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
  options: { bodyLimit?: number } = {},
): Promise<TestGateway> {
  warmValidation();
  warmSearchParams();
  const backend = await openTestBackend(tenants);
  const engine = new FhirEngine(backend.resources);
  const app = createApp({
    engine,
    tenants: backend.tenants,
    ready: () => backend.resources.ready(),
    logger: createLogger('silent'),
    config: { bodyLimit: options.bodyLimit ?? 1024 * 1024 },
    version: 'test',
  });
  const request = async (
    method: string,
    path: string,
    init: TestRequestInit = {},
  ): Promise<TestResponse> => {
    const headers: Record<string, string> = { ...init.headers };
    let body: string | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      headers['content-type'] ??= 'application/fhir+json';
    }
    const res = await app.request(`http://gateway.test${path}`, {
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
  return { app, backend, engine, request, close: () => backend.close() };
}
