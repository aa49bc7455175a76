import type { Logger } from 'pino';

/** What middleware hands to routes for one request. */
export interface GatewayEnv {
  Variables: {
    requestId: string;
    log: Logger;
    tenant: string;
    /** The tenant's FHIR base as clients see it, e.g. https://host/t/demo/fhir/R4. */
    baseUrl: string;
  };
}
