import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestGateway, type TestGateway } from './testing.js';

let gw: TestGateway;
let therapist: string;
let patientId: string;
let practitionerId: string;
const base = '/t/acme/fhir/R4';

beforeAll(async () => {
  gw = await openTestGateway(['acme']);
  const practitioner = await gw.request('POST', `${base}/Practitioner`, {
    body: { resourceType: 'Practitioner', name: [{ family: 'Okafor' }] },
  });
  practitionerId = (practitioner.body as { id: string }).id;
  // A patient the therapist does not care for.
  const patient = await gw.request('POST', `${base}/Patient`, {
    body: { resourceType: 'Patient', name: [{ family: 'Stranger' }] },
  });
  patientId = (patient.body as { id: string }).id;
  therapist = await gw.token({
    tenant: 'acme',
    role: 'practitioner',
    fhirUser: `Practitioner/${practitionerId}`,
  });
});

afterAll(async () => {
  await gw.close();
});

async function breakGlass(token: string, body: unknown): Promise<number> {
  const res = await gw.request('POST', '/t/acme/auth/break-glass', {
    token,
    body,
    headers: { 'content-type': 'application/json' },
  });
  return res.status;
}

describe('break-glass', () => {
  it('opens a patient outside the care of a practitioner who states a reason, audited as an emergency', async () => {
    expect(
      (await gw.request('GET', `${base}/Patient/${patientId}`, { token: therapist })).status,
    ).toBe(404);
    expect(await breakGlass(therapist, { patient: `Patient/${patientId}`, reason: 'short' })).toBe(
      400,
    );
    expect(
      await breakGlass(therapist, {
        patient: `Patient/${patientId}`,
        reason: 'Patient in crisis at the emergency department',
      }),
    ).toBe(201);
    const read = await gw.request('GET', `${base}/Patient/${patientId}`, { token: therapist });
    expect(read.status).toBe(200);
    const records = await gw.backend.audit.search('acme', { count: 20 });
    const access = records.find(
      (r) =>
        r.record.interaction === 'read' &&
        r.record.what?.id === patientId &&
        r.record.status === 200,
    );
    expect(access?.record.emergency?.reason).toMatch(/crisis/);
    const grant = records.find(
      (r) => r.record.interaction === 'break-glass' && r.record.status === 201,
    );
    expect(grant?.record.emergency?.reason).toMatch(/crisis/);
  });

  // A grant counts as care for writes too, so what was done in the emergency can be recorded.
  it('lets the practitioner write about that patient while it lasts', async () => {
    const res = await gw.request('POST', `${base}/Communication`, {
      token: therapist,
      body: {
        resourceType: 'Communication',
        status: 'completed',
        subject: { reference: `Patient/${patientId}` },
        payload: [{ contentString: 'Seen in crisis; handed over to the on-call team' }],
      },
    });
    expect(res.status, res.text).toBe(201);
  });

  it('does not let the practitioner make a care link that would outlast it', async () => {
    const team = await gw.request('POST', `${base}/CareTeam`, {
      token: therapist,
      body: {
        resourceType: 'CareTeam',
        status: 'active',
        subject: { reference: `Patient/${patientId}` },
        participant: [{ member: { reference: `Practitioner/${practitionerId}` } }],
      },
    });
    expect(team.status, team.text).toBe(403);
    const booking = await gw.request('POST', `${base}/Appointment`, {
      token: therapist,
      body: {
        resourceType: 'Appointment',
        status: 'booked',
        start: '2030-05-01T10:00:00Z',
        end: '2030-05-01T10:50:00Z',
        participant: [
          { actor: { reference: `Patient/${patientId}` }, status: 'accepted' },
          { actor: { reference: `Practitioner/${practitionerId}` }, status: 'accepted' },
        ],
      },
    });
    expect(booking.status, booking.text).toBe(403);
  });

  it('ends when the grant expires', async () => {
    // Expire every grant by removing it, as its time-to-live would after an hour.
    for (const user of await gw.backend.identities.users('acme')) {
      await gw.services.cache.delete(`break-glass:acme:${user.id}`);
    }
    const again = await gw.request('GET', `${base}/Patient/${patientId}`, { token: therapist });
    expect(again.status).toBe(404);
  });

  it('is refused to other roles and to the unauthenticated', async () => {
    const staff = await gw.token({ tenant: 'acme', role: 'institution-staff' });
    const body = {
      patient: `Patient/${patientId}`,
      reason: 'Patient in crisis at the emergency department',
    };
    expect(await breakGlass(staff, body)).toBe(403);
    const res = await gw.request('POST', '/t/acme/auth/break-glass', {
      token: false,
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(401);
  });
});
