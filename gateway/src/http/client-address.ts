import type { Context } from 'hono';

/**
 * The address a request came from: the socket's peer. Forwarded headers are not trusted here,
 * since any client can set them.
 * Limitation: behind a load balancer this is the balancer's address; trusting its
 * X-Forwarded-For needs a configured list of proxies, which does not exist yet.
 */
export function clientAddress(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress;
}
