import type { Context, Hono } from 'hono';
import type { GatewayEnv } from '../http/env.js';
import { fhirResponse } from '../http/fhir-response.js';
import { formBody } from '../http/request-body.js';
import { contextOf, type RouteDeps } from './deps.js';

function lenient(c: Context<GatewayEnv>): boolean {
  return /handling=lenient/.test(c.req.header('prefer') ?? '');
}

/** `GET Type?…` and `POST Type/_search` (form-encoded), answered alike. */
export function searchRoutes(app: Hono<GatewayEnv>, deps: RouteDeps): void {
  app.get('/:type', async (c) =>
    fhirResponse(
      await deps.engine.search(contextOf(c), {
        type: c.req.param('type'),
        params: new URL(c.req.url).searchParams,
        lenient: lenient(c),
      }),
      c.get('baseUrl'),
    ),
  );
  app.post('/:type/_search', async (c) => {
    const params = new URL(c.req.url).searchParams;
    for (const [k, v] of await formBody(c, deps.config.bodyLimit)) {
      params.append(k, v);
    }
    return fhirResponse(
      await deps.engine.search(contextOf(c), {
        type: c.req.param('type'),
        params,
        lenient: lenient(c),
      }),
      c.get('baseUrl'),
    );
  });
}
