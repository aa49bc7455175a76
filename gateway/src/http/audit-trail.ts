import type { AuditAction, AuditLog, AuditRecord } from '@swiftacare/audit';
import type { MiddlewareHandler } from 'hono';
import { clientAddress } from './client-address.js';
import type { GatewayEnv } from './env.js';

interface Described {
  interaction: string;
  action: AuditAction;
  type?: string;
  id?: string;
}

/** What a FHIR request does, read from its method and path below the tenant's FHIR base. */
export function describeRequest(method: string, path: string): Described | undefined {
  const below = path.split('/fhir/R4')[1] ?? '';
  const [type, second, third, fourth] = below.split('/').filter(Boolean);
  if (!type) {
    return method === 'POST' ? { interaction: 'transaction', action: 'E' } : undefined;
  }
  if (type === 'metadata' || type === '.well-known') {
    return undefined;
  }
  const at = (interaction: string, action: AuditAction, id?: string): Described => ({
    interaction,
    action,
    type,
    ...(id ? { id } : {}),
  });
  if (second === undefined) {
    return method === 'GET'
      ? at('search-type', 'R')
      : method === 'POST'
        ? at('create', 'C')
        : method === 'PUT'
          ? at('update', 'U')
          : at(method.toLowerCase(), 'E');
  }
  if (second === '_search') {
    return at('search-type', 'R');
  }
  if (second === '_history') {
    return at('history-type', 'R');
  }
  if (third === '_history') {
    return fourth ? at('vread', 'R', second) : at('history-instance', 'R', second);
  }
  switch (method) {
    case 'GET':
      return at('read', 'R', second);
    case 'PUT':
      return at('update', 'U', second);
    case 'PATCH':
      return at('patch', 'U', second);
    case 'DELETE':
      return at('delete', 'D', second);
    default:
      return at(method.toLowerCase(), 'E', second);
  }
}

function outcomeOf(status: number): AuditRecord['outcome'] {
  return status < 400 ? 'success' : status >= 500 ? 'failed' : 'refused';
}

/**
 * Records every FHIR interaction, allowed or refused, and waits for the record to be committed
 * before the answer leaves: if the audit trail cannot be written, the answer is an error, not
 * unaudited data. Records are written in batches by the audit log, not one insert each.
 */
export function auditTrail(log: AuditLog): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    await next();
    const described = describeRequest(c.req.method, c.req.path);
    if (!described) {
      return;
    }
    const principal = c.get('principal');
    const status = c.res.status;
    // Built field by field rather than by spreading optional parts: this runs on every request.
    const who: AuditRecord['who'] = {};
    if (principal) {
      if (principal.role !== 'system') {
        who.user = principal.subject;
      }
      if (principal.clientId) {
        who.client = principal.clientId;
      }
      who.role = principal.role;
    }
    const record: AuditRecord = {
      tenant: c.get('tenant'),
      recorded: new Date().toISOString(),
      action: described.action,
      interaction: described.interaction,
      outcome: outcomeOf(status),
      status,
      who,
      requestId: c.get('requestId'),
    };
    const { type, id } = described;
    if (type) {
      record.what = { type };
      if (id) {
        record.what.id = id;
        if (type === 'Patient') {
          record.what.patient = id;
        }
      }
    }
    const address = clientAddress(c);
    if (address) {
      record.address = address;
    }
    const emergency = c.get('emergency');
    if (emergency) {
      record.emergency = { reason: emergency };
    }
    await log.record(record);
  };
}
