import { serve, type ServerType } from '@hono/node-server';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import type { GatewayConfig } from './config.js';
import type { Runtime } from './runtime.js';
import { gatewayVersion } from './version.js';

/** A listening gateway. */
export interface RunningServer {
  url: string;
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
    engine: runtime.engine,
    tenants: runtime.backend.tenants,
    ready: () => runtime.backend.resources.ready(),
    logger: log,
    config,
    version: gatewayVersion,
  });
  const server = await new Promise<ServerType>((done) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => {
      done(s);
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}`,
    close: async () => {
      await new Promise<void>((done) => {
        // close() waits for in-flight requests; idle keep-alive sockets would hold it open.
        server.close(() => {
          done();
        });
        if ('closeIdleConnections' in server) {
          server.closeIdleConnections();
        }
      });
      await runtime.stop();
    },
  };
}
