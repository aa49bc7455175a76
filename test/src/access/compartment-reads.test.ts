import type { TestGateway } from '@swiftacare/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchExpectation } from './expectations.js';
import {
  type Bundle,
  bundleOf,
  idsOf,
  openStage,
  outcomeOf,
  type PrincipalName,
  principals,
  send,
  type Side,
  type Stage,
  type TypeName,
  types,
  unknownId,
  withoutId,
  type World,
} from './world.js';

// What each principal finds: exact search sets, totals, includes, chains, history and Bundle
// reads. Nothing in this file writes, so the world keeps exactly two records of each type.

let gw: TestGateway;
let acme: World;
let other: World;
let callerFor: Stage['callerFor'];

beforeAll(async () => {
  ({ gw, acme, other, callerFor } = await openStage());
});
afterAll(async () => {
  await gw.close();
});

const get = (who: PrincipalName, query: string) =>
  send(gw, callerFor(who), 'GET', `${acme.base}/${resolve(query)}`);

/** A record of the acme world by label, `Type.side`. */
function idOf(label: string): string {
  const [type = '', side = ''] = label.split('.');
  const records = acme.records[type as TypeName] as Record<Side, { id: string }> | undefined;
  const id = records?.[side as Side]?.id;
  if (!id) {
    throw new Error(`no record ${label}`);
  }
  return id;
}

/** Replaces `{Type.side}` and `{names.key}` placeholders of a query. */
function resolve(query: string): string {
  return query.replace(/\{([A-Za-z]+)\.([A-Za-z]+)\}/g, (_, a: string, b: string) =>
    a === 'names' ? encodeURIComponent(acme.names[b as keyof World['names']]) : idOf(`${a}.${b}`),
  );
}

const sortedIds = (labels: readonly string[]): string[] => labels.map(idOf).sort();

describe('a plain search answers exactly the compartment, with matching totals', () => {
  describe.each(principals)('%s', (who) => {
    const rows = types.map((t) => {
      const want = searchExpectation(who, t);
      return [t, want === 'forbidden' ? '403' : want.join(','), want] as const;
    });
    it.each(rows)('%s → %s', async (type, _label, want) => {
      const plain = await get(who, type);
      const count = await get(who, `${type}?_summary=count`);
      const zero = await get(who, `${type}?_count=0`);
      const accurate = await get(who, `${type}?_total=accurate`);
      if (want === 'forbidden') {
        for (const res of [plain, count, zero, accurate]) {
          expect(res.status, res.text).toBe(403);
          expect(outcomeOf(res).issue[0]?.code).toBe('forbidden');
        }
        return;
      }
      const expected = want.map((side) => acme.records[type][side].id).sort();
      expect(plain.status, plain.text).toBe(200);
      expect(idsOf(bundleOf(plain))).toEqual(expected);
      for (const res of [count, zero]) {
        expect(res.status, res.text).toBe(200);
        expect(bundleOf(res).total).toBe(expected.length);
        expect(bundleOf(res).entry).toBeUndefined();
      }
      expect(bundleOf(accurate).total).toBe(expected.length);
      expect(idsOf(bundleOf(accurate))).toEqual(expected);
    });
  });
});

/**
 * Searches aimed at Q's records: the admin finds them (so the query is right), the narrowed
 * roles find nothing, with total 0.
 */
