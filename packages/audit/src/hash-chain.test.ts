import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from './audit-record.js';
import type { StoredAudit } from './audit-store.js';
import {
  canonicalJson,
  chainHash,
  chainHashOfJson,
  ChainVerifier,
  genesisHash,
  type ChainHead,
} from './hash-chain.js';

const record = (n: number, tenant = 'alpha'): AuditRecord => ({
  tenant,
  recorded: `2025-01-01T00:00:${String(n).padStart(2, '0')}.000Z`,
  action: 'R',
  interaction: 'read',
  outcome: 'success',
  status: 200,
  who: { user: 'u1' },
  what: { type: 'Observation', id: `o${n}`, patient: 'p1' },
  requestId: `req-${n}`,
});

function chain(n: number): StoredAudit[] {
  const rows: StoredAudit[] = [];
  let previousHash = genesisHash;
  for (let seq = 1; seq <= n; seq++) {
    const r = record(seq);
    const hash = chainHash(previousHash, r);
    rows.push({ seq, record: r, previousHash, hash });
    previousHash = hash;
  }
  return rows;
}

/** Verifies `rows` against `head`: by default the last row, `null` for no head at all. */
function verify(rows: StoredAudit[], head: ChainHead | null = rows[rows.length - 1] ?? null) {
  const verifier = new ChainVerifier('alpha');
  for (const row of rows) {
    if (!verifier.check(row)) {
      break;
    }
  }
  return verifier.finish(head === null ? undefined : { seq: head.seq, hash: head.hash });
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }, 'x'], c: { z: null, y: true } })).toBe(
      '{"a":[{"c":3,"d":2},"x"],"b":1,"c":{"y":true,"z":null}}',
    );
  });

  it('gives the same text whatever order the keys were written in, and leaves out undefined', () => {
    expect(canonicalJson({ who: { user: 'u', client: 'c' }, tenant: 't', x: undefined })).toBe(
      canonicalJson({ tenant: 't', who: { client: 'c', user: 'u' } }),
    );
  });

  it('writes every value as JSON.stringify does once keys are in order', () => {
    const value = {
      a: [1, undefined, 'x\u2028"\\', null, { b: 1e21, c: -0 }, () => 1],
      b: new Date(Date.UTC(2026, 0, 2)),
      c: { d: 'Müller 😀', e: NaN, f: undefined },
      g: true,
    };
    expect(canonicalJson(value)).toBe(JSON.stringify(value));
    expect(canonicalJson([undefined])).toBe('[null]');
    expect(canonicalJson('text')).toBe('"text"');
  });

  it('keeps a "__proto__" key as data', () => {
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1}}'))).toBe(
      '{"__proto__":{"x":1},"b":1}',
    );
  });
});

describe('chainHash', () => {
  it('is the SHA-256 hex of the previous hash followed by the canonical JSON', () => {
    const expected = createHash('sha256')
      .update(`${'0'.repeat(64)}{"a":[{"c":3,"d":2}],"b":1}`)
      .digest('hex');
    expect(chainHash(genesisHash, { b: 1, a: [{ d: 2, c: 3 }] })).toBe(expected);
    expect(genesisHash).toBe('0'.repeat(64));
    expect(chainHashOfJson(genesisHash, canonicalJson(record(1)))).toBe(
      chainHash(genesisHash, record(1)),
    );
  });

  it('changes with any field of the record and with the previous hash', () => {
    const base = chainHash(genesisHash, record(1));
    expect(chainHash(genesisHash, { ...record(1), status: 403 })).not.toBe(base);
    expect(chainHash(genesisHash, { ...record(1), what: { type: 'Observation' } })).not.toBe(base);
    expect(chainHash('1'.repeat(64), record(1))).not.toBe(base);
    expect(chainHash(genesisHash, JSON.parse(JSON.stringify(record(1))) as object)).toBe(base);
  });
});

describe('ChainVerifier', () => {
  it('accepts an intact chain and an empty one', () => {
    expect(verify(chain(5))).toEqual({ ok: true, checked: 5 });
    expect(verify([], null)).toEqual({ ok: true, checked: 0 });
    expect(verify([], { seq: 0, hash: genesisHash })).toEqual({ ok: true, checked: 0 });
  });

  it('reports a changed record at its seq', () => {
    const rows = chain(5);
    const third = rows[2];
    if (third) {
      third.record = { ...third.record, outcome: 'refused' };
    }
    expect(verify(rows)).toEqual({ ok: false, checked: 2, firstBrokenSeq: 3, problem: 'changed' });
  });

  it('reports a record whose hash was recomputed where the next one no longer links', () => {
    const rows = chain(5);
    const third = rows[2];
    if (third) {
      third.record = { ...third.record, status: 404 };
      third.hash = chainHash(third.previousHash, third.record);
    }
    expect(verify(rows, chain(5)[4])).toMatchObject({ ok: false, firstBrokenSeq: 4 });
  });

  it("reports another tenant's record in the chain as changed", () => {
    const rows = chain(2);
    const r = record(3, 'beta');
    const previousHash = rows[1]?.hash ?? '';
    rows.push({ seq: 3, record: r, previousHash, hash: chainHash(previousHash, r) });
    expect(verify(rows)).toMatchObject({ ok: false, firstBrokenSeq: 3, problem: 'changed' });
  });

  it('reports a gap as missing at the first absent seq', () => {
    const rows = chain(5);
    expect(verify(rows.filter((r) => r.seq !== 3))).toEqual({
      ok: false,
      checked: 2,
      firstBrokenSeq: 3,
      problem: 'missing',
    });
    expect(verify(rows.slice(1), rows[4])).toMatchObject({ firstBrokenSeq: 1, problem: 'missing' });
  });

  it('reports records the head counts but that are not there as missing', () => {
    const rows = chain(5);
    expect(verify(rows.slice(0, 4), rows[4])).toEqual({
      ok: false,
      checked: 4,
      firstBrokenSeq: 5,
      problem: 'missing',
    });
    expect(verify(rows, null)).toMatchObject({ ok: false, problem: 'missing' });
  });

  it('reports a head whose hash is not the last record as changed', () => {
    const rows = chain(3);
    expect(verify(rows, { seq: 3, hash: 'f'.repeat(64) })).toMatchObject({
      ok: false,
      firstBrokenSeq: 3,
      problem: 'changed',
    });
  });
});
