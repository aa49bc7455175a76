import { OAuthError } from '@swiftacare/identity';
import type { Hono } from 'hono';
import { decodeJwt } from 'jose';
import { tokenSite } from '../http/authentication.js';
import { clientAddress } from '../http/client-address.js';
import type { GatewayEnv } from '../http/env.js';
import { jsonBody } from '../http/request-body.js';
import type { OAuthDeps } from './oauth.js';

// Failed sign-ins allowed per window, per account and per address, before 429.
const window = 15 * 60;
const perAccount = 10;
const perAddress = 50;

/**
 * `POST /t/{tenant}/auth/login` with `{ email, password }`: how Swiftacare's own users sign
 * in. Answers tokens as the token endpoint does; a wrong email and a wrong password look alike;
 * failures are throttled per account and per address.
 */
export function loginRoute(app: Hono<GatewayEnv>, deps: OAuthDeps): void {
  app.post('/auth/login', async (c) => {
    const tenant = c.get('tenant');
    // Limitation: a request without a socket address (only in-process ones) shares one
    // "unknown" address counter with every other such request.
    const address = clientAddress(c) ?? 'unknown';
    // Every attempt is audited, refused and throttled ones included.
    const audit = (status: number, who: { user?: string; role?: string } = {}): Promise<void> =>
      deps.audit.record({
        tenant,
        recorded: new Date().toISOString(),
        action: 'E',
        interaction: 'login',
        outcome: status < 400 ? 'success' : 'refused',
        status,
        // Who signed in, once they have; a refused attempt names nobody, since the same
        // refusal serves an unknown email and a wrong password.
        who,
        address,
        requestId: c.get('requestId'),
      });
    const { value } = await jsonBody(c, deps.bodyLimit);
    const { email, password } = (value ?? {}) as { email?: unknown; password?: unknown };
    if (typeof email !== 'string' || typeof password !== 'string') {
      await audit(400);
      return c.json(
        { error: 'invalid_request', error_description: 'Send {"email": "...", "password": "..."}' },
        400,
      );
    }
    const accountKey = `login-fail:${tenant}:${email.toLowerCase()}`;
    const addressKey = `login-fail:address:${address}`;
    const [byAccount, byAddress] = await Promise.all([
      deps.cache.get(accountKey),
      deps.cache.get(addressKey),
    ]);
    if (Number(byAccount ?? 0) >= perAccount || Number(byAddress ?? 0) >= perAddress) {
      await audit(429);
      return c.json(
        {
          error: 'too_many_attempts',
          error_description: 'Too many failed sign-ins; wait and retry',
        },
        429,
        { 'retry-after': String(window) },
      );
    }
    try {
      const tokens = await deps.server.login(tokenSite(c), email, password);
      await deps.cache.delete(accountKey);
      const claims = decodeJwt(tokens.access_token);
      await audit(200, {
        ...(typeof claims.sub === 'string' ? { user: claims.sub } : {}),
        ...(typeof claims.role === 'string' ? { role: claims.role } : {}),
      });
      return c.json(tokens, 200, { 'cache-control': 'no-store' });
    } catch (err) {
      if (!(err instanceof OAuthError)) {
        throw err;
      }
      await Promise.all([
        deps.cache.increment(accountKey, window),
        deps.cache.increment(addressKey, window),
      ]);
      await audit(401);
      return c.json({ error: 'invalid_grant', error_description: err.description }, 401, {
        'cache-control': 'no-store',
      });
    }
  });
}
