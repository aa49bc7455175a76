import { randomUUID } from 'node:crypto';
import type { AuditLog } from '@swiftacare/audit';
import { FhirError } from '@swiftacare/fhir';
import {
  AuthenticationError,
  hashPassword,
  isRole,
  newSecret,
  parseScopes,
  secretHash,
  type Authenticator,
  type IdentityStore,
  type Principal,
} from '@swiftacare/identity';
import { tenantIdPattern, type TenantRegistry } from '@swiftacare/resource-store';
import type { Context, Hono } from 'hono';
import { decodeJwt } from 'jose';
import { tokenSite, unauthenticated } from '../http/authentication.js';
import { clientAddress } from '../http/client-address.js';
import type { GatewayEnv } from '../http/env.js';
import { jsonBody } from '../http/request-body.js';

/** What the administration routes are built from. */
export interface AdminDeps {
  identities: IdentityStore;
  tenants: TenantRegistry;
  authenticator: Authenticator;
  audit: AuditLog;
  bodyLimit: number;
  publicUrl?: string;
}

type Handler = (c: Context<GatewayEnv>, principal: Principal) => Promise<Response>;

function text(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new FhirError('invalid', `${name} is required (a non-empty string)`);
  }
  return value.trim();
}

/**
 * Runs an administration handler for callers of one role only, authenticated by a token of
 * the tenant in `tenantOf(c)`, and audits the action whatever its outcome.
 */
function guarded(
  deps: AdminDeps,
  role: 'institution-admin' | 'platform-operator',
  interaction: string,
  tenantOf: (c: Context<GatewayEnv>) => string,
  handler: Handler,
): (c: Context<GatewayEnv>) => Promise<Response> {
  return async (c) => {
    const tenant = tenantOf(c);
    if (!tenantIdPattern.test(tenant)) {
      // No tenant to verify against (no token, or not one of ours): nothing to audit under.
      return unauthenticated(
        new AuthenticationError(
          'Send an access token: Authorization: Bearer <token>',
          'invalid_request',
        ),
      );
    }
    let principal: Principal | undefined;
    let response: Response;
    try {
      const origin = deps.publicUrl ?? new URL(c.req.url).origin;
      principal = await deps.authenticator.authenticate(
        c.get('tenant')
          ? tokenSite(c)
          : {
              tenant,
              issuer: `${origin}/t/${tenant}`,
              audience: `${origin}/t/${tenant}/fhir/R4`,
            },
        c.req.header('authorization'),
      );
      if (principal.role !== role) {
        throw new FhirError('forbidden', `Only a ${role} may do this`);
      }
      response = await handler(c, principal);
    } catch (err) {
      if (err instanceof AuthenticationError) {
        response = unauthenticated(err);
      } else {
        throw err;
      }
    }
    const address = clientAddress(c);
    await deps.audit.record({
      tenant,
      recorded: new Date().toISOString(),
      action: c.req.method === 'GET' ? 'R' : 'C',
      interaction,
      outcome: response.status < 400 ? 'success' : 'refused',
      status: response.status,
      who: principal ? { user: principal.subject, role: principal.role } : {},
      ...(address ? { address } : {}),
      requestId: c.get('requestId'),
    });
    return response;
  };
}

/**
 * Institution administration (`/t/{tenant}/admin/clients`, `/users`) for its admins, and
 * tenant administration (`/admin/tenants`) for platform operators. Secrets and password
 * hashes never leave: a generated client secret is shown once, in the creation answer.
 */
