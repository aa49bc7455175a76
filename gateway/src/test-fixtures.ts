import { expect } from 'vitest';
import type { TestGateway, TestResponse } from './testing.js';

/** The FHIR bases of the two tenants every test gateway has. */
export const acme = '/t/acme/fhir/R4';
export const other = '/t/other/fhir/R4';

/** The identifier system the builders use unless told otherwise. */
export const mrn = 'urn:swiftacare:test:mrn';

/** A resource as the gateway serves it. */
export interface Served {
  resourceType: string;
  id: string;
  meta: { versionId: string; lastUpdated: string };
  [element: string]: unknown;
}

/** A Bundle as the tests look at it. */
export interface TestBundle {
  resourceType: 'Bundle';
  type: string;
  total?: number;
  link?: { relation: string; url: string }[];
  entry?: {
    fullUrl?: string;
    resource?: Served;
    search?: { mode: string };
    request?: { method: string; url: string };
    response?: {
      status: string;
      location?: string;
      etag?: string;
      lastModified?: string;
      outcome?: Outcome;
    };
  }[];
}

/** An OperationOutcome as the tests look at it. */
export interface Outcome {
  resourceType: 'OperationOutcome';
  issue: { severity: string; code: string; diagnostics?: string; expression?: string[] }[];
}

/** A new Patient, with an identifier when one is given (`value`, or `system|value`). */
export function patient(
  identifier?: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const ids =
    identifier === undefined
      ? {}
      : {
          identifier: [
            identifier.includes('|')
              ? {
                  system: identifier.slice(0, identifier.indexOf('|')),
                  value: identifier.slice(identifier.indexOf('|') + 1),
                }
              : { system: mrn, value: identifier },
          ],
        };
  return { resourceType: 'Patient', ...ids, ...extra };
}

/** A new Practitioner. */
export function practitioner(family = 'Doctor'): Record<string, unknown> {
  return { resourceType: 'Practitioner', name: [{ family }] };
}

/** A booked, 30-minute Appointment of a patient (and a practitioner, when given). */
export function appointment(
  start: string,
  patientId: string,
  practitionerId?: string,
): Record<string, unknown> {
  const end = new Date(Date.parse(start) + 30 * 60_000).toISOString();
  const participant: Record<string, unknown>[] = [
    { actor: { reference: `Patient/${patientId}` }, status: 'accepted' },
  ];
  if (practitionerId !== undefined) {
    participant.push({
      actor: { reference: `Practitioner/${practitionerId}` },
      status: 'accepted',
    });
  }
  return { resourceType: 'Appointment', status: 'booked', start, end, participant };
}

/** A Schedule of a practitioner. */
export function schedule(practitionerId: string): Record<string, unknown> {
  return { resourceType: 'Schedule', actor: [{ reference: `Practitioner/${practitionerId}` }] };
}

/** A free 15-minute Slot of a schedule. */
export function slot(scheduleId: string, start: string): Record<string, unknown> {
  const end = new Date(Date.parse(start) + 15 * 60_000).toISOString();
  return {
    resourceType: 'Slot',
    schedule: { reference: `Schedule/${scheduleId}` },
    status: 'free',
    start,
    end,
  };
}

/** The body as a served resource. */
export function served(res: TestResponse): Served {
  return res.body as Served;
}

/** The body as a Bundle. */
export function bundleOf(res: TestResponse): TestBundle {
  return res.body as TestBundle;
}

/** The body as an OperationOutcome. */
export function outcomeOf(res: TestResponse): Outcome {
  return res.body as Outcome;
}

/** Creates a resource in a tenant and returns it as served; fails the test unless 201. */
export async function create(
  gw: TestGateway,
  body: Record<string, unknown>,
  base = acme,
): Promise<Served> {
  const type = String(body.resourceType);
  const res = await gw.request('POST', `${base}/${type}`, { body });
  expect(res.status, res.text).toBe(201);
  return served(res);
}

/** The path (with query) of an absolute link the gateway gave, for sending it back. */
export function pathOf(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}

/** The `next` link of a Bundle, if any. */
export function nextLink(bundle: TestBundle): string | undefined {
  return bundle.link?.find((l) => l.relation === 'next')?.url;
}

/** The ids of the entries of a Bundle with that search mode, in order. */
export function idsOf(bundle: TestBundle, mode: 'match' | 'include' = 'match'): string[] {
  return (bundle.entry ?? [])
    .filter((e) => (e.search?.mode ?? 'match') === mode)
    .map((e) => e.resource?.id ?? '');
}

/** Runs a search (path and query under the base) and returns the matched ids; fails unless 200. */
export async function searchIds(gw: TestGateway, query: string, base = acme): Promise<string[]> {
  const res = await gw.request('GET', `${base}/${query}`);
  expect(res.status, res.text).toBe(200);
  return idsOf(bundleOf(res));
}
