import { isIP } from 'node:net';
import type {
  AuditEvent,
  AuditEventAgent,
  AuditEventEntity,
  CodeableConcept,
  Coding,
  ResourceType,
} from '@medplum/fhirtypes';

/** What the access did, as FHIR AuditEvent.action: create, read, update, delete, execute. */
export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';

/** How the access ended: done, refused (authorisation or validation), or failed (server). */
export type AuditOutcome = 'success' | 'refused' | 'failed';

/**
 * The facts of one access to health data, as the gateway saw it. A record holds identifiers
 * only: never resource content and never search values (a search is recorded by its type and,
 * where the gateway knows it, the patient whose data it reached).
 */
export interface AuditRecord {
  tenant: string;
  /** When the access happened, ISO 8601; {@link normalizeAuditRecord} makes it UTC. */
  recorded: string;
  action: AuditAction;
  /** A FHIR restful interaction (`read`, `search-type`, ...) or another one (`login`, `token`). */
  interaction: string;
  outcome: AuditOutcome;
  /** The HTTP status answered. */
  status: number;
  who: { user?: string; client?: string; role?: string };
  what?: { type: string; id?: string; patient?: string };
  /** The network address the request came from. */
  address?: string;
  requestId: string;
  /** Set when the access used break-glass: the reason the user gave. */
  emergency?: { reason: string };
}

const actions: ReadonlySet<string> = new Set<AuditAction>(['C', 'R', 'U', 'D', 'E']);
const outcomes: ReadonlySet<string> = new Set<AuditOutcome>(['success', 'refused', 'failed']);

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`Audit record ${field} must be a non-empty string`);
  }
  return value;
}

// An optional field left empty is taken as absent rather than failing the request it audits.
function optionalText(value: unknown, field: string): string | undefined {
  return value === undefined || value === '' ? undefined : text(value, field);
}

/** Sets `key` on `out` unless `value` is undefined, so a record has one JSON form. */
function put(out: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) {
    out[key] = value;
  }
}

/** A frozen copy of `value` without its undefined fields. */
function defined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const v = value[key];
    if (v !== undefined) {
      out[key] = v;
    }
  }
  return Object.freeze(out) as T;
}

// Records this module produced. They are frozen, so one found here is still in normal form and
// need not be checked again (the audit log checks each record, then its store would again).
const normalized = new WeakSet<AuditRecord>();

/**
 * Checks a record and copies exactly the fields an {@link AuditRecord} has, dropping anything
 * else a caller attached (such as a resource), and writes `recorded` in UTC. Stores call it on
 * every record they append, so what is hashed and kept is always this form. Idempotent.
 * Throws a `TypeError` for a record that is not one.
 */
