// Plain JSON shapes: the gateway validates what it is sent, so no FHIR typings are needed here.
/** A FHIR resource as sent to the gateway. */
export interface ResourceJson {
  resourceType: string;
  [field: string]: unknown;
}

const minute = 60_000;
const day = 86_400_000;

/** A small seeded PRNG (mulberry32), so every run seeds the same shape of data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** One element of a non-empty list, chosen by `random`. */
export function pick<T>(list: readonly T[], random: () => number = Math.random): T {
  const item = list[Math.floor(random() * list.length)];
  if (item === undefined) {
    throw new Error('pick() needs a non-empty list');
  }
  return item;
}

/** `YYYY-MM-DD` of an instant, UTC. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Midnight UTC of the day `days` from the day containing `ms`. */
export function midnight(ms: number, days = 0): number {
  return Math.floor(ms / day) * day + days * day;
}

/** A start time on a working half hour (08:00-17:30 UTC) of a day within ±spreadDays of now. */
export function appointmentStart(now: number, spreadDays: number, random: () => number): Date {
  const d = midnight(now, Math.floor(random() * (2 * spreadDays + 1)) - spreadDays);
  return new Date(d + 8 * 60 * minute + Math.floor(random() * 20) * 30 * minute);
}

export function practitioner(n: number): ResourceJson {
  return {
    resourceType: 'Practitioner',
    identifier: [{ system: 'urn:bench:staff', value: `S-${n}` }],
    name: [{ family: `Clinician${n}`, given: ['Bench'] }],
  };
}

export function patient(n: number): ResourceJson {
  return {
    resourceType: 'Patient',
    identifier: [{ system: 'urn:bench:mrn', value: `P-${n}` }],
    name: [{ family: `Patient${n}`, given: ['Bench'] }],
    gender: n % 2 === 0 ? 'female' : 'male',
    birthDate: `19${String(50 + (n % 50))}-0${String(1 + (n % 9))}-1${String(n % 10)}`,
  };
}

/** A booked 50-minute Appointment of one patient with one practitioner. */
export function appointment(patientId: string, practitionerId: string, start: Date): ResourceJson {
  return {
    resourceType: 'Appointment',
    status: 'booked',
    description: 'Therapy session',
    start: start.toISOString(),
    end: new Date(start.getTime() + 50 * minute).toISOString(),
    participant: [
      { actor: { reference: `Patient/${patientId}` }, status: 'accepted' },
      { actor: { reference: `Practitioner/${practitionerId}` }, status: 'accepted' },
    ],
  };
}
