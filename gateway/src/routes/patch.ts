import { versionFromIfMatch } from '@swiftacare/fhir-engine';
import type { Hono } from 'hono';
import type { GatewayEnv } from '../http/env.js';
import { fhirResponse, returnPreference } from '../http/fhir-response.js';
import { jsonBody } from '../http/request-body.js';
import { contextOf, type RouteDeps } from './deps.js';

/** `PATCH Type/id` with a JSON Patch document. */
export function patchRoute(app: Hono<GatewayEnv>, deps: RouteDeps): void {
  app.patch('/:type/:id', async (c) => {
    const body = await jsonBody(c, deps.config.bodyLimit, 'patch');
    const ifMatch = versionFromIfMatch(c.req.header('if-match'));
    const result = await deps.engine.patch(contextOf(c), {
      type: c.req.param('type'),
      id: c.req.param('id'),
      patch: body.value,
      ...(ifMatch === undefined ? {} : { ifMatch }),
    });
    return fhirResponse(result, c.get('baseUrl'), returnPreference(c.req.header('prefer')));
  });
}