export function normalizeAuditRecord(input: AuditRecord): AuditRecord {
  if (normalized.has(input)) {
    return input;
  }
  const raw = input as Partial<Record<keyof AuditRecord, unknown>>;
  const recorded = text(raw.recorded, 'recorded');
  const time = Date.parse(recorded);
  if (Number.isNaN(time)) {
    throw new TypeError(`Audit record recorded "${recorded}" is not a date-time`);
  }
  if (typeof raw.action !== 'string' || !actions.has(raw.action)) {
    throw new TypeError('Audit record action must be one of C, R, U, D, E');
  }
  if (typeof raw.outcome !== 'string' || !outcomes.has(raw.outcome)) {
    throw new TypeError('Audit record outcome must be success, refused or failed');
  }
  if (typeof raw.status !== 'number' || !Number.isInteger(raw.status)) {
    throw new TypeError('Audit record status must be an integer');
  }
  const who = (raw.who ?? {}) as Partial<Record<string, unknown>>;
  const what = raw.what as Partial<Record<string, unknown>> | undefined;
  const emergency = raw.emergency as Partial<Record<string, unknown>> | undefined;
  // Keys are set in sorted order (by UTF-16 code unit, as canonicalJson sorts them), so
  // JSON.stringify of the result is its canonical JSON (auditRecordJson).
  const whoOut: Record<string, unknown> = {};
  put(whoOut, 'client', optionalText(who.client, 'who.client'));
  put(whoOut, 'role', optionalText(who.role, 'who.role'));
  put(whoOut, 'user', optionalText(who.user, 'who.user'));
  let whatOut: Record<string, unknown> | undefined;
  if (what !== undefined) {
    whatOut = {};
    put(whatOut, 'id', optionalText(what.id, 'what.id'));
    put(whatOut, 'patient', optionalText(what.patient, 'what.patient'));
    whatOut.type = text(what.type, 'what.type');
  }
  const out: Record<string, unknown> = { action: raw.action };
  put(out, 'address', optionalText(raw.address, 'address'));
  if (emergency !== undefined) {
    out.emergency = Object.freeze({ reason: text(emergency.reason, 'emergency.reason') });
  }
  out.interaction = text(raw.interaction, 'interaction');
  out.outcome = raw.outcome;
  out.recorded = new Date(time).toISOString();
  out.requestId = text(raw.requestId, 'requestId');
  out.status = raw.status;
  out.tenant = text(raw.tenant, 'tenant');
  put(out, 'what', whatOut && Object.freeze(whatOut));
  out.who = Object.freeze(whoOut);
  const record = Object.freeze(out) as unknown as AuditRecord;
  normalized.add(record);
  return record;
}

/**
 * The canonical JSON of a record ({@link canonicalJson} of its normal form), which is what the
 * hash chain covers and stores keep. A normalised record holds only strings, an integer and
 * objects whose keys are already in sorted order, so `JSON.stringify` writes exactly that text
 * without sorting anything on the way; a test holds the two to each other.
 */
export function auditRecordJson(record: AuditRecord): string {
  return JSON.stringify(normalizeAuditRecord(record));
}

/** The code systems an AuditEvent of the gateway uses. */
export const auditSystems = {
  eventType: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
  restfulInteraction: 'http://hl7.org/fhir/restful-interaction',
  dicom: 'http://dicom.nema.org/resources/ontology/DCM',
  /** Interactions that are neither restful nor DICOM ones (`token`, ...). */
  gatewayInteraction: 'urn:swiftacare:audit-interaction',
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  securityRoleType: 'http://terminology.hl7.org/CodeSystem/extra-security-role-type',
  sourceType: 'http://terminology.hl7.org/CodeSystem/security-source-type',
  entityType: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  objectRole: 'http://terminology.hl7.org/CodeSystem/object-role',
  /** IHE Basic Audit Log Patterns: the entity carrying the X-Request-Id. */
  balpEntityType: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType',
} as const;

/** The codes of http://hl7.org/fhir/restful-interaction (FHIR R4). */
export const restfulInteractions: ReadonlySet<string> = new Set([
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history',
  'history-instance',
  'history-type',
  'history-system',
  'create',
  'search',
  'search-type',
  'search-system',
  'capabilities',
  'transaction',
  'batch',
  'operation',
]);

const dicomInteractions: Readonly<Record<string, Coding>> = {
  login: { system: auditSystems.dicom, code: '110122', display: 'Login' },
  logout: { system: auditSystems.dicom, code: '110123', display: 'Logout' },
};

const outcomeCodes = { success: '0', refused: '4', failed: '8' } as const;

function subtypeOf(interaction: string): Coding {
  if (restfulInteractions.has(interaction)) {
    return { system: auditSystems.restfulInteraction, code: interaction };
  }
  return (
    dicomInteractions[interaction] ?? { system: auditSystems.gatewayInteraction, code: interaction }
  );
}

