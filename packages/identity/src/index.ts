// The identity layer's pure logic: scopes, role policy, passwords, keys and tokens. No HTTP and
// no database here; the gateway wires these to its endpoints and stores.
export {
  formatScope,
  formatScopes,
  intersectScopes,
  mergeScopes,
  parseScope,
  parseScopes,
  permissionFor,
  permissionOrder,
  scopesPermit,
  type IgnoredScope,
  type ParsedScopes,
  type Permission,
  type Scope,
  type ScopeContext,
  type ScopeParseResult,
} from './scopes.js';
export {
  allRoles,
  compartmentOf,
  isRole,
  roleScopes,
  type Compartment,
  type Role,
} from './roles.js';
export {
  currentScryptParameters,
  hashPassword,
  needsRehash,
  verifyPassword,
  type ScryptParameters,
} from './passwords.js';
export {
  accessTokenAlgorithm,
  generateSigningKey,
  publicJwk,
  publicJwks,
  type SigningKey,
} from './signing-keys.js';
export {
  clockToleranceSeconds,
  maxAccessTokenTtlSeconds,
  signAccessToken,
  TokenError,
  verifyAccessToken,
  type AccessTokenClaims,
  type TokenErrorReason,
  type VerifiedAccessToken,
  type VerifyAccessTokenOptions,
} from './access-tokens.js';
export { OAuthError, type OAuthErrorCode } from './oauth-error.js';
export {
  clientAssertionAlgorithms,
  jwtBearerAssertionType,
  maxAssertionLifetimeSeconds,
  verifyClientAssertion,
  type AuthenticatedClient,
  type VerifyClientAssertionOptions,
} from './client-assertion.js';
export { classifyAddress, type AddressKind } from './addresses.js';
export {
  fetchJwks,
  JwksFetchError,
  type FetchJwksOptions,
  type JwksFetchFailure,
} from './jwks-url.js';
export * from './identity-store.js';
export * from './principal.js';
export * from './secrets.js';
export * from './signing-key-ring.js';
export * from './authorization-server.js';
export * from './authenticator.js';
export * from './revocation-epoch.js';
export * from './revocation-keys.js';
