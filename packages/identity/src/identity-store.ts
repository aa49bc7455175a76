import type { JWK } from 'jose';

/** A tenant's key for signing access tokens. */
export interface StoredSigningKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
  createdAt: string;
  /** Retired keys still verify tokens they signed until those expire, but sign nothing new. */
  retiredAt?: string;
}

/** A registered OAuth client of an institution (its systems, or Swiftacare's own apps). */
export interface OAuthClient {
  clientId: string;
  name: string;
  /** Hash of a `client_secret_basic` secret, for clients registered with one. */
  secretHash?: string;
  /** Public keys for SMART Backend Services assertions, registered inline... */
  jwks?: { keys: JWK[] };
  /** ...or as a URL to fetch them from. */
  jwksUrl?: string;
  /** The scopes this client may be granted, space-separated SMART scopes. */
  scope: string;
  active: boolean;
}

/** A person who signs in: a patient, a therapist, staff, an admin, or an operator. */
export interface AppUser {
  id: string;
  email: string;
  passwordHash?: string;
  role: string;
  /** The FHIR resource that is this user, e.g. `Practitioner/…` or `Patient/…`. */
  fhirUser?: string;
  /** Identifiers the institution knows the user by, as `system|value`. */
  identifiers: string[];
  active: boolean;
}

/** A refresh token, kept only as a hash; each use spends it and issues the next of its family. */
export interface RefreshTokenRecord {
  tokenHash: string;
  familyId: string;
  userId: string;
  clientId?: string;
  scope: string;
  expiresAt: string;
  usedAt?: string;
  revokedAt?: string;
}

/** Where identities live. Every method is scoped to one tenant. */
export interface IdentityStore {
  signingKeys(tenant: string): Promise<StoredSigningKey[]>;
  addSigningKey(tenant: string, key: Omit<StoredSigningKey, 'createdAt'>): Promise<void>;
  retireSigningKey(tenant: string, kid: string): Promise<void>;

  client(tenant: string, clientId: string): Promise<OAuthClient | undefined>;
  createClient(tenant: string, client: OAuthClient): Promise<void>;
  clients(tenant: string): Promise<OAuthClient[]>;

  user(tenant: string, id: string): Promise<AppUser | undefined>;
  userByEmail(tenant: string, email: string): Promise<AppUser | undefined>;
  userByIdentifier(tenant: string, identifier: string): Promise<AppUser | undefined>;
  createUser(tenant: string, user: AppUser): Promise<void>;
  users(tenant: string): Promise<AppUser[]>;

  saveRefreshToken(tenant: string, token: RefreshTokenRecord): Promise<void>;
  /**
   * Spends a refresh token: marks it used and returns it as it was. A token already used
   * comes back with `usedAt` set, so the caller can detect reuse and revoke the family.
   */
  spendRefreshToken(tenant: string, tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  revokeRefreshFamily(tenant: string, familyId: string): Promise<void>;
}