export function adminRoutes(app: Hono<GatewayEnv>, deps: AdminDeps): void {
  const ofPath = (c: Context<GatewayEnv>): string => c.get('tenant');

  app.get(
    '/t/:tenant/admin/clients',
    guarded(deps, 'institution-admin', 'admin:clients', ofPath, async (c) => {
      const clients = await deps.identities.clients(c.get('tenant'));
      return c.json(
        clients.map(({ clientId, name, scope, active, jwksUrl }) => ({
          clientId,
          name,
          scope,
          active,
          ...(jwksUrl ? { jwksUrl } : {}),
        })),
      );
    }),
  );

  app.post(
    '/t/:tenant/admin/clients',
    guarded(deps, 'institution-admin', 'admin:client-create', ofPath, async (c) => {
      const { value } = await jsonBody(c, deps.bodyLimit);
      const body = (value ?? {}) as Record<string, unknown>;
      const clientId = text(body.clientId, 'clientId');
      const scope = text(body.scope, 'scope');
      const parsed = parseScopes(scope);
      if (parsed.ignored.length > 0 || parsed.scopes.some((s) => s.context !== 'system')) {
        throw new FhirError('invalid', 'scope must be system/ scopes such as system/*.rs');
      }
      const jwksUrl = typeof body.jwksUrl === 'string' ? body.jwksUrl : undefined;
      const secret = jwksUrl ? undefined : newSecret();
      await deps.identities.createClient(c.get('tenant'), {
        clientId,
        name: typeof body.name === 'string' ? body.name : clientId,
        scope,
        active: true,
        ...(secret ? { secretHash: secretHash(secret) } : {}),
        ...(jwksUrl ? { jwksUrl } : {}),
      });
      return c.json({ clientId, scope, ...(secret ? { clientSecret: secret } : {}) }, 201);
    }),
  );

  app.get(
    '/t/:tenant/admin/users',
    guarded(deps, 'institution-admin', 'admin:users', ofPath, async (c) => {
      const users = await deps.identities.users(c.get('tenant'));
      return c.json(
        users.map(({ id, email, role, fhirUser, identifiers, active }) => ({
          id,
          email,
          role,
          identifiers,
          active,
          ...(fhirUser ? { fhirUser } : {}),
        })),
      );
    }),
  );

  app.post(
    '/t/:tenant/admin/users',
    guarded(deps, 'institution-admin', 'admin:user-create', ofPath, async (c) => {
      const { value } = await jsonBody(c, deps.bodyLimit);
      const body = (value ?? {}) as Record<string, unknown>;
      const email = text(body.email, 'email');
      const role = body.role;
      if (!isRole(role) || role === 'platform-operator' || role === 'system') {
        throw new FhirError(
          'invalid',
          'role must be institution-admin, institution-staff, practitioner or patient',
        );
      }
      const id = randomUUID();
      await deps.identities.createUser(c.get('tenant'), {
        id,
        email,
        role,
        active: true,
        identifiers: Array.isArray(body.identifiers)
          ? body.identifiers.filter((i): i is string => typeof i === 'string')
          : [],
        ...(typeof body.password === 'string'
          ? { passwordHash: await hashPassword(body.password) }
          : {}),
        ...(typeof body.fhirUser === 'string' ? { fhirUser: body.fhirUser } : {}),
      });
      return c.json({ id, email, role }, 201);
    }),
  );

  // A platform operator's token comes from some tenant; it is verified against that tenant.
  const ofToken = (c: Context<GatewayEnv>): string => {
    try {
      const claims = decodeJwt((c.req.header('authorization') ?? '').replace(/^Bearer /, ''));
      return typeof claims.tenant === 'string' ? claims.tenant : '';
    } catch {
      return '';
    }
  };

  app.get(
    '/admin/tenants',
    guarded(deps, 'platform-operator', 'admin:tenants', ofToken, async (c) =>
      c.json(await deps.tenants.list()),
    ),
  );

  app.post(
    '/admin/tenants',
    guarded(deps, 'platform-operator', 'admin:tenant-create', ofToken, async (c) => {
      const { value } = await jsonBody(c, deps.bodyLimit);
      const body = (value ?? {}) as Record<string, unknown>;
      const tenant = await deps.tenants.create(text(body.id, 'id'), text(body.name, 'name'));
      return c.json(tenant, 201);
    }),
  );
}