function agentsOf(record: AuditRecord): AuditEventAgent[] {
  const { user, client, role } = record.who;
  const network = record.address
    ? { address: record.address, type: isIP(record.address) ? ('2' as const) : ('1' as const) }
    : undefined;
  const roles = role ? [{ text: role }] : undefined;
  const agents: AuditEventAgent[] = [];
  if (user !== undefined) {
    agents.push(
      defined({
        type: {
          coding: [
            { system: auditSystems.securityRoleType, code: 'humanuser', display: 'human user' },
          ],
        },
        role: roles,
        who: { identifier: { value: user } },
        requestor: true,
        network,
      }),
    );
  }
  if (client !== undefined) {
    agents.push(
      defined({
        type: { coding: [{ system: auditSystems.dicom, code: '110150', display: 'Application' }] },
        // Without a user, the client application is the one that asked, from that address.
        role: user === undefined ? roles : undefined,
        who: { identifier: { value: client } },
        requestor: user === undefined,
        network: user === undefined ? network : undefined,
      }),
    );
  }
  if (agents.length === 0) {
    // AuditEvent needs an agent; an anonymous request (refused, typically) still has one.
    agents.push(defined({ who: { display: 'anonymous' }, requestor: true, network, role: roles }));
  }
  return agents;
}

function entitiesOf(record: AuditRecord): AuditEventEntity[] {
  const entities: AuditEventEntity[] = [];
  const what = record.what;
  const patient = what?.patient;
  const isThePatient = what?.type === 'Patient' && what.id !== undefined && what.id === patient;
  if (what && !isThePatient) {
    entities.push({
      // A search reaches a type, not one resource; the type is whatever the gateway serves.
      what:
        what.id === undefined
          ? { type: what.type as ResourceType }
          : { reference: `${what.type}/${what.id}` },
      type: { system: auditSystems.entityType, code: '2', display: 'System Object' },
      role: { system: auditSystems.objectRole, code: '4', display: 'Domain Resource' },
    });
  }
  if (patient !== undefined) {
    entities.push({
      what: { reference: `Patient/${patient}` },
      type: { system: auditSystems.entityType, code: '1', display: 'Person' },
      role: { system: auditSystems.objectRole, code: '1', display: 'Patient' },
    });
  }
  entities.push({
    what: { identifier: { value: record.requestId } },
    type: { system: auditSystems.balpEntityType, code: 'XrequestId' },
  });
  return entities;
}

function purposeOf(emergency: { reason: string }): CodeableConcept[] {
  return [
    {
      coding: [{ system: auditSystems.actReason, code: 'ETREAT', display: 'Emergency Treatment' }],
      text: emergency.reason,
    },
  ];
}

/**
 * The FHIR R4 AuditEvent of a record: type `rest`, subtype the interaction (from
 * restful-interaction where it is one, DICOM for login and logout), outcome `0` / `4` / `8`
 * with the HTTP status as its description, the user (the requestor) and the client as separate
 * agents, the tenant as the source site, entities for the resource, the patient and the request
 * id (IHE BALP `XrequestId`), and for break-glass a purposeOfEvent `ETREAT` with the reason.
 * `id` becomes the AuditEvent's id (a store gives its sequence number).
 */
export function toAuditEvent(record: AuditRecord, id?: string): AuditEvent {
  return defined<AuditEvent>({
    resourceType: 'AuditEvent',
    id,
    type: { system: auditSystems.eventType, code: 'rest', display: 'RESTful Operation' },
    subtype: [subtypeOf(record.interaction)],
    action: record.action,
    recorded: record.recorded,
    outcome: outcomeCodes[record.outcome],
    outcomeDesc: `HTTP ${record.status}`,
    purposeOfEvent: record.emergency ? purposeOf(record.emergency) : undefined,
    agent: agentsOf(record),
    source: {
      site: record.tenant,
      observer: { display: 'Swiftacare gateway' },
      type: [{ system: auditSystems.sourceType, code: '4', display: 'Application Server' }],
    },
    entity: entitiesOf(record),
  });
}
