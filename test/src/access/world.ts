import { randomUUID } from 'node:crypto';
import {
  openTestGateway,
  type TestGateway,
  type TestPrincipal,
  type TestRequestInit,
  type TestResponse,
} from '@swiftacare/gateway/testing';
import { expect } from 'vitest';

/**
 * The world the access tests run in: two tenants of the same shape, each with a caller-therapist
 * T, another therapist U, T's patient P and U's patient Q, the records about each of them, and a
 * tenant-wide directory.
 */

/** The FHIR base of a tenant. */
export const baseOf = (tenant: string): string => `/t/${tenant}/fhir/R4`;

/** Every served type, in `served-types.ts` order. */
export const types = [
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'HealthcareService',
  'CareTeam',
  'Schedule',
  'Slot',
  'Appointment',
  'Communication',
  'DocumentReference',
] as const;
export type TypeName = (typeof types)[number];

/** The types whose records belong to a patient; the others are the tenant-wide directory. */
export const clinicalTypes: readonly TypeName[] = [
  'Patient',
  'Appointment',
  'Communication',
  'DocumentReference',
  'CareTeam',
];

export function isTypeName(text: string): text is TypeName {
  return (types as readonly string[]).includes(text);
}

/**
 * Which record of a type: `in` lies in the caller's compartment (P's records, or T's side of the
 * directory), `out` in another compartment of the same tenant (Q's records, U's side of the
 * directory, which every role of the tenant still sees).
 */
export type Side = 'in' | 'out';

/** A resource as the gateway serves it. */
export interface Resource {
  resourceType: string;
  id: string;
  meta?: { versionId?: string; lastUpdated?: string; tag?: { system?: string; code?: string }[] };
  [element: string]: unknown;
}

/** A Bundle as these tests look at it. */
export interface Bundle {
  resourceType: 'Bundle';
  type: string;
  total?: number;
  link?: { relation: string; url: string }[];
  entry?: {
    fullUrl?: string;
    resource?: Resource;
    search?: { mode: string };
    response?: { status: string; outcome?: Outcome };
  }[];
}

/** An OperationOutcome as these tests look at it. */
export interface Outcome {
  resourceType: 'OperationOutcome';
  issue: { severity: string; code: string; diagnostics?: string }[];
}

export const bundleOf = (res: TestResponse): Bundle => res.body as Bundle;
export const outcomeOf = (res: TestResponse): Outcome => res.body as Outcome;
export const resourceOf = (res: TestResponse): Resource => res.body as Resource;

/** The ids of a Bundle's entries of that search mode, sorted. */
export function idsOf(bundle: Bundle, mode: 'match' | 'include' = 'match'): string[] {
  return (bundle.entry ?? [])
    .filter((e) => (e.search?.mode ?? 'match') === mode)
    .map((e) => e.resource?.id ?? '')
    .sort();
}

/** The names, identifiers and free text of one tenant's people and notes. */
export interface Names {
  T: string;
  U: string;
  P: string;
  Q: string;
  pIdentifier: string;
  qIdentifier: string;
  /** Free text in P's clinical records (messages, notes). */
  pNote: string;
  /** Free text in Q's clinical records. */
  qNote: string;
  /** Prefix of the directory's names. */
  directory: string;
}

export const identifierSystem = 'urn:swiftacare:test:mrn';

// Tenant `other` spells everything with "Foreign" so a leak into `acme` is easy to spot.
export const namesOf: Record<'acme' | 'other', Names> = {
  acme: {
    T: 'Thorne',
    U: 'Umber',
    P: 'Pemberton',
    Q: 'Quarrington',
    pIdentifier: 'MRN-ACME-P-0001',
    qIdentifier: 'MRN-ACME-Q-0002',
    pNote: 'P-PRIVATE-NOTE',
    qNote: 'Q-PRIVATE-NOTE',
    directory: 'Acme',
  },
  other: {
    T: 'Foreign-Thorne',
    U: 'Foreign-Umber',
    P: 'Foreign-Pemberton',
    Q: 'Foreign-Quarrington',
    pIdentifier: 'MRN-FOREIGN-P-0001',
    qIdentifier: 'MRN-FOREIGN-Q-0002',
    pNote: 'FOREIGN-P-NOTE',
    qNote: 'FOREIGN-Q-NOTE',
    directory: 'Foreign-Clinic',
  },
};

