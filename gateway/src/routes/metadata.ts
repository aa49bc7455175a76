import { capabilityStatement } from '@swiftacare/fhir';
import type { Hono } from 'hono';
import type { GatewayEnv } from '../http/env.js';
import { fhirResponse } from '../http/fhir-response.js';
import type { RouteDeps } from './deps.js';

/** `GET /metadata`: the CapabilityStatement, built from the served-type list. */
export function metadataRoute(app: Hono<GatewayEnv>, deps: RouteDeps): void {
  app.get('/metadata', (c) =>
    fhirResponse(
      {
        status: 200,
        body: capabilityStatement({
          baseUrl: c.get('baseUrl'),
          software: { name: 'Swiftacare gateway', version: deps.version },
          date: deps.startedAt,
        }),
      },
      c.get('baseUrl'),
    ),
  );
}
