import { FhirError } from '@swiftacare/fhir';
import type { FhirEngine } from '@swiftacare/fhir-engine';
import type { TenantRegistry } from '@swiftacare/resource-store';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import type { GatewayEnv } from './http/env.js';
import { errorResponse } from './http/errors.js';
import { fhirJson } from './http/fhir-response.js';
import { requestLog } from './http/request-log.js';
import { tenantBase } from './http/tenant-base.js';
import { bundleRoute } from './routes/bundle.js';
import { createRoute } from './routes/create.js';
import { deleteRoute } from './routes/delete.js';
import type { RouteDeps } from './routes/deps.js';
import { historyRoutes } from './routes/history.js';
import { metadataRoute } from './routes/metadata.js';
import { patchRoute } from './routes/patch.js';
import { readRoutes } from './routes/read.js';
import { searchRoutes } from './routes/search.js';
import { updateRoutes } from './routes/update.js';

/** Everything the HTTP app is built from. */
export interface AppDeps {
  engine: FhirEngine;
  tenants: TenantRegistry;
  /** True when storage answers; drives `/readyz`. */
  ready: () => Promise<boolean>;
  logger: Logger;
  config: Pick<GatewayConfig, 'bodyLimit' | 'publicUrl'>;
  version: string;
}

/** The FHIR routes of one tenant base, most specific paths first (Hono matches in order). */
function fhirRoutes(deps: RouteDeps): Hono<GatewayEnv> {
  const fhir = new Hono<GatewayEnv>();
  metadataRoute(fhir, deps);
  bundleRoute(fhir, deps);
  historyRoutes(fhir, deps);
  readRoutes(fhir, deps);
  searchRoutes(fhir, deps);
  createRoute(fhir, deps);
  updateRoutes(fhir, deps);
  patchRoute(fhir, deps);
  deleteRoute(fhir, deps);
  // A known path with a method it does not take is a 405, not a 404.
  for (const path of [
    '/',
    '/metadata',
    '/:type',
    '/:type/_history',
    '/:type/:id',
    '/:type/:id/_history',
    '/:type/:id/_history/:vid',
  ]) {
    fhir.all(path, (c) => {
      throw new FhirError('methodNotAllowed', `${c.req.method} is not supported on this path`);
    });
  }
  return fhir;
}

/**
 * The gateway's HTTP app: request ids and logs, health checks, and the FHIR API of every
 * tenant under `/t/{tenant}/fhir/R4`. Every error leaves as an OperationOutcome.
 */
export function createApp(deps: AppDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.use('*', requestLog(deps.logger));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    if (await deps.ready()) {
      return c.json({ status: 'ok' });
    }
    throw new FhirError('unavailable', 'The database is not reachable');
  });

  const routeDeps: RouteDeps = {
    engine: deps.engine,
    config: deps.config,
    startedAt: new Date().toISOString(),
    version: deps.version,
  };
  const base = '/t/:tenant/fhir/R4';
  const resolveTenant = tenantBase(deps.tenants, deps.config.publicUrl);
  app.use(base, resolveTenant);
  app.use(`${base}/*`, resolveTenant);
  app.route(base, fhirRoutes(routeDeps));

  app.notFound(() => {
    return new Response(
      JSON.stringify(
        new FhirError(
          'notFound',
          'No such endpoint; FHIR bases are at /t/{tenant}/fhir/R4',
        ).toOperationOutcome(),
      ),
      { status: 404, headers: { 'content-type': fhirJson } },
    );
  });
  app.onError((err, c) => errorResponse(err, c));
  return app;
}
