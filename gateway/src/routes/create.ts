import { requestFingerprint } from '@swiftacare/fhir-engine';
import type { Hono } from 'hono';
import type { GatewayEnv } from '../http/env.js';
import { fhirResponse, returnPreference } from '../http/fhir-response.js';
import { jsonBody } from '../http/request-body.js';
import { contextOf, type RouteDeps } from './deps.js';

/** `POST Type`, with `If-None-Exist`, `Idempotency-Key` and `Prefer: return=`. */
export function createRoute(app: Hono<GatewayEnv>, deps: RouteDeps): void {
  app.post('/:type', async (c) => {
    const type = c.req.param('type');
    const body = await jsonBody(c, deps.config.bodyLimit);
    const key = c.req.header('idempotency-key');
    const ifNoneExist = c.req.header('if-none-exist');
    const result = await deps.engine.create(
      contextOf(c),
      { type, body: body.value, ...(ifNoneExist ? { ifNoneExist } : {}) },
      key === undefined
        ? undefined
        : {
            key,
            // The condition is part of the request: the same body under another
            // If-None-Exist is a different request.
            fingerprint: requestFingerprint(
              'POST',
              `${c.get('tenant')}/${type}?${ifNoneExist ?? ''}`,
              body.text,
            ),
          },
    );
    return fhirResponse(result, c.get('baseUrl'), returnPreference(c.req.header('prefer')));
  });
}
