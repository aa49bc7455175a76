/** The token-endpoint error codes of RFC 6749 §5.2 that this server emits. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope';

/**
 * An error the token endpoint answers with `{ error, error_description }`. The description is
 * meant for the client's developer: it says what to fix. It must never contain secrets, key
 * material or anything about another client or tenant.
 */
export class OAuthError extends Error {
  readonly error: OAuthErrorCode;
  readonly description: string;
  /**
   * 401 for `invalid_client` (RFC 6749 §5.2: the client failed to authenticate; a server may
   * also send 400 there, but 401 tells a developer it is their credentials), 400 otherwise.
   */
  readonly status: 400 | 401;

  constructor(error: OAuthErrorCode, description: string) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
    this.error = error;
    this.description = description;
    this.status = error === 'invalid_client' ? 401 : 400;
  }

  /** The response body of RFC 6749 §5.2. */
  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}
