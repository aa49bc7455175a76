import { FhirError } from '@swiftacare/fhir';
import type { TenantRegistry } from '@swiftacare/resource-store';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { accessPolicyFor } from './access/access-policy.js';
import { activeGrants } from './access/break-glass.js';
import type { GatewayConfig } from './config.js';
import { auditTrail } from './http/audit-trail.js';
import { authentication } from './http/authentication.js';
import { rateLimit } from './http/rate-limit.js';
import type { GatewayEnv } from './http/env.js';
import { errorResponse } from './http/errors.js';
import { fhirJson } from './http/fhir-response.js';
import { requestLog } from './http/request-log.js';
import { tenantBase } from './http/tenant-base.js';
import { adminRoutes } from './routes/admin.js';
import { auditEventRoutes } from './routes/audit-events.js';
import { bundleRoute } from './routes/bundle.js';
import { createRoute } from './routes/create.js';
import { deleteRoute } from './routes/delete.js';
import type { RouteDeps } from './routes/deps.js';
import { historyRoutes } from './routes/history.js';
import { breakGlassRoute } from './routes/break-glass.js';
import { loginRoute } from './routes/login.js';
import { oauthRoutes } from './routes/oauth.js';
import { smartConfigurationRoute } from './routes/smart-configuration.js';
import { metadataRoute } from './routes/metadata.js';
import { patchRoute } from './routes/patch.js';
import { readRoutes } from './routes/read.js';
import { searchRoutes } from './routes/search.js';
import { updateRoutes } from './routes/update.js';
import type { GatewayServices } from './services.js';

/** Everything the HTTP app is built from. */
export interface AppDeps {
  services: GatewayServices;
  tenants: TenantRegistry;
  /** True when storage answers; drives `/readyz`. */
  ready: () => Promise<boolean>;
  logger: Logger;
  config: Pick<GatewayConfig, 'bodyLimit' | 'publicUrl'> & { rateLimit?: number };
  version: string;
}

/** The FHIR routes of one tenant base, most specific paths first (Hono matches in order). */
function fhirRoutes(
  deps: RouteDeps,
  services: GatewayServices,
  perMinute: number,
): Hono<GatewayEnv> {
  const fhir = new Hono<GatewayEnv>();
  // Public, so clients can discover how to authenticate (SMART App Launch, FHIR capabilities).
  metadataRoute(fhir, deps);
  smartConfigurationRoute(fhir);
  // Everything else: audited (refusals included), then authenticated, then routed.
  fhir.use('*', auditTrail(services.audit));
  fhir.use('*', authentication(services.authenticator));
  fhir.use('*', rateLimit(services.cache, perMinute));
  fhir.use('*', async (c, next) => {
    const principal = c.get('principal');
    if (principal) {
      const grants =
        principal.role === 'practitioner' ? await activeGrants(services.cache, principal) : [];
      if (grants.length > 0) {
        // Limitation: while a grant is in force every access of this practitioner is audited
        // as an emergency override, not only those about the granted patient (a search does not
        // say in advance whose records it will reach).
        c.set('emergency', grants.map((g) => `${g.patient}: ${g.reason}`).join('; '));
      }
      c.set(
        'access',
        accessPolicyFor(
          principal,
          services.backend.resources,
          services.cache,
          grants.map((g) => g.patient),
        ),
      );
    }
    await next();
  });
  auditEventRoutes(fhir, services.backend.audit);
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
    engine: deps.services.engine,
    config: deps.config,
    startedAt: new Date().toISOString(),
    version: deps.version,
  };
  const base = '/t/:tenant/fhir/R4';
  app.use('/t/:tenant/*', tenantBase(deps.tenants, deps.config.publicUrl));
  const auth = new Hono<GatewayEnv>();
  const oauthDeps = {
    server: deps.services.authorization,
    authenticator: deps.services.authenticator,
    audit: deps.services.audit,
    cache: deps.services.cache,
    bodyLimit: deps.config.bodyLimit,
  };
  oauthRoutes(auth, oauthDeps);
  loginRoute(auth, oauthDeps);
  breakGlassRoute(auth, oauthDeps);
  app.route('/t/:tenant', auth);
  adminRoutes(app, {
    identities: deps.services.backend.identities,
    tenants: deps.tenants,
    authenticator: deps.services.authenticator,
    audit: deps.services.audit,
    bodyLimit: deps.config.bodyLimit,
    ...(deps.config.publicUrl ? { publicUrl: deps.config.publicUrl } : {}),
  });
  app.route(base, fhirRoutes(routeDeps, deps.services, deps.config.rateLimit ?? 12_000));

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