const probes: [query: string, adminFinds: string[]][] = [
  ['Patient?_id={Patient.out}', ['Patient.out']],
  ['Patient?identifier={names.qIdentifier}', ['Patient.out']],
  ['Patient?family={names.Q}', ['Patient.out']],
  ['Patient?name=Quentin', ['Patient.out']],
  ['Patient?birthdate=1985-05-05', ['Patient.out']],
  ['Patient?general-practitioner={Practitioner.out}', ['Patient.out']],
  ['Appointment?_id={Appointment.out}', ['Appointment.out']],
  ['Appointment?patient={Patient.out}', ['Appointment.out']],
  ['Appointment?actor=Patient/{Patient.out}', ['Appointment.out']],
  ['Appointment?practitioner={Practitioner.out}', ['Appointment.out']],
  ['Appointment?patient.identifier={names.qIdentifier}', ['Appointment.out']],
  ['Appointment?patient.name={names.Q}', ['Appointment.out']],
  ['Communication?subject=Patient/{Patient.out}', ['Communication.out']],
  ['Communication?patient.identifier={names.qIdentifier}', ['Communication.out']],
  ['Communication?sender=Practitioner/{Practitioner.out}', ['Communication.out']],
  ['DocumentReference?patient={Patient.out}', ['DocumentReference.out']],
  ['DocumentReference?subject.identifier={names.qIdentifier}', ['DocumentReference.out']],
  ['DocumentReference?author=Practitioner/{Practitioner.out}', ['DocumentReference.out']],
  ['CareTeam?patient={Patient.out}', ['CareTeam.out']],
  ['CareTeam?participant=Practitioner/{Practitioner.out}', ['CareTeam.out']],
  ['CareTeam?patient.family={names.Q}', ['CareTeam.out']],
];

describe("searches aimed at Q's records", () => {
  it.each(probes)('%s: admin finds %j', async (query, adminFinds) => {
    const res = await get('institution-admin', query);
    expect(res.status, res.text).toBe(200);
    expect(idsOf(bundleOf(res))).toEqual(sortedIds(adminFinds));
  });

  describe.each(['practitioner', 'patient'] as const)('%s', (who) => {
    it.each(probes)('%s → nothing', async (query) => {
      const res = await get(who, query);
      expect(res.status, res.text).toBe(200);
      expect(idsOf(bundleOf(res))).toEqual([]);
      const counted = await get(who, `${query}&_summary=count`);
      expect(bundleOf(counted).total).toBe(0);
      const accurate = await get(who, `${query}&_total=accurate`);
      expect(bundleOf(accurate).total).toBe(0);
    });
  });
});

/** `_include` and `_revinclude`: included records obey the compartment like matches do. */
const includes: [who: PrincipalName, query: string, matches: string[], included: string[]][] = [
  ['practitioner', 'Appointment?_include=Appointment:patient', ['Appointment.in'], ['Patient.in']],
  [
    'practitioner',
    'Appointment?_include=Appointment:actor',
    ['Appointment.in'],
    ['Patient.in', 'Practitioner.in'],
  ],
  [
    'practitioner',
    'Appointment?_id={Appointment.in},{Appointment.out}&_include=Appointment:patient',
    ['Appointment.in'],
    ['Patient.in'],
  ],
  [
    'institution-admin',
    'Appointment?_include=Appointment:patient',
    ['Appointment.in', 'Appointment.out'],
    ['Patient.in', 'Patient.out'],
  ],
  [
    'practitioner',
    'CareTeam?_include=CareTeam:patient&_include=CareTeam:participant',
    ['CareTeam.in'],
    ['Patient.in', 'Practitioner.in'],
  ],
  [
    'practitioner',
    'Communication?_include=Communication:subject&_include=Communication:sender',
    ['Communication.in'],
    ['Patient.in', 'Practitioner.in'],
  ],
  [
    'practitioner',
    'Practitioner?_revinclude=Patient:general-practitioner',
    ['Practitioner.in', 'Practitioner.out'],
    ['Patient.in'],
  ],
  [
    'practitioner',
    'Practitioner?_revinclude=DocumentReference:author&_revinclude=Communication:sender&_revinclude=CareTeam:participant',
    ['Practitioner.in', 'Practitioner.out'],
    ['DocumentReference.in', 'Communication.in', 'CareTeam.in'],
  ],
  [
    'practitioner',
    'Patient?_revinclude=Appointment:patient&_revinclude=DocumentReference:patient',
    ['Patient.in'],
    ['Appointment.in', 'DocumentReference.in'],
  ],
  [
    'practitioner',
    'Schedule?_include=Schedule:actor',
    ['Schedule.in', 'Schedule.out'],
    ['Practitioner.in', 'Practitioner.out'],
  ],
  ['patient', 'Patient?_revinclude=Appointment:patient', ['Patient.in'], ['Appointment.in']],
  [
    'patient',
    'Patient?_id={Patient.in},{Patient.out}&_revinclude=Appointment:patient',
    ['Patient.in'],
    ['Appointment.in'],
  ],
  [
    'patient',
    'Patient?_revinclude=Appointment:patient&_revinclude=Communication:patient&_revinclude=DocumentReference:patient&_revinclude=CareTeam:patient',
    ['Patient.in'],
    ['Appointment.in', 'Communication.in', 'DocumentReference.in', 'CareTeam.in'],
  ],
  [
    'institution-admin',
    'Patient?_revinclude=Appointment:patient',
    ['Patient.in', 'Patient.out'],
    ['Appointment.in', 'Appointment.out'],
  ],
  [
    'patient',
    'Practitioner?_revinclude=Appointment:practitioner',
    ['Practitioner.in', 'Practitioner.out'],
    ['Appointment.in'],
  ],
  [
    'patient',
    'Practitioner?_revinclude=Patient:general-practitioner',
    ['Practitioner.in', 'Practitioner.out'],
    ['Patient.in'],
  ],
  [
    'patient',
    'DocumentReference?_include=DocumentReference:subject&_include=DocumentReference:author',
    ['DocumentReference.in'],
    ['Patient.in', 'Practitioner.in'],
  ],
  [
    'patient',
    'Slot?_include=Slot:schedule',
    ['Slot.in', 'Slot.out'],
    ['Schedule.in', 'Schedule.out'],
  ],
];

