import type { AccessPolicy } from '@swiftacare/fhir-engine';
import type { Principal } from '@swiftacare/identity';
import type { Logger } from 'pino';

/** What middleware hands to routes for one request. */
export interface GatewayEnv {
  Variables: {
    requestId: string;
    log: Logger;
    tenant: string;
    /** The tenant's FHIR base as clients see it, e.g. https://host/t/demo/fhir/R4. */
    baseUrl: string;
    /** The tenant's root as clients see it, e.g. https://host/t/demo: the issuer of its tokens. */
    tenantUrl: string;
    /** Who is calling, once authenticated. */
    principal?: Principal;
    /** What the caller may do, applied by the engine. */
    access?: AccessPolicy;
    /** Reasons of break-glass grants in force: accesses are audited as emergency overrides. */
    emergency?: string;
  };
}
