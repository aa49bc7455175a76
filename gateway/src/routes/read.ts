import type { Hono } from 'hono';
import type { GatewayEnv } from '../http/env.js';
import { fhirResponse } from '../http/fhir-response.js';
import { contextOf, type RouteDeps } from './deps.js';

/** `GET Type/id` and `GET Type/id/_history/vid`. */
export function readRoutes(app: Hono<GatewayEnv>, deps: RouteDeps): void {
  app.get('/:type/:id/_history/:vid', async (c) =>
    fhirResponse(
      await deps.engine.vread(
        contextOf(c),
        c.req.param('type'),
        c.req.param('id'),
        c.req.param('vid'),
      ),
      c.get('baseUrl'),
    ),
  );
  app.get('/:type/:id', async (c) =>
    fhirResponse(
      await deps.engine.read(contextOf(c), c.req.param('type'), c.req.param('id')),
      c.get('baseUrl'),
    ),
  );
}