/** The records a new resource refers to. */
export interface Refs {
  T: string;
  U: string;
  P: string;
  Q: string;
  scheduleIn: string;
  scheduleOut: string;
}

/** The base64 attachment of a note, as DocumentReference content carries it. */
export const attachmentOf = (note: string): string =>
  Buffer.from(`${note} (attachment)`).toString('base64');

const ref = (type: string, id: string): { reference: string } => ({
  reference: `${type}/${id}`,
});

/**
 * A new resource of `type` on one side: on `in`, about P and involving T; on `out`, about Q
 * and involving U only. Directory resources get T's or U's name.
 */
export function bodyOf(
  type: TypeName,
  side: Side,
  refs: Refs,
  names: Names,
): Record<string, unknown> {
  const inside = side === 'in';
  const doctor = inside ? refs.T : refs.U;
  const patient = inside ? refs.P : refs.Q;
  const note = inside ? names.pNote : names.qNote;
  const label = `${names.directory} ${inside ? 'T' : 'U'}`;
  switch (type) {
    case 'Patient':
      return {
        resourceType: type,
        name: [{ family: inside ? names.P : names.Q, given: [inside ? 'Paula' : 'Quentin'] }],
        identifier: [
          { system: identifierSystem, value: inside ? names.pIdentifier : names.qIdentifier },
        ],
        birthDate: inside ? '1990-01-01' : '1985-05-05',
        generalPractitioner: [ref('Practitioner', doctor)],
      };
    case 'Practitioner':
      return { resourceType: type, name: [{ family: inside ? names.T : names.U }] };
    case 'PractitionerRole':
      return { resourceType: type, active: true, practitioner: ref('Practitioner', doctor) };
    case 'Organization':
    case 'Location':
    case 'HealthcareService':
      return { resourceType: type, name: `${label} ${type}` };
    case 'Schedule':
      return { resourceType: type, actor: [ref('Practitioner', doctor)] };
    case 'Slot':
      return {
        resourceType: type,
        schedule: ref('Schedule', inside ? refs.scheduleIn : refs.scheduleOut),
        status: 'free',
        start: '2030-03-01T09:00:00Z',
        end: '2030-03-01T09:15:00Z',
      };
    case 'Appointment':
      return {
        resourceType: type,
        status: 'booked',
        start: inside ? '2030-03-02T10:00:00Z' : '2030-03-02T11:00:00Z',
        end: inside ? '2030-03-02T10:30:00Z' : '2030-03-02T11:30:00Z',
        participant: [
          { actor: ref('Patient', patient), status: 'accepted' },
          { actor: ref('Practitioner', doctor), status: 'accepted' },
        ],
      };
    case 'Communication':
      return {
        resourceType: type,
        status: 'completed',
        subject: ref('Patient', patient),
        sender: ref('Practitioner', doctor),
        payload: [{ contentString: `${note} (message)` }],
      };
    case 'DocumentReference':
      return {
        resourceType: type,
        status: 'current',
        subject: ref('Patient', patient),
        author: [ref('Practitioner', doctor)],
        description: `${note} (session note)`,
        content: [
          {
            attachment: {
              contentType: 'text/plain',
              data: attachmentOf(note),
            },
          },
        ],
      };
    case 'CareTeam':
      return {
        resourceType: type,
        status: 'active',
        name: `${label} care team`,
        subject: ref('Patient', patient),
        participant: [{ member: ref('Practitioner', doctor) }],
      };
  }
}

/** One tenant's records. */
export interface World {
  tenant: 'acme' | 'other';
  base: string;
  names: Names;
  refs: Refs;
  records: Record<TypeName, Record<Side, Resource>>;
  /** Every record's id. */
  ids: string[];
}

