import type { FhirEngine } from '@swiftacare/fhir-engine';
import { appointment, appointmentStart, patient, pick, practitioner, prng } from './fixtures.js';
import type { ResourceJson } from './fixtures.js';
import { dataset } from './options.js';

/** The ids the seeding produced. */
export interface Seeded {
  practitioners: string[];
  patients: string[];
  appointments: string[];
}

interface ResponseBundle {
  entry?: { response?: { location?: string } }[];
}

/** Bundles seeded at once: enough to overlap database round trips with validation. */
export const parallelBundles = 4;

/** Stores resources as transaction Bundles of ≤ bundleSize entries; answers their ids in order. */
async function createAll(
  engine: FhirEngine,
  tenant: string,
  resources: readonly ResourceJson[],
): Promise<string[]> {
  const chunks: ResourceJson[][] = [];
  for (let i = 0; i < resources.length; i += dataset.bundleSize) {
    chunks.push(resources.slice(i, i + dataset.bundleSize));
  }
  const ids: string[][] = new Array<string[]>(chunks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const n = next++;
      const chunk = chunks[n] ?? [];
      const result = await engine.bundle(
        { tenant, baseUrl: '' },
        {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: chunk.map((resource) => ({
            resource,
            request: { method: 'POST', url: resource.resourceType },
          })),
        },
      );
      const entries = (result.body as ResponseBundle | undefined)?.entry ?? [];
      if (result.status !== 200 || entries.length !== chunk.length) {
        throw new Error(
          `Seeding Bundle ${n} answered ${result.status} with ${entries.length} entries`,
        );
      }
      // location is `Type/id/_history/1`.
      ids[n] = entries.map((e) => e.response?.location?.split('/')[1] ?? '');
    }
  };
  await Promise.all(Array.from({ length: parallelBundles }, worker));
  return ids.flat();
}

/**
 * Seeds the tenant through the FHIR engine (validation, indexing and all): practitioners,
 * patients, then appointments spread over a year around `now`, each with one of each.
 */
export async function seed(engine: FhirEngine, tenant: string, now: number): Promise<Seeded> {
  const random = prng(20_250_101);
  const practitioners = await createAll(
    engine,
    tenant,
    Array.from({ length: dataset.practitioners }, (_, i) => practitioner(i)),
  );
  const patients = await createAll(
    engine,
    tenant,
    Array.from({ length: dataset.patients }, (_, i) => patient(i)),
  );
  const appointments = await createAll(
    engine,
    tenant,
    Array.from({ length: dataset.appointments }, () =>
      appointment(
        pick(patients, random),
        pick(practitioners, random),
        appointmentStart(now, dataset.spreadDays, random),
      ),
    ),
  );
  return { practitioners, patients, appointments };
}
