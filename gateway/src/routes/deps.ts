import type { FhirEngine, RequestContext } from '@swiftacare/fhir-engine';
import type { Context } from 'hono';
import type { GatewayEnv } from '../http/env.js';
import type { GatewayConfig } from '../config.js';

/** What the FHIR routes are built from. */
export interface RouteDeps {
  engine: FhirEngine;
  config: Pick<GatewayConfig, 'bodyLimit'>;
  startedAt: string;
  version: string;
}

/** A request's tenant and base, as the engine takes them. */
export function contextOf(c: Context<GatewayEnv>): RequestContext {
  const access = c.get('access');
  return { tenant: c.get('tenant'), baseUrl: c.get('baseUrl'), ...(access ? { access } : {}) };
}
