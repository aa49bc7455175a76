import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSearch } from '@swiftacare/fhir';
import { maintainPartitions } from './partitions.js';
import { openTestBackend, type TestBackend } from './testing.js';

let backend: TestBackend;
let owner: pg.Pool;

function appointment(start: string): Resource & { id: string } {
  const end = new Date(Date.parse(start) + 50 * 60_000).toISOString();
  return {
    resourceType: 'Appointment',
    id: randomUUID(),
    status: 'booked',
    start,
    end,
    participant: [{ status: 'accepted', actor: { reference: `Patient/${randomUUID()}` } }],
  };
}

async function partitionOf(id: string): Promise<string | undefined> {
  // eslint-disable-next-line swiftacare/tenant-scoped-sql -- the owner inspects where a row lives
  const { rows } = await owner.query<{ p: string }>(
    'SELECT tableoid::regclass::text AS p FROM appointment WHERE id = $1',
    [id],
  );
  return rows[0]?.p;
}

function monthName(date: Date): string {
  return `appointment_p${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

beforeAll(async () => {
  backend = await openTestBackend(['alpha']);
  owner = new pg.Pool({ connectionString: backend.url, max: 2 });
});

afterAll(async () => {
  await owner.end();
  await backend.close();
});

describe('Appointment partitions by month of its start', () => {
  it('files each appointment in the partition of its month and reads it back by id', async () => {
    const now = new Date();
    const inAMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 15, 10));
    const a = appointment(now.toISOString());
    const b = appointment(inAMonth.toISOString());
    await backend.resources.unit('alpha', async (tx) => {
      await tx.create(a);
      await tx.create(b);
    });
    expect(await partitionOf(a.id)).toBe(monthName(now));
    expect(await partitionOf(b.id)).toBe(monthName(inAMonth));
    expect((await backend.resources.read('alpha', 'Appointment', b.id))?.versionId).toBe(1);
  });

  it('moves a rescheduled appointment to its new month and still finds it by id', async () => {
    const now = new Date();
    const a = appointment(now.toISOString());
    await backend.resources.unit('alpha', (tx) => tx.create(a));
    const later = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 3, 9));
    const moved = appointment(later.toISOString());
    await backend.resources.unit('alpha', (tx) => tx.update({ ...moved, id: a.id }));
    expect(await partitionOf(a.id)).toBe(monthName(later));
    const read = await backend.resources.read('alpha', 'Appointment', a.id);
    expect(read?.versionId).toBe(2);
    expect(read?.json).toContain(later.toISOString());
  });

  it('finds appointments by date across and within months, with partitions pruned', async () => {
    const base = Date.UTC(2026, 0, 1);
    const at = (days: number): string => new Date(base + days * 86_400_000).toISOString();
    const jan = appointment(at(10));
    const feb = appointment(at(40));
    const mar = appointment(at(70));
    await backend.resources.unit('alpha', async (tx) => {
      for (const a of [jan, feb, mar]) {
        await tx.create(a);
      }
    });
    const ids = async (query: string): Promise<string[]> =>
      (
        await backend.resources.search(
          'alpha',
          parseSearch('Appointment', new URLSearchParams(query)),
        )
      ).matches
        .map((m) => m.id)
        .filter((id) => [jan.id, feb.id, mar.id].includes(id))
        .sort();
    expect(await ids('date=ge2026-02-01&date=lt2026-03-01')).toEqual([feb.id]);
    expect(await ids('date=ge2026-01-05&date=lt2026-03-02')).toEqual([jan.id, feb.id].sort());
    expect(await ids('date=gt2026-02-10')).toEqual([mar.id]);
    expect(await ids('date=gt2026-02-09')).toEqual([feb.id, mar.id].sort());
    expect(await ids('date=le2026-01-11')).toEqual([jan.id]);
    expect(await ids('date=2026-02-10')).toEqual([feb.id]);
    expect(await ids('date=ne2026-02-10&date=lt2026-04-01')).toEqual([jan.id, mar.id].sort());
  });

  it('keeps far-off months in the default partition, then moves them when their month opens', async () => {
    const far = appointment('2031-06-10T10:00:00.000Z');
    await backend.resources.unit('alpha', (tx) => tx.create(far));
    expect(await partitionOf(far.id)).toBe('appointment_pdefault');
    await maintainPartitions(owner, ['Appointment'], Date.parse('2031-01-01T00:00:00Z'));
    expect(await partitionOf(far.id)).toBe('appointment_p203106');
    expect((await backend.resources.read('alpha', 'Appointment', far.id))?.versionId).toBe(1);
  });
});
