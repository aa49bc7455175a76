import { randomUUID } from 'node:crypto';
import type { Runtime } from '@swiftacare/gateway';
import {
  formatScopes,
  roleScopes,
  signAccessToken,
  type AccessTokenClaims,
} from '@swiftacare/identity';

/** Longer than any run; the gateway refuses tokens of more than a day. */
const ttlSeconds = 3_600;

/**
 * An access token for an institution admin of the tenant, signed with the tenant's active key
 * as its token endpoint would issue it, so the HTTP scenarios pass authentication the way a
 * real client does (the gateway verifies a token once, then serves it from its cache).
 */
export async function adminToken(
  runtime: Runtime,
  origin: string,
  tenant: string,
): Promise<string> {
  const sub = randomUUID();
  await runtime.backend.identities.createUser(tenant, {
    id: sub,
    email: `bench-${sub}@bench.invalid`,
    role: 'institution-admin',
    identifiers: [],
    active: true,
  });
  const claims: AccessTokenClaims = {
    iss: `${origin}/t/${tenant}`,
    aud: `${origin}/t/${tenant}/fhir/R4`,
    sub,
    tenant,
    role: 'institution-admin',
    scope: formatScopes(roleScopes('institution-admin')),
  };
  const key = await runtime.services.keys.active(tenant);
  return signAccessToken(key.privateJwk, claims, ttlSeconds);
}
