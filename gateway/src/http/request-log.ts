import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { GatewayEnv } from './env.js';

const safeId = /^[A-Za-z0-9._-]{8,128}$/;

/**
 * Gives every request an id (the caller's `X-Request-Id` when it is a sane token, so traces
 * join up across systems), a logger bound to it, and one log line when it completes. The line
 * carries the route pattern, never the URL with its query, which can hold identifiers.
 */
export function requestLog(root: Logger): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && safeId.test(incoming) ? incoming : randomUUID();
    const log = root.child({ requestId });
    c.set('requestId', requestId);
    c.set('log', log);
    await next();
    // On the answer's own headers: c.header() after the handler copies the whole response
    // into a streamed one, which then costs more to send than the read that produced it.
    c.res.headers.set('x-request-id', requestId);
    if (log.isLevelEnabled('info')) {
      log.info(
        {
          tenant: c.get('tenant'),
          method: c.req.method,
          route: routePath(c),
          status: c.res.status,
          ms: Math.round((performance.now() - started) * 10) / 10,
        },
        'request completed',
      );
    }
  };
}
