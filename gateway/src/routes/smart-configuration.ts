import { jwtBearerAssertionType, tokenExchange } from '@swiftacare/identity';
import type { Hono } from 'hono';
import type { GatewayEnv } from '../http/env.js';

/**
 * `GET .well-known/smart-configuration` under each FHIR base (SMART App Launch 2.x §
 * "Conformance"): where to get tokens and what the server supports. Public, like /metadata.
 */
export function smartConfigurationRoute(app: Hono<GatewayEnv>): void {
  app.get('/.well-known/smart-configuration', (c) => {
    const root = c.get('tenantUrl');
    return c.json({
      issuer: root,
      jwks_uri: `${root}/oauth2/jwks`,
      token_endpoint: `${root}/oauth2/token`,
      revocation_endpoint: `${root}/oauth2/revoke`,
      introspection_endpoint: `${root}/oauth2/introspect`,
      grant_types_supported: ['client_credentials', 'refresh_token', tokenExchange.grantType],
      token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
      client_assertion_types_supported: [jwtBearerAssertionType],
      scopes_supported: ['system/*.rs', 'system/*.cruds', 'user/*.cruds', 'patient/*.rs'],
      capabilities: [
        'client-confidential-asymmetric',
        'client-confidential-symmetric',
        'permission-v2',
        'permission-v1',
      ],
    });
  });
}
