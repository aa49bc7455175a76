import { AuditLog } from '@swiftacare/audit';
import type { Cache } from '@swiftacare/cache';
import { FhirEngine } from '@swiftacare/fhir-engine';
import {
  AuthorizationServer,
  Authenticator,
  RevocationEpoch,
  SigningKeyRing,
} from '@swiftacare/identity';
import type { PostgresBackend } from '@swiftacare/postgres-store';

/** The domain services a gateway process runs, built once over its stores. */
export interface GatewayServices {
  backend: PostgresBackend;
  cache: Cache;
  engine: FhirEngine;
  keys: SigningKeyRing;
  authorization: AuthorizationServer;
  authenticator: Authenticator;
  audit: AuditLog;
}

/** Wires the services over an open backend and cache. */
export function buildServices(
  backend: PostgresBackend,
  cache: Cache,
  options: { allowLoopbackJwks?: boolean } = {},
): GatewayServices {
  const keys = new SigningKeyRing(backend.identities);
  const revocations = new RevocationEpoch();
  return {
    backend,
    cache,
    engine: new FhirEngine(backend.resources),
    keys,
    authorization: new AuthorizationServer(backend.identities, cache, keys, {
      ...options,
      revocations,
    }),
    authenticator: new Authenticator(backend.identities, cache, keys, { revocations }),
    audit: new AuditLog(backend.audit),
  };
}
