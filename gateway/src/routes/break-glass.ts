import { AuthenticationError } from '@swiftacare/identity';
import type { Hono } from 'hono';
import { grantBreakGlass } from '../access/break-glass.js';
import { tokenSite, unauthenticated } from '../http/authentication.js';
import { clientAddress } from '../http/client-address.js';
import type { GatewayEnv } from '../http/env.js';
import { jsonBody } from '../http/request-body.js';
import type { OAuthDeps } from './oauth.js';

/**
 * `POST /t/{tenant}/auth/break-glass` with `{ patient: "Patient/<id>", reason }`: a
 * practitioner reaches a patient outside their care, for an hour, stating why. The grant and
 * every access under it are audited as emergency overrides.
 */
export function breakGlassRoute(app: Hono<GatewayEnv>, deps: OAuthDeps): void {
  app.post('/auth/break-glass', async (c) => {
    let principal;
    try {
      principal = await deps.authenticator.authenticate(
        tokenSite(c),
        c.req.header('authorization'),
      );
    } catch (err) {
      if (err instanceof AuthenticationError) {
        return unauthenticated(err);
      }
      throw err;
    }
    const { value } = await jsonBody(c, deps.bodyLimit);
    const { patient, reason } = (value ?? {}) as { patient?: unknown; reason?: unknown };
    const audit = (status: number, why?: string): Promise<void> => {
      const address = clientAddress(c);
      return deps.audit.record({
        tenant: c.get('tenant'),
        recorded: new Date().toISOString(),
        action: 'E',
        interaction: 'break-glass',
        outcome: status < 400 ? 'success' : 'refused',
        status,
        who: { user: principal.subject, role: principal.role },
        ...(typeof patient === 'string' && /^Patient\/[0-9a-f-]{36}$/.test(patient)
          ? { what: { type: 'Patient', id: patient.slice(8), patient: patient.slice(8) } }
          : {}),
        ...(address ? { address } : {}),
        requestId: c.get('requestId'),
        ...(why ? { emergency: { reason: why } } : {}),
      });
    };
    if (principal.role !== 'practitioner') {
      await audit(403);
      return c.json(
        { error: 'forbidden', error_description: 'Break-glass is for practitioners' },
        403,
      );
    }
    if (
      typeof patient !== 'string' ||
      !/^Patient\/[0-9a-f-]{36}$/.test(patient) ||
      typeof reason !== 'string' ||
      reason.trim().length < 10
    ) {
      await audit(400);
      return c.json(
        {
          error: 'invalid_request',
          error_description:
            'Send {"patient": "Patient/<id>", "reason": "<at least 10 characters>"}',
        },
        400,
      );
    }
    const grant = await grantBreakGlass(deps.cache, principal, patient, reason.trim());
    await audit(201, reason.trim());
    return c.json({ patient, expiresAt: new Date(grant.until).toISOString() }, 201);
  });
}
