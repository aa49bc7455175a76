import type { FhirEngine } from '@swiftacare/fhir-engine';
import type { GatewayConfig } from '../config.js';

/** What the FHIR routes are built from. */
export interface RouteDeps {
  engine: FhirEngine;
  config: Pick<GatewayConfig, 'bodyLimit'>;
  startedAt: string;
  version: string;
}

/** A request's tenant and base, as the engine takes them. */
export function contextOf(c: { get(key: 'tenant' | 'baseUrl'): string }): {
  tenant: string;
  baseUrl: string;
} {
  return { tenant: c.get('tenant'), baseUrl: c.get('baseUrl') };
}
