import { versionFromIfMatch } from '@swiftacare/fhir-engine';
import type { Hono } from 'hono';
import type { GatewayEnv } from '../http/env.js';
import { fhirResponse, returnPreference } from '../http/fhir-response.js';
import { jsonBody } from '../http/request-body.js';
import { contextOf, type RouteDeps } from './deps.js';

/** `PUT Type/id` (with `If-Match`) and the conditional `PUT Type?…`. */
export function updateRoutes(app: Hono<GatewayEnv>, deps: RouteDeps): void {
  app.put('/:type/:id', async (c) => {
    const body = await jsonBody(c, deps.config.bodyLimit);
    const ifMatch = versionFromIfMatch(c.req.header('if-match'));
    const result = await deps.engine.update(contextOf(c), {
      type: c.req.param('type'),
      id: c.req.param('id'),
      body: body.value,
      ...(ifMatch === undefined ? {} : { ifMatch }),
    });
    return fhirResponse(result, c.get('baseUrl'), returnPreference(c.req.header('prefer')));
  });
  app.put('/:type', async (c) => {
    const body = await jsonBody(c, deps.config.bodyLimit);
    const result = await deps.engine.conditionalUpdate(contextOf(c), {
      type: c.req.param('type'),
      query: new URL(c.req.url).searchParams,
      body: body.value,
    });
    return fhirResponse(result, c.get('baseUrl'), returnPreference(c.req.header('prefer')));
  });
}