describe('_include and _revinclude', () => {
  it.each(includes)('%s: %s', async (who, query, matches, included) => {
    const res = await get(who, query);
    expect(res.status, res.text).toBe(200);
    expect(idsOf(bundleOf(res))).toEqual(sortedIds(matches));
    expect(idsOf(bundleOf(res), 'include')).toEqual(sortedIds(included));
  });
});

describe('paging stays inside the compartment', () => {
  it.each(['practitioner', 'patient'] as const)(
    '%s pages Patient and Practitioner',
    async (who) => {
      for (const [type, expected] of [
        ['Patient', ['Patient.in']],
        ['Practitioner', ['Practitioner.in', 'Practitioner.out']],
      ] as const) {
        const seen: string[] = [];
        let path: string | undefined = `${acme.base}/${type}?_count=1&_total=accurate`;
        while (path) {
          const res = await send(gw, callerFor(who), 'GET', path);
          expect(res.status, res.text).toBe(200);
          expect(bundleOf(res).total).toBe(expected.length);
          seen.push(...idsOf(bundleOf(res)));
          const next = bundleOf(res).link?.find((l) => l.relation === 'next')?.url;
          path = next ? new URL(next).pathname + new URL(next).search : undefined;
        }
        expect(seen.sort()).toEqual(sortedIds(expected));
      }
    },
  );
});

