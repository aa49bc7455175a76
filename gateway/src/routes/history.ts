import type { Hono } from 'hono';
import type { GatewayEnv } from '../http/env.js';
import { fhirResponse } from '../http/fhir-response.js';
import { contextOf, type RouteDeps } from './deps.js';

function queryOf(url: string): URLSearchParams {
  return new URL(url).searchParams;
}

/** `GET Type/_history` and `GET Type/id/_history`. */
export function historyRoutes(app: Hono<GatewayEnv>, deps: RouteDeps): void {
  app.get('/:type/_history', async (c) =>
    fhirResponse(
      await deps.engine.history(contextOf(c), {
        type: c.req.param('type'),
        params: queryOf(c.req.url),
      }),
      c.get('baseUrl'),
    ),
  );
  app.get('/:type/:id/_history', async (c) =>
    fhirResponse(
      await deps.engine.history(contextOf(c), {
        type: c.req.param('type'),
        id: c.req.param('id'),
        params: queryOf(c.req.url),
      }),
      c.get('baseUrl'),
    ),
  );
}