/** Creates a resource with the tenant's admin token; fails the test unless 201. */
export async function createAs(
  gw: TestGateway,
  base: string,
  body: Record<string, unknown>,
  token?: string,
): Promise<Resource> {
  const res = await gw.request('POST', `${base}/${String(body.resourceType)}`, {
    body,
    ...(token === undefined ? {} : { token }),
  });
  expect(res.status, res.text).toBe(201);
  return resourceOf(res);
}

/** Builds one tenant's world through the API, with the tenant's default admin token. */
export async function buildWorld(gw: TestGateway, tenant: 'acme' | 'other'): Promise<World> {
  const base = baseOf(tenant);
  const names = namesOf[tenant];
  const records = {} as Record<TypeName, Record<Side, Resource>>;
  const make = async (type: TypeName, refs: Refs): Promise<void> => {
    records[type] = {
      in: await createAs(gw, base, bodyOf(type, 'in', refs, names)),
      out: await createAs(gw, base, bodyOf(type, 'out', refs, names)),
    };
  };
  const refs: Refs = { T: '', U: '', P: '', Q: '', scheduleIn: '', scheduleOut: '' };
  await make('Practitioner', refs);
  refs.T = records.Practitioner.in.id;
  refs.U = records.Practitioner.out.id;
  await make('Patient', refs);
  refs.P = records.Patient.in.id;
  refs.Q = records.Patient.out.id;
  await make('Schedule', refs);
  refs.scheduleIn = records.Schedule.in.id;
  refs.scheduleOut = records.Schedule.out.id;
  for (const type of types) {
    if (!(type in records)) {
      await make(type, refs);
    }
  }
  const ids = types.flatMap((t) => [records[t].in.id, records[t].out.id]);
  return { tenant, base, names, refs, records, ids };
}

/** The callers of the matrix: each role, and the system client with two different grants. */
export const principals = [
  'institution-admin',
  'institution-staff',
  'practitioner',
  'patient',
  'system-rs',
  'system-appointment',
  'platform-operator',
] as const;
export type PrincipalName = (typeof principals)[number];

/** How a principal's token is minted in a world. */
export function principalOf(name: PrincipalName, world: World): TestPrincipal {
  const tenant = world.tenant;
  switch (name) {
    case 'practitioner':
      return { tenant, role: 'practitioner', fhirUser: `Practitioner/${world.refs.T}` };
    case 'patient':
      return { tenant, role: 'patient', fhirUser: `Patient/${world.refs.P}` };
    case 'system-rs':
      return { tenant, role: 'system', scope: 'system/*.rs' };
    case 'system-appointment':
      return { tenant, role: 'system', scope: 'system/Appointment.cruds' };
    default:
      return { tenant, role: name };
  }
}

/** Everything of `other` that must never show in an `acme` answer. */
export function foreignSecrets(other: World): string[] {
  const n = other.names;
  return [
    ...other.ids,
    n.T,
    n.U,
    n.P,
    n.Q,
    n.pIdentifier,
    n.qIdentifier,
    n.pNote,
    n.qNote,
    attachmentOf(n.pNote),
    attachmentOf(n.qNote),
    n.directory,
  ];
}

/** Everything about Q (the other compartment) in a world. */
export function qSecrets(world: World): string[] {
  const r = world.records;
  return [
    r.Patient.out.id,
    r.Appointment.out.id,
    r.Communication.out.id,
    r.DocumentReference.out.id,
    r.CareTeam.out.id,
    world.names.Q,
    world.names.qIdentifier,
    world.names.qNote,
    attachmentOf(world.names.qNote),
  ];
}

/**
 * What a principal of `world` must never see, beyond `other`'s data: Q's records for the
 * narrowed roles, clinical content for staff, all but appointments for the appointment-only
 * client, everything for the platform operator.
 */