describe('history', () => {
  it("of Q's records: 404 for the narrowed roles, like an id that never existed", async () => {
    for (const who of ['practitioner', 'patient'] as const) {
      for (const type of [
        'Patient',
        'Appointment',
        'Communication',
        'DocumentReference',
      ] as const) {
        const id = acme.records[type].out.id;
        const ghost = unknownId();
        for (const suffix of ['_history', '_history?_since=2000-01-01T00:00:00Z', '_history/1']) {
          const res = await get(who, `${type}/${id}/${suffix}`);
          const missing = await get(who, `${type}/${ghost}/${suffix}`);
          expect(res.status, `${who} ${type} ${suffix}: ${res.text}`).toBe(404);
          expect(withoutId(res.text, id)).toBe(withoutId(missing.text, ghost));
        }
      }
    }
  });

  it('of a narrowed type: 403 for practitioner and patient, every version for the admin', async () => {
    for (const who of ['practitioner', 'patient'] as const) {
      const res = await get(who, 'Patient/_history');
      expect(res.status, res.text).toBe(403);
      expect(outcomeOf(res).issue[0]?.code).toBe('forbidden');
    }
    const admin = await get('institution-admin', 'Patient/_history');
    expect(admin.status).toBe(200);
    const ids = (bundleOf(admin).entry ?? []).map((e) => e.resource?.id ?? '').sort();
    expect(ids).toEqual(sortedIds(['Patient.in', 'Patient.out']));
  });

  it('of a directory type: every version, for every role that may search it', async () => {
    for (const who of ['practitioner', 'patient', 'institution-staff', 'system-rs'] as const) {
      const res = await get(who, 'Practitioner/_history');
      expect(res.status, res.text).toBe(200);
      const ids = (bundleOf(res).entry ?? []).map((e) => e.resource?.id ?? '').sort();
      expect(ids).toEqual(sortedIds(['Practitioner.in', 'Practitioner.out']));
    }
  });
});

/** A Bundle of GET entries posted to the base. */
function readBundle(kind: 'batch' | 'transaction', urls: string[]): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: kind,
    entry: urls.map((url) => ({ request: { method: 'GET', url: resolve(url) } })),
  };
}

const post = (who: PrincipalName, body: Record<string, unknown>) =>
  send(gw, callerFor(who), 'POST', acme.base, { body });

