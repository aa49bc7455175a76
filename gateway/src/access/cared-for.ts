import { parseSearch, searchParamsOf, valuesFor } from '@swiftacare/fhir';
import type { Cache } from '@swiftacare/cache';
import { resourceOf, type ResourceStore } from '@swiftacare/resource-store';

// Care relationships change when an appointment is booked or a care team changes; a minute of
// staleness is the price of not computing them on every request.
const caredSeconds = 60;
// Limitation: a practitioner is taken to care for at most this many patients per source
// (care teams, general practice, appointments); beyond it the oldest links are not seen.
const perSource = 1000;

// Limitation: care links are taken from records that others can write. A patient who books
// an appointment naming another patient and a practitioner, or a practitioner who books one
// or joins a care team, makes that patient "cared for" without anyone approving it. Care
// relationships need their own approval before they widen access; they do not have it yet.

/**
 * The patients a practitioner cares for, as `Patient/id` references: those whose general
 * practitioner they are, those of care teams they take part in, and those they have an
 * appointment with. Cached briefly per practitioner.
 */
export async function patientsCaredFor(
  store: ResourceStore,
  cache: Cache,
  tenant: string,
  practitioner: string,
): Promise<string[]> {
  const key = `cared:${tenant}:${practitioner}`;
  const cached = await cache.get(key);
  if (cached) {
    return JSON.parse(cached) as string[];
  }
  const found = new Set<string>();
  const run = async (type: string, code: string, collect: string | undefined): Promise<void> => {
    const request = parseSearch(type, new URLSearchParams({ [code]: practitioner }));
    const page = await store.search(tenant, { ...request, count: perSource });
    for (const match of page.matches) {
      if (!collect) {
        found.add(`${type}/${match.id}`);
        continue;
      }
      const param = searchParamsOf(type).get(collect);
      const refs = param ? valuesFor(param, resourceOf(match)) : [];
      for (const ref of Array.isArray(refs) ? refs : []) {
        if (ref.startsWith('Patient/')) {
          found.add(ref);
        }
      }
    }
  };
  await run('Patient', 'general-practitioner', undefined);
  await run('CareTeam', 'participant', 'patient');
  await run('Appointment', 'practitioner', 'patient');
  const list = [...found];
  await cache.set(key, JSON.stringify(list), caredSeconds);
  return list;
}