export function secretsOf(name: PrincipalName, world: World): string[] {
  const r = world.records;
  const n = world.names;
  const clinicalText = [n.pNote, n.qNote, attachmentOf(n.pNote), attachmentOf(n.qNote)];
  switch (name) {
    case 'institution-admin':
    case 'system-rs':
      return [];
    case 'practitioner':
    case 'patient':
      return qSecrets(world);
    case 'institution-staff':
      return [
        r.Communication.in.id,
        r.Communication.out.id,
        r.DocumentReference.in.id,
        r.DocumentReference.out.id,
        ...clinicalText,
      ];
    case 'system-appointment': {
      // Appointments name their patients and practitioners by id; nothing else may show.
      const named = new Set([world.refs.P, world.refs.Q, world.refs.T, world.refs.U]);
      return types
        .filter((t) => t !== 'Appointment')
        .flatMap((t) => [r[t].in.id, r[t].out.id])
        .filter((id) => !named.has(id))
        .concat([n.P, n.Q, n.T, n.U, n.pIdentifier, n.qIdentifier, ...clinicalText]);
    }
    case 'platform-operator':
      return [...world.ids, n.P, n.Q, n.T, n.U, n.pIdentifier, n.qIdentifier, ...clinicalText];
  }
}

/**
 * Fails when `text` contains any of `secrets`. A secret the request itself carried (an id in
 * the path or body, echoed in "Patient/… is not known") is skipped here; whether such an answer
 * tells anything is checked by comparing it with the answer for an id that never existed.
 */
export function assertNoLeak(text: string, secrets: readonly string[], request = ''): void {
  const leaked = secrets.filter((s) => s !== '' && text.includes(s) && !request.includes(s));
  expect(leaked, `the answer reveals ${leaked.join(', ')}: ${text.slice(0, 600)}`).toEqual([]);
}

/** A principal with its token and the strings it must never be shown. */
export interface Caller {
  name: string;
  token: string;
  secrets: string[];
}

/** Mints the token of a principal and lists what it must not see. */
export async function callerOf(
  gw: TestGateway,
  name: PrincipalName,
  world: World,
  other: World,
): Promise<Caller> {
  return {
    name,
    token: await gw.token(principalOf(name, world)),
    secrets: [...secretsOf(name, world), ...foreignSecrets(other)],
  };
}

/** A gateway with the worlds of tenants `acme` and `other`, and a caller for every principal. */
export interface Stage {
  gw: TestGateway;
  acme: World;
  other: World;
  callerFor: (who: PrincipalName) => Caller;
}

/** Opens a gateway, builds both worlds and mints every principal's token (for a `beforeAll`). */
export async function openStage(): Promise<Stage> {
  const gw = await openTestGateway(['acme', 'other']);
  const acme = await buildWorld(gw, 'acme');
  const other = await buildWorld(gw, 'other');
  const callers = new Map<PrincipalName, Caller>();
  for (const who of principals) {
    callers.set(who, await callerOf(gw, who, acme, other));
  }
  return {
    gw,
    acme,
    other,
    callerFor: (who) => {
      const caller = callers.get(who);
      if (!caller) {
        throw new Error(`no caller ${who}`);
      }
      return caller;
    },
  };
}

/** Sends a request as `caller` and scans the whole answer for what the caller must not see. */
export async function send(
  gw: TestGateway,
  caller: Caller,
  method: string,
  path: string,
  init: Omit<TestRequestInit, 'token'> = {},
): Promise<TestResponse> {
  const res = await gw.request(method, path, { ...init, token: caller.token });
  const request = `${path} ${init.body === undefined ? '' : JSON.stringify(init.body)}`;
  assertNoLeak(res.text, caller.secrets, request);
  return res;
}

/** A version-4 UUID that no record has. */
export const unknownId = (): string => randomUUID();

/** `text` with every occurrence of `id` replaced, to compare answers about different ids. */
export const withoutId = (text: string, id: string): string => text.split(id).join('<id>');

/** The number of `type` records of the tenant, as its admin counts them. */
export async function countOf(gw: TestGateway, base: string, type: string): Promise<number> {
  const res = await gw.request('GET', `${base}/${type}?_summary=count`);
  expect(res.status, res.text).toBe(200);
  return bundleOf(res).total ?? -1;
}

/** A record as the tenant's admin reads it now: status and resource. */
export async function adminRead(
  gw: TestGateway,
  base: string,
  type: string,
  id: string,
): Promise<{ status: number; resource: Resource }> {
  const res = await gw.request('GET', `${base}/${type}/${id}`);
  return { status: res.status, resource: resourceOf(res) };
}
