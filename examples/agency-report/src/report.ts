/**
 * An agency's view of a tenant's appointments, through nothing but HTTP and FHIR: a search on
 * `Appointment` by date, page after page, counted by status.
 */

/** What the report needs of `fetch`: the global one fits, and so does a Hono app's `request`. */
export type FetchFn = (url: string, init: RequestInit) => Promise<Response> | Response;

/** Appointments whose start falls in [from, to), counted per `Appointment.status`. */
export interface AppointmentStatusReport {
  from: string;
  to: string;
  /** Every appointment counted (the sum of `byStatus`). */
  total: number;
  /** Count per status, keys in alphabetical order; statuses with no appointment are absent. */
  byStatus: Record<string, number>;
}

/** A FHIR date or dateTime, as the `date` search parameter takes it. */
const fhirDate =
  /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

interface SearchsetPage {
  resourceType?: string;
  link?: { relation?: string; url?: string }[];
  entry?: { resource?: { resourceType?: string; status?: string }; search?: { mode?: string } }[];
}

interface Outcome {
  resourceType?: string;
  issue?: { diagnostics?: string; code?: string }[];
}

async function getJson(fetchFn: FetchFn, url: string): Promise<unknown> {
  const response = await fetchFn(url, {
    method: 'GET',
    headers: { accept: 'application/fhir+json' },
  });
  const text = await response.text();
  const body: unknown = text === '' ? undefined : JSON.parse(text);
  if (!response.ok) {
    const outcome = body as Outcome | undefined;
    const details =
      outcome?.resourceType === 'OperationOutcome'
        ? (outcome.issue ?? []).map((i) => i.diagnostics ?? i.code).join('; ')
        : text.slice(0, 200);
    throw new Error(`GET ${new URL(url).pathname} answered ${response.status}: ${details}`);
  }
  return body;
}

/**
 * Counts the appointments of one FHIR base whose start is at or after `from` and before `to`
 * (`Appointment?date=ge{from}&date=lt{to}&_count=100`), following the searchset's `next` links
 * until the last page. `from` and `to` are FHIR dates or dateTimes (`2026-03-01`,
 * `2026-03-01T08:00:00+01:00`); a date without a zone is read by the server as UTC.
 *
 * @param fetchFn - how to send requests (add credentials by wrapping it).
 * @param base - the tenant's FHIR base, e.g. `http://127.0.0.1:8080/t/demo/fhir/R4`.
 */
export async function appointmentStatusReport(
  fetchFn: FetchFn,
  base: string,
  from: string,
  to: string,
): Promise<AppointmentStatusReport> {
  for (const [name, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!fhirDate.test(value)) {
      throw new RangeError(
        `${name} must be a FHIR date or dateTime such as 2026-03-01, got "${value}"`,
      );
    }
  }
  if (Date.parse(from) >= Date.parse(to)) {
    throw new RangeError(`from (${from}) must be before to (${to})`);
  }
  const root = base.replace(/\/+$/, '');
  const origin = new URL(root).origin;
  const query = new URLSearchParams([
    ['date', `ge${from}`],
    ['date', `lt${to}`],
    ['_count', '100'],
  ]);
  const counts = new Map<string, number>();
  const seen = new Set<string>();
  let total = 0;
  let url: string | undefined = `${root}/Appointment?${query.toString()}`;
  while (url !== undefined) {
    if (seen.has(url)) {
      throw new Error('The search paged back to a page already read');
    }
    seen.add(url);
    const page = (await getJson(fetchFn, url)) as SearchsetPage;
    if (page.resourceType !== 'Bundle') {
      throw new Error(`GET ${new URL(url).pathname} did not answer a Bundle`);
    }
    for (const entry of page.entry ?? []) {
      const resource = entry.resource;
      if (resource?.resourceType !== 'Appointment' || entry.search?.mode === 'include') {
        continue;
      }
      const status = resource.status ?? 'unknown';
      counts.set(status, (counts.get(status) ?? 0) + 1);
      total++;
    }
    const next = page.link?.find((l) => l.relation === 'next')?.url;
    url = next === undefined ? undefined : new URL(next, `${root}/`).toString();
    if (url !== undefined && new URL(url).origin !== origin) {
      throw new Error(`Refusing to follow a next link to another origin: ${url}`);
    }
  }
  const byStatus = Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
  return { from, to, total, byStatus };
}