describe('transaction and batch Bundles', () => {
  it("a practitioner's transaction that reads Q's Patient fails whole, saying nothing about Q", async () => {
    const ghost = unknownId();
    const q = idOf('Patient.out');
    const res = await post(
      'practitioner',
      readBundle('transaction', ['Patient/{Patient.in}', 'Patient/{Patient.out}']),
    );
    const missing = await post(
      'practitioner',
      readBundle('transaction', ['Patient/{Patient.in}', `Patient/${ghost}`]),
    );
    expect(res.status, res.text).toBe(404);
    expect(outcomeOf(res).resourceType).toBe('OperationOutcome');
    expect(res.text).not.toContain(acme.names.Q);
    expect(res.text).not.toContain(acme.names.qIdentifier);
    // No P either: the transaction failed, so none of its entries is answered.
    expect(res.text).not.toContain(acme.names.P);
    // Q's id shows only where the error quotes the entry the caller sent, exactly as the error
    // for an id that never existed does.
    expect(res.text.split(q).length - 1).toBe(1);
    expect(withoutId(res.text, q)).toBe(withoutId(missing.text, ghost));
  });

  it("a patient's transaction that reads Q's DocumentReference fails whole", async () => {
    const res = await post(
      'patient',
      readBundle('transaction', [
        'DocumentReference/{DocumentReference.in}',
        'DocumentReference/{DocumentReference.out}',
      ]),
    );
    expect(res.status, res.text).toBe(404);
    expect(res.text).not.toContain(acme.names.pNote);
  });

  /** A batch of reads and searches, and what each entry answers per principal. */
  const batchEntries: [url: string, practitioner: string, patient: string, admin: string][] = [
    ['Patient/{Patient.in}', '200 OK', '200 OK', '200 OK'],
    ['Patient/{Patient.out}', '404', '404', '200 OK'],
    ['Appointment/{Appointment.in}', '200 OK', '200 OK', '200 OK'],
    ['Appointment/{Appointment.out}', '404', '404', '200 OK'],
    ['Communication/{Communication.out}', '404', '404', '200 OK'],
    ['DocumentReference/{DocumentReference.out}', '404', '404', '200 OK'],
    ['CareTeam/{CareTeam.out}', '404', '404', '200 OK'],
    ['Practitioner/{Practitioner.out}', '200 OK', '200 OK', '200 OK'],
    ['Patient/{Patient.out}/_history/1', '404', '404', '200 OK'],
    ['Patient', '200 OK', '200 OK', '200 OK'],
    ['Appointment?patient.identifier={names.qIdentifier}', '200 OK', '200 OK', '200 OK'],
    ['Communication?subject=Patient/{Patient.out}', '200 OK', '200 OK', '200 OK'],
  ];
  // What the search entries (the last three) find.
  const batchSearches: Record<'practitioner' | 'patient' | 'institution-admin', string[][]> = {
    practitioner: [['Patient.in'], [], []],
    patient: [['Patient.in'], [], []],
    'institution-admin': [
      ['Patient.in', 'Patient.out'],
      ['Appointment.out'],
      ['Communication.out'],
    ],
  };

  it.each([
    ['practitioner', 1],
    ['patient', 2],
    ['institution-admin', 3],
  ] as const)('a batch by the %s answers each entry on its own', async (who, column) => {
    const res = await post(
      who,
      readBundle(
        'batch',
        batchEntries.map((e) => e[0]),
      ),
    );
    expect(res.status, res.text).toBe(200);
    const entries = bundleOf(res).entry ?? [];
    expect(entries.map((e) => e.response?.status)).toEqual(batchEntries.map((e) => e[column]));
    const searches = entries.slice(-3).map((e) => idsOf(e.resource as unknown as Bundle));
    expect(searches).toEqual(batchSearches[who].map(sortedIds));
    // An entry about a hidden record reads exactly like one about a record that never was.
    if (who !== 'institution-admin') {
      const q = idOf('Patient.out');
      const ghost = unknownId();
      const missing = await post(who, readBundle('batch', [`Patient/${ghost}`]));
      const hidden = entries[1]?.response?.outcome;
      const absent = bundleOf(missing).entry?.[0]?.response?.outcome;
      expect(withoutId(JSON.stringify(hidden), q)).toBe(withoutId(JSON.stringify(absent), ghost));
    }
  });

  it('a batch by staff: clinical entries refused, scheduling entries answered', async () => {
    const res = await post(
      'institution-staff',
      readBundle('batch', [
        'Communication/{Communication.in}',
        'DocumentReference?patient={Patient.in}',
        'Patient/{Patient.out}',
        'Appointment/{Appointment.out}',
      ]),
    );
    expect(res.status, res.text).toBe(200);
    const statuses = (bundleOf(res).entry ?? []).map((e) => e.response?.status);
    expect(statuses).toEqual(['403', '403', '200 OK', '200 OK']);
  });

  it('a batch by the platform operator: every entry refused', async () => {
    const res = await post(
      'platform-operator',
      readBundle('batch', ['Patient/{Patient.in}', 'Practitioner', 'Appointment?_count=1']),
    );
    expect(res.status, res.text).toBe(200);
    const statuses = (bundleOf(res).entry ?? []).map((e) => e.response?.status);
    expect(statuses).toEqual(['403', '403', '403']);
    const transaction = await post(
      'platform-operator',
      readBundle('transaction', ['Practitioner']),
    );
    expect(transaction.status).toBe(403);
  });
});

describe("tenant `other`'s records under acme's base", () => {
  it.each(['institution-admin', 'practitioner', 'patient', 'system-rs'] as const)(
    '%s: 404 on read, nothing in searches or Bundles',
    async (who) => {
      for (const type of types) {
        const id = other.records[type].in.id;
        const res = await get(who, `${type}/${id}`);
        expect(res.status, `${type}: ${res.text}`).toBe(404);
        const search = await get(who, `${type}?_id=${id}`);
        expect(idsOf(bundleOf(search))).toEqual([]);
      }
      const batch = await post(
        who,
        readBundle(
          'batch',
          types.map((t) => `${t}/${other.records[t].in.id}`),
        ),
      );
      expect((bundleOf(batch).entry ?? []).map((e) => e.response?.status)).toEqual(
        types.map(() => '404'),
      );
    },
  );
});
