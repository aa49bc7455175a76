import { FhirError, capabilityStatement } from '@swiftacare/fhir';
import type { Hono } from 'hono';
import type { GatewayEnv } from '../http/env.js';
import { fhirResponse } from '../http/fhir-response.js';
import { auditEventSearchParams } from './audit-events.js';
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
          extraResources: [
            {
              type: 'AuditEvent',
              interaction: [{ code: 'search-type' }],
              searchParam: auditEventSearchParams.map((p) => ({ name: p.name, type: p.type })),
            },
          ],
        }),
      },
      c.get('baseUrl'),
    ),
  );
  // Here, before the type routes, so that `POST /metadata` is a 405 rather than a create of a
  // resource type called "metadata".
  app.all('/metadata', (c) => {
    throw new FhirError('methodNotAllowed', `${c.req.method} is not supported on this path`);
  });
}
