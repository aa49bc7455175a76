import { describe, expect, it } from 'vitest';
import { OAuthError } from './oauth-error.js';

describe('OAuthError', () => {
  it('carries the code and description', () => {
    const error = new OAuthError('invalid_scope', 'user/Foo.rs is not a scope we grant');
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('invalid_scope: user/Foo.rs is not a scope we grant');
    expect(error.toJSON()).toEqual({
      error: 'invalid_scope',
      error_description: 'user/Foo.rs is not a scope we grant',
    });
  });

  it('uses 400 for everything but invalid_client', () => {
    expect(new OAuthError('invalid_request', 'x').status).toBe(400);
    expect(new OAuthError('invalid_grant', 'x').status).toBe(400);
    expect(new OAuthError('invalid_scope', 'x').status).toBe(400);
    expect(new OAuthError('unauthorized_client', 'x').status).toBe(400);
    expect(new OAuthError('unsupported_grant_type', 'x').status).toBe(400);
    expect(new OAuthError('invalid_client', 'x').status).toBe(401);
  });
});
