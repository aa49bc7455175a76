import { randomUUID } from 'node:crypto';
import type { FhirEngine } from '@swiftacare/fhir-engine';
import { hashPassword, secretHash, type IdentityStore, type Role } from '@swiftacare/identity';
import type { TenantRegistry } from '@swiftacare/resource-store';
import type { Bundle, BundleEntry, ContactPoint, HumanName, Resource } from '@medplum/fhirtypes';

/** The tenant the embedded default creates on first start. */
export const demoTenant = 'demo';

function entry(placeholder: string, resource: Resource): BundleEntry {
  return {
    fullUrl: `urn:uuid:${placeholder}`,
    resource,
    request: { method: 'POST', url: resource.resourceType },
  };
}

// Deterministic placeholders: only the Bundle uses them; the server assigns the real ids.
const ids = {
  clinic: '00000000-0000-4000-8000-000000000001',
  therapist: '00000000-0000-4000-8000-000000000002',
  counsellor: '00000000-0000-4000-8000-000000000003',
  patient: '00000000-0000-4000-8000-000000000004',
  patient2: '00000000-0000-4000-8000-000000000005',
  schedule: '00000000-0000-4000-8000-000000000006',
  schedule2: '00000000-0000-4000-8000-000000000007',
};

function slotsAndAppointments(now: Date): BundleEntry[] {
  const out: BundleEntry[] = [];
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 9));
  for (let d = 0; d < 5; d++) {
    for (let h = 0; h < 4; h++) {
      const start = new Date(day.getTime() + d * 86_400_000 + h * 3_600_000);
      const end = new Date(start.getTime() + 50 * 60_000);
      const booked = d === 0 && h === 0;
      const slotId = `00000000-0000-4000-9000-${String(d * 10 + h).padStart(12, '0')}`;
      out.push(
        entry(slotId, {
          resourceType: 'Slot',
          schedule: { reference: `urn:uuid:${h % 2 === 0 ? ids.schedule : ids.schedule2}` },
          status: booked ? 'busy' : 'free',
          start: start.toISOString(),
          end: end.toISOString(),
        }),
      );
      if (booked) {
        out.push(
          entry(`00000000-0000-4000-a000-${String(d).padStart(12, '0')}`, {
            resourceType: 'Appointment',
            status: 'booked',
            description: 'Weekly therapy session',
            start: start.toISOString(),
            end: end.toISOString(),
            slot: [{ reference: `urn:uuid:${slotId}` }],
            participant: [
              { actor: { reference: `urn:uuid:${ids.patient}` }, status: 'accepted' },
              { actor: { reference: `urn:uuid:${ids.therapist}` }, status: 'accepted' },
            ],
          }),
        );
      }
    }
  }
  return out;
}

/** The demo institution's sample data, as one transaction Bundle. */
export function demoBundle(now = new Date()): Bundle {
  const person = (
    family: string,
    given: string,
    email: string,
  ): { name: HumanName[]; telecom: ContactPoint[] } => ({
    name: [{ family, given: [given] }],
    telecom: [{ system: 'email', value: email }],
  });
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      entry(ids.clinic, {
        resourceType: 'Organization',
        name: 'Demo Mental Health Clinic',
        identifier: [{ system: 'urn:demo:org', value: 'clinic-1' }],
      }),
      entry(ids.therapist, {
        resourceType: 'Practitioner',
        identifier: [{ system: 'urn:demo:staff', value: 'T-100' }],
        ...person('Okafor', 'Amara', 'therapist@demo.test'),
      }),
      entry(ids.counsellor, {
        resourceType: 'Practitioner',
        identifier: [{ system: 'urn:demo:staff', value: 'T-101' }],
        ...person('Lindqvist', 'Jonas', 'counsellor@demo.test'),
      }),
      entry(ids.patient, {
        resourceType: 'Patient',
        identifier: [{ system: 'urn:demo:mrn', value: 'P-0001' }],
        gender: 'female',
        birthDate: '1991-04-12',
        generalPractitioner: [{ reference: `urn:uuid:${ids.therapist}` }],
        managingOrganization: { reference: `urn:uuid:${ids.clinic}` },
        ...person('Rivera', 'Sam', 'patient@demo.test'),
      }),
      entry(ids.patient2, {
        resourceType: 'Patient',
        identifier: [{ system: 'urn:demo:mrn', value: 'P-0002' }],
        gender: 'male',
        birthDate: '1984-11-02',
        managingOrganization: { reference: `urn:uuid:${ids.clinic}` },
        ...person('Chen', 'Lee', 'lee.chen@demo.test'),
      }),
      entry(ids.schedule, {
        resourceType: 'Schedule',
        active: true,
        actor: [{ reference: `urn:uuid:${ids.therapist}` }],
        comment: 'Individual therapy',
      }),
      entry(ids.schedule2, {
        resourceType: 'Schedule',
        active: true,
        actor: [{ reference: `urn:uuid:${ids.counsellor}` }],
        comment: 'Counselling',
      }),
      ...slotsAndAppointments(now),
    ],
  };
}

/** The demo's sign-ins, one per role; every password is `demo`. Embedded mode only. */
export const demoUsers: readonly { email: string; role: Role; record?: 'therapist' | 'patient' }[] =
  [
    { email: 'admin@demo.test', role: 'institution-admin' },
    { email: 'staff@demo.test', role: 'institution-staff' },
    { email: 'therapist@demo.test', role: 'practitioner', record: 'therapist' },
    { email: 'patient@demo.test', role: 'patient', record: 'patient' },
  ];

/** The demo's system client (client_secret_basic). */
export const demoClient = { clientId: 'demo-system', secret: 'demo-secret' } as const;

/** Where the seeding transaction put the therapist and the patient: `Type/id`. */
function recordsOf(response: unknown): { therapist?: string; patient?: string } {
  const entries = (response as { entry?: { response?: { location?: string } }[] }).entry ?? [];
  const at = (i: number): string | undefined =>
    entries[i]?.response?.location?.split('/_history')[0];
  // Entry order of demoBundle: clinic, therapist, counsellor, patient, ...
  const therapist = at(1);
  const patient = at(3);
  return { ...(therapist ? { therapist } : {}), ...(patient ? { patient } : {}) };
}

/**
 * Creates the demo tenant with its sample data, its users and its system client, once: when
 * the tenant already exists nothing happens. Returns true when it was created now.
 */
export async function seedDemo(
  tenants: TenantRegistry,
  engine: FhirEngine,
  identities: IdentityStore,
): Promise<boolean> {
  if (await tenants.get(demoTenant)) {
    return false;
  }
  // Data first, tenant last: if seeding fails half-way the tenant does not exist yet, so the
  // next start seeds again instead of serving a half-empty demo.
  const result = await engine.bundle({ tenant: demoTenant, baseUrl: '' }, demoBundle());
  const records = recordsOf(result.body);
  const password = await hashPassword('demo');
  for (const u of demoUsers) {
    const record = u.record ? records[u.record] : undefined;
    await identities.createUser(demoTenant, {
      id: randomUUID(),
      email: u.email,
      passwordHash: password,
      role: u.role,
      identifiers: [`urn:demo:user|${u.email}`],
      active: true,
      ...(record ? { fhirUser: record } : {}),
    });
  }
  await identities.createClient(demoTenant, {
    clientId: demoClient.clientId,
    name: 'Demo hospital system',
    secretHash: secretHash(demoClient.secret),
    scope: 'system/*.cruds',
    active: true,
  });
  await tenants.create(demoTenant, 'Demo Mental Health Clinic');
  return true;
}
