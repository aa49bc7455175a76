import { serve, type ServerType } from '@hono/node-server';
import type { FhirEngine } from '@swiftacare/fhir-engine';
import type { TenantRegistry } from '@swiftacare/resource-store';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { GatewayEnv } from './http/env.js';
import { errorResponse } from './http/errors.js';
import { requestLog } from './http/request-log.js';
import { tenantBase } from './http/tenant-base.js';
import { readRoutes } from './routes/read.js';

/** What the baseline read app is built from: the same engine and tenants the gateway serves. */
export interface BaselineReadDeps {
  engine: FhirEngine;
  tenants: TenantRegistry;
  logger: Logger;
  publicUrl?: string;
}

/**
 * Read by id exactly as the gateway serves it (request log, tenant resolution, the read route
 * and its error answers) but with no authentication, rate limit, access policy or audit trail:
 * the path as it stood before those existed. It exists so a benchmark can measure what they
 * cost on the same engine and data in the same run. `swiftacare serve` never mounts it, and it
 * must never face a network: it answers anyone.
 */
export function createBaselineReadApp(deps: BaselineReadDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.use('*', requestLog(deps.logger));
  app.use('/t/:tenant/*', tenantBase(deps.tenants, deps.publicUrl));
  const fhir = new Hono<GatewayEnv>();
  readRoutes(fhir, { engine: deps.engine, config: { bodyLimit: 0 }, startedAt: '', version: '' });
  app.route('/t/:tenant/fhir/R4', fhir);
  app.onError((err, c) => errorResponse(err, c));
  return app;
}

/** A listening baseline read app on a free loopback port. */
export interface BaselineReadServer {
  url: string;
  close(): Promise<void>;
}

/** Serves {@link createBaselineReadApp} on 127.0.0.1 and a free port; loopback only, always. */
export async function listenBaselineRead(deps: BaselineReadDeps): Promise<BaselineReadServer> {
  const app = createBaselineReadApp(deps);
  const server = await new Promise<ServerType>((done) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => {
      done(s);
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done, fail) => {
        // Keep-alive connections of the load generator would hold the server open.
        if ('closeAllConnections' in server) {
          server.closeAllConnections();
        }
        server.close((err) => {
          if (err) {
            fail(err);
          } else {
            done();
          }
        });
      }),
  };
}
