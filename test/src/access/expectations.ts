import { isTypeName, types, type PrincipalName, type Side, type TypeName } from './world.js';

/**
 * The expected answers, as tables a reader can hold against `packages/identity/src/roles.ts`
 * (scopes per role, compartment per role) and `gateway/src/access/compartments.ts`.
 *
 * Instance interactions are written `in/out/foreign`: the status for a record in the caller's
 * compartment, for one in another compartment of the same tenant (Q's records; for directory
 * types, U's side, which the whole tenant sees), and for a record of tenant `other` addressed
 * under `acme`'s base. Create is `in/out`: a new record on each side. Search and type history
 * are one status. The order of checks the engine applies: the served-type list, then scopes (403,
 * before anything is looked up, so even a foreign id gets 403), then the compartment (404, exactly
 * as for a missing record), then the record itself.
 */
export interface Expected {
  read: Triple;
  vread: Triple;
  'history-instance': Triple;
  update: Triple;
  patch: Triple;
  delete: Triple;
  create: readonly [inside: number, outside: number];
  'search-type': number;
  'history-type': number;
}
export type Triple = readonly [inside: number, outside: number, foreign: number];

export const instanceInteractions = [
  'read',
  'vread',
  'history-instance',
  'update',
  'patch',
  'delete',
] as const;
export type InstanceInteraction = (typeof instanceInteractions)[number];

// The heading every matrix table starts with; `history` is history-instance.
const heading = 'type read vread history update patch delete create search type-history';

const tables: Record<PrincipalName, string> = {
  // user/*.cruds, whole tenant.
  'institution-admin': `
    type               read         vread        history      update       patch        delete       create   search  type-history
    Patient            200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    Practitioner       200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    PractitionerRole   200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    Organization       200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    Location           200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    HealthcareService  200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    CareTeam           200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    Schedule           200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    Slot               200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    Appointment        200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    Communication      200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    DocumentReference  200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
  `,
  // Patient, Organization, CareTeam .rs; the other scheduling types .cruds; no clinical content.
  'institution-staff': `
    type               read         vread        history      update       patch        delete       create   search  type-history
    Patient            200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    Practitioner       200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    PractitionerRole   200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    Organization       200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    Location           200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    HealthcareService  200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    CareTeam           200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    Schedule           200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    Slot               200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    Appointment        200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    Communication      403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    DocumentReference  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
  `,
  // user/*.cruds narrowed to P (cared for) and what involves T; directory tenant-wide. A type
  // history of a narrowed type is refused (history rows cannot be narrowed). A new Patient is
  // refused even naming T as general practitioner: a practitioner writes only about patients
  // already in their care, and care relationships are the institution's to make.
  practitioner: `
    type               read         vread        history      update       patch        delete       create   search  type-history
    Patient            200/404/404  200/404/404  200/404/404  200/404/404  200/404/404  204/404/404  403/403  200     403
    Practitioner       200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    PractitionerRole   200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    Organization       200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    Location           200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    HealthcareService  200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    CareTeam           200/404/404  200/404/404  200/404/404  200/404/404  200/404/404  204/404/404  201/403  200     403
    Schedule           200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    Slot               200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    Appointment        200/404/404  200/404/404  200/404/404  200/404/404  200/404/404  204/404/404  201/403  200     403
    Communication      200/404/404  200/404/404  200/404/404  200/404/404  200/404/404  204/404/404  201/403  200     403
    DocumentReference  200/404/404  200/404/404  200/404/404  200/404/404  200/404/404  204/404/404  201/403  200     403
  `,
  // patient/*.rs patient/Appointment.cu patient/Communication.c, narrowed to P's compartment.
  // Note: Appointment.u lets the patient update and patch their own appointments (roles.ts:
  // "request and move their own appointments"); no other update or any delete is allowed.
  patient: `
    type               read         vread        history      update       patch        delete       create   search  type-history
    Patient            200/404/404  200/404/404  200/404/404  403/403/403  403/403/403  403/403/403  403/403  200     403
    Practitioner       200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    PractitionerRole   200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    Organization       200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    Location           200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    HealthcareService  200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    CareTeam           200/404/404  200/404/404  200/404/404  403/403/403  403/403/403  403/403/403  403/403  200     403
    Schedule           200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    Slot               200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    Appointment        200/404/404  200/404/404  200/404/404  200/404/404  200/404/404  403/403/403  201/403  200     403
    Communication      200/404/404  200/404/404  200/404/404  403/403/403  403/403/403  403/403/403  201/403  200     403
    DocumentReference  200/404/404  200/404/404  200/404/404  403/403/403  403/403/403  403/403/403  403/403  200     403
  `,
  // A backend client registered with system/*.rs: reads and searches the whole tenant.
  'system-rs': `
    type               read         vread        history      update       patch        delete       create   search  type-history
    Patient            200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    Practitioner       200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    PractitionerRole   200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    Organization       200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    Location           200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    HealthcareService  200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    CareTeam           200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    Schedule           200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    Slot               200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    Appointment        200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    Communication      200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
    DocumentReference  200/200/404  200/200/404  200/200/404  403/403/403  403/403/403  403/403/403  403/403  200     200
  `,
  // A backend client registered with system/Appointment.cruds only.
  'system-appointment': `
    type               read         vread        history      update       patch        delete       create   search  type-history
    Patient            403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    Practitioner       403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    PractitionerRole   403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    Organization       403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    Location           403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    HealthcareService  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    CareTeam           403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    Schedule           403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    Slot               403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    Appointment        200/200/404  200/200/404  200/200/404  200/200/404  200/200/404  204/204/404  201/201  200     200
    Communication      403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    DocumentReference  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
  `,
  // No scopes and compartment `none`: no health data at all.
  'platform-operator': `
    type               read         vread        history      update       patch        delete       create   search  type-history
    Patient            403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    Practitioner       403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    PractitionerRole   403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    Organization       403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    Location           403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    HealthcareService  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    CareTeam           403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    Schedule           403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    Slot               403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    Appointment        403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    Communication      403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
    DocumentReference  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403/403  403/403  403     403
  `,
};

