import type { AuditLog } from '@swiftacare/audit';
import type { Cache } from '@swiftacare/cache';
import {
  AuthenticationError,
  OAuthError,
  type AuthorizationServer,
  type Authenticator,
} from '@swiftacare/identity';
import type { Context, Hono } from 'hono';
import { tokenSite, unauthenticated } from '../http/authentication.js';
import { clientAddress } from '../http/client-address.js';
import type { GatewayEnv } from '../http/env.js';
import { rawBody } from '../http/request-body.js';

/** What the OAuth routes are built from. */
export interface OAuthDeps {
  server: AuthorizationServer;
  authenticator: Authenticator;
  audit: AuditLog;
  cache: Cache;
  bodyLimit: number;
}

// Token responses carry credentials: never store them anywhere (RFC 6749 §5.1).
const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' };

function oauthError(err: OAuthError): Response {
  return new Response(JSON.stringify(err.toJSON()), {
    status: err.status,
    headers: {
      'content-type': 'application/json',
      ...noStore,
      ...(err.status === 401 ? { 'www-authenticate': 'Basic realm="swiftacare"' } : {}),
    },
  });
}

async function form(c: Context<GatewayEnv>, limit: number): Promise<URLSearchParams> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new OAuthError(
      'invalid_request',
      'Send the request as application/x-www-form-urlencoded',
    );
  }
  return new URLSearchParams(await rawBody(c, limit));
}

/** Who a token request says it is, for the audit trail (verified or not: it says which). */
function claimedClient(
  body: URLSearchParams,
  authorization: string | undefined,
): string | undefined {
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    return decoded.split(':')[0];
  }
  const clientId = body.get('client_id');
  if (clientId) {
    return clientId;
  }
  // A SMART Backend Services request names its client only as the assertion's `iss` (which,
  // on success, was verified to be the client).
  const payload = body.get('client_assertion')?.split('.')[1];
  try {
    const iss: unknown = payload
      ? Reflect.get(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as object, 'iss')
      : undefined;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The OAuth2 endpoints of each tenant: token (client credentials, refresh, token exchange),
 * revocation (RFC 7009), introspection (RFC 7662) and the JWKS of the tenant's signing keys.
 */
export function oauthRoutes(app: Hono<GatewayEnv>, deps: OAuthDeps): void {
  const audit = async (
    c: Context<GatewayEnv>,
    interaction: string,
    status: number,
    who: { client?: string; user?: string; role?: string },
  ): Promise<void> => {
    const address = clientAddress(c);
    await deps.audit.record({
      tenant: c.get('tenant'),
      recorded: new Date().toISOString(),
      action: 'E',
      interaction,
      outcome: status < 400 ? 'success' : status >= 500 ? 'failed' : 'refused',
      status,
      who,
      ...(address ? { address } : {}),
      requestId: c.get('requestId'),
    });
  };

  app.post('/oauth2/token', async (c) => {
    const authorization = c.req.header('authorization');
    let body = new URLSearchParams();
    try {
      body = await form(c, deps.bodyLimit);
      const token = await deps.server.token(tokenSite(c), body, authorization);
      const client = claimedClient(body, authorization);
      await audit(c, `token:${body.get('grant_type') ?? ''}`, 200, client ? { client } : {});
      return new Response(JSON.stringify(token), {
        status: 200,
        headers: { 'content-type': 'application/json', ...noStore },
      });
    } catch (err) {
      if (err instanceof OAuthError) {
        const client = claimedClient(body, authorization);
        await audit(
          c,
          `token:${body.get('grant_type') ?? ''}`,
          err.status,
          client ? { client } : {},
        );
        return oauthError(err);
      }
      throw err;
    }
  });

  app.post('/oauth2/revoke', async (c) => {
    try {
      const body = await form(c, deps.bodyLimit);
      // Limitation: revocation does not require client authentication; presenting the token
      // is taken as the right to end it, which is all RFC 7009 permits anyway.
      await deps.server.revoke(tokenSite(c), body.get('token') ?? '');
      await audit(c, 'revoke', 200, {});
      return new Response(null, { status: 200, headers: noStore });
    } catch (err) {
      if (err instanceof OAuthError) {
        return oauthError(err);
      }
      throw err;
    }
  });

  app.post('/oauth2/introspect', async (c) => {
    let caller;
    try {
      caller = await deps.authenticator.authenticate(tokenSite(c), c.req.header('authorization'));
    } catch (err) {
      if (err instanceof AuthenticationError) {
        return unauthenticated(err);
      }
      throw err;
    }
    if (caller.role !== 'institution-admin' && caller.role !== 'system') {
      return new Response(JSON.stringify({ error: 'insufficient_scope' }), {
        status: 403,
        headers: { 'content-type': 'application/json' },
      });
    }
    const body = await form(c, deps.bodyLimit).catch(() => new URLSearchParams());
    const token = body.get('token') ?? '';
    let answer: Record<string, unknown> = { active: false };
    try {
      const p = await deps.authenticator.authenticate(tokenSite(c), `Bearer ${token}`);
      answer = {
        active: true,
        scope: p.scopes
          .map((s) => `${s.context}/${s.type}.${[...s.permissions].join('')}`)
          .join(' '),
        sub: p.subject,
        role: p.role,
        tenant: p.tenant,
        exp: p.expiresAt,
        jti: p.tokenId,
        ...(p.clientId ? { client_id: p.clientId } : {}),
        ...(p.actor ? { act: { sub: p.actor } } : {}),
        token_type: 'Bearer',
      };
    } catch (err) {
      if (!(err instanceof AuthenticationError)) {
        throw err;
      }
    }
    await audit(c, 'introspect', 200, {
      ...(caller.clientId ? { client: caller.clientId } : {}),
      ...(caller.role !== 'system' ? { user: caller.subject } : {}),
      role: caller.role,
    });
    return new Response(JSON.stringify(answer), {
      status: 200,
      headers: { 'content-type': 'application/json', ...noStore },
    });
  });

  app.get('/oauth2/jwks', async (c) => {
    // Published keys, fetched by anyone who verifies our tokens; public by nature.
    const jwks = await deps.server.jwks(c.get('tenant'));
    return c.json(jwks, 200, { 'cache-control': 'public, max-age=300' });
  });
}
