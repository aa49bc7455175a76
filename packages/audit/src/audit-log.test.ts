import { describe, expect, it } from 'vitest';
import { AuditLog } from './audit-log.js';
import type { AuditRecord } from './audit-record.js';
import {
  AuditAppendError,
  type AuditStore,
  type StoredAudit,
  type VerifyReport,
} from './audit-store.js';

const record = (n: number, tenant = 'alpha'): AuditRecord => ({
  tenant,
  recorded: '2025-01-01T00:00:00.000Z',
  action: 'R',
  interaction: 'read',
  outcome: 'success',
  status: 200,
  who: { user: 'u1' },
  what: { type: 'Patient', id: `p${n}` },
  requestId: `req-${n}`,
});

/**
 * A fake of the port for the batching logic only: it keeps the batches it was given, and each
 * append waits until the test releases (or fails) it.
 */
class FakeStore implements AuditStore {
  readonly batches: AuditRecord[][] = [];
  private gates: { release: () => void; fail: (err: unknown) => void }[] = [];
  /** Answer appends at once instead of waiting to be released. */
  immediate = false;

  append(records: readonly AuditRecord[]): Promise<void> {
    this.batches.push([...records]);
    if (this.immediate) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.gates.push({ release: resolve, fail: reject });
    });
  }

  /** Lets the oldest waiting append commit (or fail), then lets the log react. */
  async release(err?: unknown): Promise<void> {
    const gate = this.gates.shift();
    if (!gate) {
      throw new Error('No append is waiting');
    }
    if (err === undefined) {
      gate.release();
    } else {
      gate.fail(err);
    }
    await settle();
  }

  get waiting(): number {
    return this.gates.length;
  }

  search(): Promise<StoredAudit[]> {
    return Promise.resolve([]);
  }

  verify(): Promise<VerifyReport> {
    return Promise.resolve({ ok: true, checked: 0 });
  }
}

/** Lets queued promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await Promise.resolve();
  }
}

function track(promise: Promise<void>): {
  state: 'pending' | 'resolved' | 'rejected';
  error?: unknown;
} {
  const t: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  promise.then(
    () => {
      t.state = 'resolved';
    },
    (err: unknown) => {
      t.state = 'rejected';
      t.error = err;
    },
  );
  return t;
}

describe('AuditLog', () => {
  it('writes the records of one turn as one batch, and resolves only once it committed', async () => {
    const store = new FakeStore();
    const log = new AuditLog(store);
    const calls = [1, 2, 3].map((n) => track(log.record(record(n))));
    await settle();
    expect(store.batches.map((b) => b.length)).toEqual([3]);
    expect(calls.map((c) => c.state)).toEqual(['pending', 'pending', 'pending']);
    await store.release();
    expect(calls.map((c) => c.state)).toEqual(['resolved', 'resolved', 'resolved']);
  });

  it('queues records while a batch is written and writes them as the next batch', async () => {
    const store = new FakeStore();
    const log = new AuditLog(store);
    const first = track(log.record(record(1)));
    await settle();
    const later = [2, 3, 4, 5].map((n) => track(log.record(record(n))));
    await settle();
    // One batch at a time: the later records wait for the first batch.
    expect(store.batches.map((b) => b.map((r) => r.requestId))).toEqual([['req-1']]);
    await store.release();
    expect(first.state).toBe('resolved');
    expect(later.every((c) => c.state === 'pending')).toBe(true);
    expect(store.batches.map((b) => b.map((r) => r.requestId))).toEqual([
      ['req-1'],
      ['req-2', 'req-3', 'req-4', 'req-5'],
    ]);
    await store.release();
    expect(later.every((c) => c.state === 'resolved')).toBe(true);
    expect(store.waiting).toBe(0);
  });

  it('splits a long queue into batches of at most maxBatch, in order', async () => {
    const store = new FakeStore();
    store.immediate = true;
    const log = new AuditLog(store, { maxBatch: 500 });
    await Promise.all(Array.from({ length: 1200 }, (_, n) => log.record(record(n))));
    expect(store.batches.map((b) => b.length)).toEqual([500, 500, 200]);
    expect(store.batches.flat().map((r) => r.requestId)).toEqual(
      Array.from({ length: 1200 }, (_, n) => `req-${n}`),
    );
  });

  it('rejects every caller of a failed batch, and goes on with the next one', async () => {
    const store = new FakeStore();
    const log = new AuditLog(store);
    const failed = [1, 2].map((n) => track(log.record(record(n))));
    await settle();
    const next = track(log.record(record(3)));
    const boom = new Error('connection lost');
    await store.release(boom);
    expect(failed.map((c) => c.state)).toEqual(['rejected', 'rejected']);
    expect(failed[0]?.error).toBe(boom);
    expect(next.state).toBe('pending');
    await store.release();
    expect(next.state).toBe('resolved');
  });

  it('rejects only the callers of the tenants a store says it did not keep', async () => {
    const store = new FakeStore();
    const log = new AuditLog(store);
    const alpha = track(log.record(record(1, 'alpha')));
    const beta = track(log.record(record(2, 'beta')));
    await settle();
    await store.release(new AuditAppendError(new Map([['beta', new Error('lock timeout')]])));
    expect(alpha.state).toBe('resolved');
    expect(beta.state).toBe('rejected');
  });

  it('keeps only the fields of a record, and rejects a malformed one without failing others', async () => {
    const store = new FakeStore();
    store.immediate = true;
    const log = new AuditLog(store);
    const withContent = {
      ...record(1),
      resource: { resourceType: 'Patient', name: [{ family: 'Secret' }] },
      what: { type: 'Patient', id: 'p1', query: 'name=Secret' },
    } as AuditRecord;
    const malformed = { ...record(2), action: 'X' } as unknown as AuditRecord;
    const results = await Promise.allSettled([log.record(withContent), log.record(malformed)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(store.batches).toEqual([[{ ...record(1), what: { type: 'Patient', id: 'p1' } }]]);
    expect(JSON.stringify(store.batches)).not.toContain('Secret');
  });

  it('flush waits for every queued record; close does too and then refuses new ones', async () => {
    const store = new FakeStore();
    const log = new AuditLog(store);
    const first = track(log.record(record(1)));
    await settle();
    const second = track(log.record(record(2)));
    const flushed = track(log.flush());
    await store.release();
    expect(flushed.state).toBe('pending');
    await store.release();
    expect(flushed.state).toBe('resolved');
    expect([first.state, second.state]).toEqual(['resolved', 'resolved']);

    const third = track(log.record(record(3)));
    const closed = track(log.close());
    await settle();
    expect(closed.state).toBe('pending');
    await expect(log.record(record(4))).rejects.toThrow(/closed/);
    await store.release();
    expect([third.state, closed.state]).toEqual(['resolved', 'resolved']);
  });

  it('refuses a maxBatch that is not a positive integer', () => {
    expect(() => new AuditLog(new FakeStore(), { maxBatch: 0 })).toThrow(RangeError);
  });
});