/**
 * Which of the world's records a plain `GET Type` answers, per principal: `in,out`, `in`, or
 * `403` when the search is refused. The world has exactly these two records of each type.
 */
const searchTable = `
  type               institution-admin  institution-staff  practitioner  patient  system-rs  system-appointment  platform-operator
  Patient            in,out             in,out             in            in       in,out     403                 403
  Practitioner       in,out             in,out             in,out        in,out   in,out     403                 403
  PractitionerRole   in,out             in,out             in,out        in,out   in,out     403                 403
  Organization       in,out             in,out             in,out        in,out   in,out     403                 403
  Location           in,out             in,out             in,out        in,out   in,out     403                 403
  HealthcareService  in,out             in,out             in,out        in,out   in,out     403                 403
  CareTeam           in,out             in,out             in            in       in,out     403                 403
  Schedule           in,out             in,out             in,out        in,out   in,out     403                 403
  Slot               in,out             in,out             in,out        in,out   in,out     403                 403
  Appointment        in,out             in,out             in            in       in,out     in,out              403
  Communication      in,out             403                in            in       in,out     403                 403
  DocumentReference  in,out             403                in            in       in,out     403                 403
`;

function rowsOf(text: string, expectedHeading: string): string[][] {
  const lines = text
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));
  const [head, ...rows] = lines;
  if (head?.join(' ') !== expectedHeading) {
    throw new Error(`table heading must be "${expectedHeading}", got "${head?.join(' ') ?? ''}"`);
  }
  const seen = rows.map((r) => r[0] ?? '');
  if (seen.join(',') !== types.join(',')) {
    throw new Error(`table rows must be the served types in order, got ${seen.join(',')}`);
  }
  for (const row of rows) {
    if (row.length !== head.length) {
      throw new Error(`row ${row.join(' ')} has ${row.length} cells, not ${head.length}`);
    }
  }
  return rows;
}

function statuses(cell: string, count: number): number[] {
  const parts = cell.split('/').map(Number);
  if (parts.length !== count || parts.some((s) => !Number.isInteger(s) || s < 200 || s > 599)) {
    throw new Error(`cell "${cell}" must be ${count} HTTP statuses joined by "/"`);
  }
  return parts;
}

function triple(cell: string): Triple {
  const [a = 0, b = 0, c = 0] = statuses(cell, 3);
  return [a, b, c];
}

function parseMatrix(text: string): ReadonlyMap<TypeName, Expected> {
  const out = new Map<TypeName, Expected>();
  for (const row of rowsOf(text, heading)) {
    const [type = '', read, vread, history, update, patch, del, create, search, typeHistory] = row;
    if (!isTypeName(type)) {
      throw new Error(`${type} is not a served type`);
    }
    const [cin = 0, cout = 0] = statuses(create ?? '', 2);
    const [searchStatus = 0] = statuses(search ?? '', 1);
    const [typeHistoryStatus = 0] = statuses(typeHistory ?? '', 1);
    out.set(type, {
      read: triple(read ?? ''),
      vread: triple(vread ?? ''),
      'history-instance': triple(history ?? ''),
      update: triple(update ?? ''),
      patch: triple(patch ?? ''),
      delete: triple(del ?? ''),
      create: [cin, cout],
      'search-type': searchStatus,
      'history-type': typeHistoryStatus,
    });
  }
  return out;
}

const parsed = Object.fromEntries(
  Object.entries(tables).map(([who, text]) => [who, parseMatrix(text)]),
) as Record<PrincipalName, ReadonlyMap<TypeName, Expected>>;

/** The expected answers of one principal on one type. */
export function expectedFor(who: PrincipalName, type: TypeName): Expected {
  const row = parsed[who].get(type);
  if (!row) {
    throw new Error(`no expectation for ${who} on ${type}`);
  }
  return row;
}

/** What a plain search answers: the sides it matches, or `forbidden`. */
export type SearchExpectation = readonly Side[] | 'forbidden';

const searchRows = rowsOf(
  searchTable,
  'type institution-admin institution-staff practitioner patient system-rs system-appointment platform-operator',
);
const searchHead = searchTable.trim().split('\n')[0]?.trim().split(/\s+/) ?? [];

/** The records `GET Type` answers for a principal. */
export function searchExpectation(who: PrincipalName, type: TypeName): SearchExpectation {
  const column = searchHead.indexOf(who);
  const cell = searchRows.find((r) => r[0] === type)?.[column];
  if (cell === undefined || column < 1) {
    throw new Error(`no search expectation for ${who} on ${type}`);
  }
  if (cell === '403') {
    return 'forbidden';
  }
  const sides = cell.split(',');
  if (!sides.every((s): s is Side => s === 'in' || s === 'out')) {
    throw new Error(`search cell "${cell}" must be 403 or sides joined by ","`);
  }
  return sides;
}
