import { FhirError } from '@swiftacare/fhir';
import { AuthenticationError, type Authenticator } from '@swiftacare/identity';
import type { MiddlewareHandler } from 'hono';
import type { GatewayEnv } from './env.js';
import { fhirJson } from './fhir-response.js';

/** The token site of the tenant a request is for: who issues its tokens, and for what. */
export function tokenSite(c: { get(key: 'tenant' | 'tenantUrl' | 'baseUrl'): string }): {
  tenant: string;
  issuer: string;
  audience: string;
  tokenUrl: string;
} {
  return {
    tenant: c.get('tenant'),
    issuer: c.get('tenantUrl'),
    audience: c.get('baseUrl'),
    tokenUrl: `${c.get('tenantUrl')}/oauth2/token`,
  };
}

/** A 401 as FHIR clients expect it: an OperationOutcome plus RFC 6750's WWW-Authenticate. */
export function unauthenticated(err: AuthenticationError): Response {
  const outcome = new FhirError('unauthenticated', err.message).toOperationOutcome();
  const description = err.message.replace(/["\\]/g, '');
  return new Response(JSON.stringify(outcome), {
    status: 401,
    headers: {
      'content-type': fhirJson,
      'www-authenticate': `Bearer realm="swiftacare", error="${err.code}", error_description="${description}"`,
    },
  });
}

/**
 * Requires a valid access token of this tenant and sets the principal. Runs after the tenant
 * is known and before any route, so no FHIR endpoint answers the unauthenticated (the
 * CapabilityStatement and SMART configuration, which clients need to find the token endpoint,
 * are the exception, as SMART requires).
 */
export function authentication(authenticator: Authenticator): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    try {
      c.set(
        'principal',
        await authenticator.authenticate(tokenSite(c), c.req.header('authorization')),
      );
    } catch (err) {
      if (err instanceof AuthenticationError) {
        c.res = unauthenticated(err);
        return;
      }
      throw err;
    }
    await next();
  };
}
