import type { Role } from './roles.js';
import type { Scope } from './scopes.js';

/** Who is calling, as every access decision sees it. */
export interface Principal {
  tenant: string;
  /** User id, or the client id for a backend service. */
  subject: string;
  role: Role;
  scopes: Scope[];
  clientId?: string;
  /** For a token obtained by exchange: the client acting on the user's behalf. */
  actor?: string;
  /** The FHIR resource that is the user (`Practitioner/…`, `Patient/…`), when there is one. */
  fhirUser?: string;
  /** The sign-in session a user token belongs to (see `AccessTokenClaims.sid`). */
  session?: string;
  /** Token id and expiry (epoch seconds), for revocation. */
  tokenId: string;
  expiresAt: number;
}
