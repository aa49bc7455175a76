import { openTestGateway, type TestGateway } from '@swiftacare/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretHash } from '@swiftacare/identity';
import { appointmentStatusReport, type FetchFn } from './report.js';
import { clientCredentialsToken, withToken } from './token.js';

const base = 'http://gateway.test/t/acme/fhir/R4';

let gw: TestGateway;
const requested: string[] = [];
const anonymous: FetchFn = (url, init) => {
  requested.push(url);
  return gw.app.request(url, init);
};
// The agency authenticates as its own system client, through the real token endpoint.
let fetchFn: FetchFn = anonymous;

/** An Appointment starting at `start` (50 minutes long), or without dates when start is null. */
function appointment(status: string, start: string | null): Record<string, unknown> {
  return {
    resourceType: 'Appointment',
    status,
    ...(start === null
      ? {}
      : { start, end: new Date(Date.parse(start) + 50 * 60_000).toISOString() }),
    participant: [{ actor: { display: 'Sam Rivera' }, status: 'accepted' }],
  };
}

async function seed(tenant: string, appointments: Record<string, unknown>[]): Promise<void> {
  const res = await gw.request('POST', `/t/${tenant}/fhir/R4`, {
    body: {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: appointments.map((resource) => ({
        resource,
        request: { method: 'POST', url: 'Appointment' },
      })),
    },
  });
  expect(res.status, res.text).toBe(200);
}

beforeAll(async () => {
  gw = await openTestGateway();
  await gw.backend.identities.createClient('acme', {
    clientId: 'agency',
    name: 'Health agency',
    secretHash: secretHash('agency-secret'),
    scope: 'system/Appointment.rs',
    active: true,
  });
  const token = await clientCredentialsToken(
    anonymous,
    'http://gateway.test/t/acme/oauth2/token',
    'agency',
    'agency-secret',
  );
  fetchFn = withToken(anonymous, token);
  await seed('acme', [
    appointment('booked', '2025-11-01T00:00:00Z'), // exactly at `from`: counted
    appointment('booked', '2025-11-15T09:00:00Z'),
    appointment('fulfilled', '2025-11-20T10:00:00Z'),
    appointment('noshow', '2025-11-10T14:00:00+02:00'),
    appointment('cancelled', '2025-11-30T23:30:00Z'), // ends in December; starts in range
    appointment('booked', '2025-10-31T23:59:59Z'), // just before: not counted
    appointment('booked', '2025-12-01T00:00:00Z'), // exactly at `to`: not counted
    appointment('arrived', '2026-02-03T08:00:00Z'), // months later: not counted
    appointment('proposed', null), // no start: not counted
  ]);
  // Another tenant's appointment in the same range is never seen.
  await seed('other', [appointment('booked', '2025-11-12T09:00:00Z')]);
});
afterAll(async () => {
  await gw.close();
});

describe('appointmentStatusReport', () => {
  it('counts the appointments that start in [from, to) per status', async () => {
    const report = await appointmentStatusReport(fetchFn, base, '2025-11-01', '2025-12-01');
    expect(report).toEqual({
      from: '2025-11-01',
      to: '2025-12-01',
      total: 5,
      byStatus: { booked: 2, cancelled: 1, fulfilled: 1, noshow: 1 },
    });
    expect(Object.keys(report.byStatus)).toEqual(['booked', 'cancelled', 'fulfilled', 'noshow']);
  });

  it('takes dateTimes with zones, and reports an empty range as zero', async () => {
    const morning = await appointmentStatusReport(
      fetchFn,
      base,
      '2025-11-15T08:00:00Z',
      '2025-11-15T10:00:00+01:00',
    );
    expect(morning).toMatchObject({ total: 0, byStatus: {} });
    const later = await appointmentStatusReport(
      fetchFn,
      base,
      '2025-11-15T08:00:00Z',
      '2025-11-15T09:00:01Z',
    );
    expect(later).toMatchObject({ total: 1, byStatus: { booked: 1 } });
  });

  it('follows next links across pages of 100', async () => {
    const many = Array.from({ length: 130 }, (_, i) =>
      appointment(
        i % 3 === 0 ? 'fulfilled' : 'booked',
        new Date(Date.UTC(2025, 5, 1, 8, i)).toISOString(),
      ),
    );
    await seed('acme', many);
    const mark = requested.length;
    const report = await appointmentStatusReport(fetchFn, base, '2025-06-01', '2025-07-01');
    expect(report.total).toBe(130);
    expect(report.byStatus).toEqual({ booked: 86, fulfilled: 44 });
    const pages = requested.slice(mark);
    expect(pages).toHaveLength(2);
    expect(pages[0]).toBe(`${base}/Appointment?date=ge2025-06-01&date=lt2025-07-01&_count=100`);
    expect(pages[1]).toContain('_cursor=');
  });

  it('refuses dates that are not FHIR dates, and a range that ends before it starts', async () => {
    await expect(appointmentStatusReport(fetchFn, base, 'last week', '2025-12-01')).rejects.toThrow(
      RangeError,
    );
    await expect(
      appointmentStatusReport(fetchFn, base, '2025-11-01&_id=x', '2025-12-01'),
    ).rejects.toThrow(RangeError);
    await expect(
      appointmentStatusReport(fetchFn, base, '2025-12-01', '2025-11-01'),
    ).rejects.toThrow(/must be before/);
    expect(requested.filter((u) => u.includes('last'))).toEqual([]);
  });

  it('reports the OperationOutcome of a failed search', async () => {
    await expect(
      appointmentStatusReport(
        fetchFn,
        'http://gateway.test/t/nobody/fhir/R4',
        '2025-11-01',
        '2025-12-01',
      ),
    ).rejects.toThrow(/answered 404: There is no tenant "nobody"/);
  });
});
