import { randomUUID } from 'node:crypto';
import { matchesConditions, parseSearch, type SearchCondition } from '@swiftacare/fhir';
import { openTestBackend, type TestBackend } from '@swiftacare/postgres-store/testing';
import { resourceOf } from '@swiftacare/resource-store';
import type { Reference, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patientCompartment, practitionerCompartment } from './compartments.js';

// Old versions are judged in memory (matchesConditions), current ones by the database. Both
// must draw the same line, or a record's history and its search results would disagree about
// who may see it. This runs every real compartment over records with every kind of reference
// the compartments look at and compares the two answers.

const tenant = 'agree';
const [p, q, r] = [randomUUID(), randomUUID(), randomUUID()];
const [t, u] = [`Practitioner/${randomUUID()}`, `Practitioner/${randomUUID()}`];
const ref = (type: string, id: string): Reference => ({ reference: `${type}/${id}` });
const patientRefs: Reference[] = [
  ref('Patient', p),
  ref('Patient', q),
  { reference: `Patient/${p.toUpperCase()}` },
  { reference: `https://elsewhere.example/fhir/Patient/${p}` },
  { reference: p },
  { identifier: { system: 'urn:mrn', value: 'x' } },
];

function records(): Resource[] {
  const out: Record<string, unknown>[] = [];
  for (const [id, gp] of [
    [p, [{ reference: t }]],
    [q, [{ reference: u }]],
    [r, []],
  ] as const) {
    out.push({ resourceType: 'Patient', id, generalPractitioner: gp });
  }
  for (const patient of patientRefs) {
    for (const doctor of [t, u]) {
      out.push({
        resourceType: 'Appointment',
        status: 'booked',
        start: '2030-01-01T10:00:00Z',
        end: '2030-01-01T10:30:00Z',
        participant: [
          { actor: patient, status: 'accepted' },
          { actor: { reference: doctor }, status: 'accepted' },
        ],
      });
      out.push({
        resourceType: 'DocumentReference',
        status: 'current',
        subject: patient,
        author: [{ reference: doctor }],
        content: [{ attachment: { contentType: 'text/plain' } }],
      });
      out.push({
        resourceType: 'CareTeam',
        subject: patient,
        participant: [{ member: { reference: doctor } }],
      });
      out.push({ resourceType: 'Communication', status: 'completed', subject: patient });
      out.push({
        resourceType: 'Communication',
        status: 'completed',
        sender: patient.reference?.startsWith('Patient/') ? patient : { reference: doctor },
        recipient: [{ reference: doctor }],
      });
    }
  }
  return out.map((body) => ({ id: randomUUID(), ...body }) as Resource);
}

const types = ['Patient', 'Appointment', 'DocumentReference', 'CareTeam', 'Communication'];

const compartments: [string, (type: string) => SearchCondition[]][] = [
  ['patient P', (type) => patientCompartment(type, `Patient/${p}`)],
  ['patient R', (type) => patientCompartment(type, `Patient/${r}`)],
  ['patient without a record', (type) => patientCompartment(type, undefined)],
  ['practitioner T caring for P', (type) => practitionerCompartment(type, t, [`Patient/${p}`])],
  [
    'practitioner U caring for Q and R (in capitals)',
    (type) => practitionerCompartment(type, u, [`Patient/${q}`, `Patient/${r.toUpperCase()}`]),
  ],
  ['practitioner T caring for nobody', (type) => practitionerCompartment(type, t, [])],
  ['practitioner without a record', (type) => practitionerCompartment(type, undefined, [])],
];

let backend: TestBackend;
const stored = new Map<string, Resource[]>();

beforeAll(async () => {
  backend = await openTestBackend([tenant]);
  const all = records();
  await backend.resources.unit(tenant, async (tx) => {
    for (const resource of all) {
      await tx.create(resource);
    }
  });
  for (const type of types) {
    const page = await backend.resources.search(tenant, {
      ...parseSearch(type, new URLSearchParams()),
      count: 100,
    });
    stored.set(
      type,
      page.matches.map((m) => resourceOf(m)),
    );
  }
});
afterAll(async () => {
  await backend.close();
});

describe('matchesConditions agrees with PostgreSQL on the access compartments', () => {
  it.each(compartments)('%s', async (_name, compartmentOf) => {
    for (const type of types) {
      const conditions = compartmentOf(type);
      const page = await backend.resources.search(tenant, {
        ...parseSearch(type, new URLSearchParams()),
        conditions,
        count: 100,
      });
      const inDatabase = page.matches.map((m) => m.id).sort();
      const inMemory = (stored.get(type) ?? [])
        .filter((resource) => matchesConditions(resource, conditions))
        .map((resource) => resource.id ?? '')
        .sort();
      expect(inMemory, `${type}: ${JSON.stringify(conditions)}`).toEqual(inDatabase);
    }
  });

  it('is not trivially agreeing: the compartments both include and exclude records', () => {
    const seen = { some: 0, none: 0 };
    for (const [, compartmentOf] of compartments) {
      for (const type of types) {
        const all = stored.get(type) ?? [];
        const matched = all.filter((x) => matchesConditions(x, compartmentOf(type))).length;
        seen.some += matched > 0 && matched < all.length ? 1 : 0;
        seen.none += matched === 0 ? 1 : 0;
      }
    }
    expect(seen.some).toBeGreaterThan(10);
    expect(seen.none).toBeGreaterThan(0);
    expect(stored.get('DocumentReference')).toHaveLength(patientRefs.length * 2);
  });
});
