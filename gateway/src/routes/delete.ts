import { versionFromIfMatch } from '@swiftacare/fhir-engine';
import type { Hono } from 'hono';
import type { GatewayEnv } from '../http/env.js';
import { fhirResponse } from '../http/fhir-response.js';
import { contextOf, type RouteDeps } from './deps.js';

/** `DELETE Type/id`. */
export function deleteRoute(app: Hono<GatewayEnv>, deps: RouteDeps): void {
  app.delete('/:type/:id', async (c) => {
    const ifMatch = versionFromIfMatch(c.req.header('if-match'));
    const result = await deps.engine.delete(contextOf(c), {
      type: c.req.param('type'),
      id: c.req.param('id'),
      ...(ifMatch === undefined ? {} : { ifMatch }),
    });
    return fhirResponse(result, c.get('baseUrl'));
  });
}
