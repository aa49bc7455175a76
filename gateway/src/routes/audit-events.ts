import { toAuditEvent, type AuditQuery } from '@swiftacare/audit';
import { FhirError, defaultPageSize, maxPageSize } from '@swiftacare/fhir';
import type { AuditStore } from '@swiftacare/audit';
import type { Bundle } from '@medplum/fhirtypes';
import type { Hono } from 'hono';
import type { GatewayEnv } from '../http/env.js';
import { fhirResponse } from '../http/fhir-response.js';

/** The search parameters `GET AuditEvent` takes, as the CapabilityStatement declares them. */
export const auditEventSearchParams = [
  { name: 'entity-type', type: 'token' },
  { name: 'entity', type: 'reference' },
  { name: 'patient', type: 'reference' },
  { name: 'agent', type: 'reference' },
] as const;

const allowed = new Set(['_count', '_cursor', ...auditEventSearchParams.map((p) => p.name)]);

function queryOf(params: URLSearchParams): AuditQuery {
  for (const name of params.keys()) {
    if (!allowed.has(name)) {
      throw new FhirError(
        'invalid',
        `AuditEvent search takes ${[...allowed].join(', ')}; not ${name}`,
      );
    }
  }
  const count = Math.min(Number(params.get('_count') ?? defaultPageSize), maxPageSize);
  const cursor = params.get('_cursor');
  if (!Number.isInteger(count) || count < 1 || (cursor !== null && !/^\d+$/.test(cursor))) {
    throw new FhirError(
      'invalid',
      '_count must be a positive whole number and _cursor a next link cursor',
    );
  }
  const entity = params.get('entity');
  const [entityType, entityId] = entity?.includes('/')
    ? entity.split('/')
    : [params.get('entity-type') ?? undefined, entity ?? undefined];
  const patient = params.get('patient')?.replace(/^Patient\//, '');
  const agent = params.get('agent')?.replace(/^[A-Za-z]+\//, '');
  return {
    count,
    ...(cursor ? { after: Number(cursor) } : {}),
    ...(entityType ? { type: entityType } : {}),
    ...(entityId ? { id: entityId } : {}),
    ...(patient ? { patient } : {}),
    ...(agent ? { user: agent } : {}),
  };
}

/**
 * `GET AuditEvent`: the tenant's audit trail, newest first, for its admins only. Audit
 * records are append-only, so every other interaction on AuditEvent is a 405.
 */
export function auditEventRoutes(app: Hono<GatewayEnv>, store: AuditStore): void {
  app.get('/AuditEvent', async (c) => {
    if (c.get('principal')?.role !== 'institution-admin') {
      throw new FhirError('forbidden', 'Only an institution admin may search the audit trail');
    }
    const params = new URL(c.req.url).searchParams;
    const query = queryOf(params);
    const found = await store.search(c.get('tenant'), { ...query, count: query.count + 1 });
    const page = found.slice(0, query.count);
    const base = `${c.get('baseUrl')}/AuditEvent`;
    const link: Bundle['link'] = [
      { relation: 'self', url: `${base}${params.size ? `?${params.toString()}` : ''}` },
    ];
    const last = page.at(-1);
    if (found.length > query.count && last) {
      const next = new URLSearchParams(params);
      next.set('_cursor', String(last.seq));
      link.push({ relation: 'next', url: `${base}?${next.toString()}` });
    }
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      link,
      entry: page.map((a) => ({
        fullUrl: `${base}/${a.seq}`,
        resource: toAuditEvent(a.record, String(a.seq)),
        search: { mode: 'match' },
      })),
    };
    return fhirResponse({ status: 200, body: bundle }, c.get('baseUrl'));
  });
  app.all('/AuditEvent/*', () => {
    throw new FhirError(
      'methodNotAllowed',
      'Audit records cannot be read one by one, changed or deleted here; search them',
    );
  });
  app.on(['POST', 'PUT', 'PATCH', 'DELETE'], '/AuditEvent', () => {
    throw new FhirError(
      'methodNotAllowed',
      'Audit records are append-only: they cannot be created, changed or deleted',
    );
  });
}
