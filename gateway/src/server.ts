import { Server as NetServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve, type ServerType } from '@hono/node-server';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import type { GatewayConfig } from './config.js';
import type { Runtime } from './runtime.js';
import { gatewayVersion } from './version.js';

/** Longest wait for requests in flight at shutdown. */
const drainTimeoutMs = 10_000;
/** How long no request may be running before the remaining idle connections are closed. */
const settleMs = 200;

/** A listening gateway. */
export interface RunningServer {
  url: string;
  /** Requests being answered right now. */
  activeRequests(): number;
  /** Requests received since start. */
  receivedRequests(): number;
  /** Stops accepting connections, lets in-flight requests finish, then closes storage. */
  close(): Promise<void>;
}

/** Starts the HTTP server on the configured address. */
export async function listen(
  config: GatewayConfig,
  runtime: Runtime,
  log: Logger,
): Promise<RunningServer> {
  const app = createApp({
    services: runtime.services,
    tenants: runtime.backend.tenants,
    ready: () => runtime.backend.resources.ready(),
    logger: log,
    config,
    version: gatewayVersion,
  });
  let active = 0;
  let received = 0;
  let draining = false;
  const fetch = async (request: Request, env: unknown): Promise<Response> => {
    active++;
    received++;
    try {
      const response = await app.fetch(request, env);
      if (draining) {
        // Tell keep-alive clients to reconnect elsewhere once this answer is sent.
        response.headers.set('connection', 'close');
      }
      return response;
    } finally {
      active--;
    }
  };
  const server = await new Promise<ServerType>((done) => {
    const s = serve({ fetch, port: config.port, hostname: config.host }, () => {
      done(s);
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}`,
    activeRequests: () => active,
    receivedRequests: () => received,
    close: async () => {
      draining = true;
      // http.Server#close would also drop every idle connection at once, including those
      // whose request is on its way but not yet read; stop accepting instead, drain, then close.
      const closed = new Promise<void>((done) => {
        NetServer.prototype.close.call(server, () => {
          done();
        });
      });
      const deadline = Date.now() + drainTimeoutMs;
      let quietSince = Date.now();
      while (Date.now() < deadline && Date.now() - quietSince < settleMs) {
        await sleep(10);
        if (active > 0) {
          quietSince = Date.now();
        }
      }
      if ('closeAllConnections' in server) {
        server.closeAllConnections();
      }
      await closed;
      await runtime.stop();
    },
  };
}
