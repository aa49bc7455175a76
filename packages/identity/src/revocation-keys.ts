/**
 * Where revocations are kept in the shared cache. The authorization server writes them and the
 * authenticator reads them on every request, so both take the names from here.
 */

/** An access token revoked by its id (RFC 7009), kept until the token would have expired. */
export function revokedTokenKey(tenant: string, tokenId: string): string {
  return `revoked:${tenant}:${tokenId}`;
}

/**
 * A sign-in session ended (its refresh token revoked, or a spent one presented again): every
 * access token issued under it is refused from then on, kept as long as such a token can live.
 */
export function revokedSessionKey(tenant: string, session: string): string {
  return `revoked-session:${tenant}:${session}`;
}
