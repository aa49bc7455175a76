import { requestFingerprint } from '@swiftacare/fhir-engine';
import type { Hono } from 'hono';
import type { GatewayEnv } from '../http/env.js';
import { fhirResponse } from '../http/fhir-response.js';
import { jsonBody } from '../http/request-body.js';
import { contextOf, type RouteDeps } from './deps.js';

/** `POST /` with a transaction or batch Bundle. */
export function bundleRoute(app: Hono<GatewayEnv>, deps: RouteDeps): void {
  app.post('/', async (c) => {
    const body = await jsonBody(c, deps.config.bodyLimit);
    const key = c.req.header('idempotency-key');
    const result = await deps.engine.bundle(
      contextOf(c),
      body.value,
      key === undefined
        ? undefined
        : { key, fingerprint: requestFingerprint('POST', `${c.get('tenant')}/`, body.text) },
    );
    return fhirResponse(result, c.get('baseUrl'));
  });
}
