import { parseSearch, searchParamsOf, valuesFor } from '@swiftacare/fhir';
import type { Cache } from '@swiftacare/cache';
import { resourceOf, type ResourceStore } from '@swiftacare/resource-store';

// Care relationships change when an appointment is booked or a care team changes; a minute of
// staleness is the price of not computing them on every request.
const caredSeconds = 60;
// Limitation: a practitioner is taken to care for at most this many patients per source
// (care teams, general practice, appointments); beyond it the oldest links are not seen.
const perSource = 1000;

// Care links are taken from records that narrowed callers write too, so those writes may only
// concern patients the caller reached before (`assertMayConcern` in access-policy.ts): a
// practitioner cannot take on a patient, nor a patient hand another patient's record to anyone.
// New care relationships come from the institution (staff, admins, system clients) or from a
// patient booking themselves with a practitioner.
// Limitation: the cache means a care link that was removed (an appointment deleted, a member
// taken off a care team, another general practitioner) still admits reads and writes about that
// patient for up to a minute. Appointments count whatever their status or date.

/**
 * The patients a practitioner cares for, as `Patient/id` references: those whose general
 * practitioner they are, those of care teams they take part in, and those they have an
 * appointment with. Cached briefly per practitioner; `fresh` skips the cached answer (and
 * replaces it), for when a stale one would refuse what committed data allows.
 *
 * Always read through `store`, outside any unit of work in flight: the answer reflects committed
 * data only, so a write can never count the care links it creates itself.
 */
export async function patientsCaredFor(
  store: ResourceStore,
  cache: Cache,
  tenant: string,
  practitioner: string,
  { fresh = false }: { fresh?: boolean } = {},
): Promise<string[]> {
  const key = `cared:${tenant}:${practitioner}`;
  const cached = fresh ? undefined : await cache.get(key);
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
