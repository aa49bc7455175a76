import { FhirError } from '@swiftacare/fhir';
import type { TenantRegistry } from '@swiftacare/resource-store';
import type { MiddlewareHandler } from 'hono';
import type { GatewayEnv } from './env.js';

// Tenants are created rarely and never renamed, so a known one is remembered for a while;
// unknown ones are asked again each time, so a new tenant is served at once.
const knownFor = 60_000;

/**
 * Resolves `/t/{tenant}/...`: an unknown tenant answers 404 before anything else happens.
 * Sets the tenant and its FHIR base URL for the routes.
 */
export function tenantBase(
  tenants: TenantRegistry,
  publicUrl: string | undefined,
): MiddlewareHandler<GatewayEnv> {
  const known = new Map<string, number>();
  return async (c, next) => {
    const tenant = c.req.param('tenant') ?? '';
    const seen = known.get(tenant);
    if (seen === undefined || seen < Date.now()) {
      if (!(await tenants.get(tenant))) {
        throw new FhirError('notFound', `There is no tenant "${tenant}"`);
      }
      known.set(tenant, Date.now() + knownFor);
    }
    const origin = publicUrl ?? new URL(c.req.url).origin;
    c.set('tenant', tenant);
    c.set('tenantUrl', `${origin}/t/${tenant}`);
    c.set('baseUrl', `${origin}/t/${tenant}/fhir/R4`);
    await next();
  };
}
