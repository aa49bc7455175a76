import { createHash } from 'node:crypto';
import type { StoredAudit, VerifyReport } from './audit-store.js';

/** What the first record of a tenant chains from. */
export const genesisHash = '0'.repeat(64);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * JSON with the keys of every object sorted (by UTF-16 code unit, as RFC 8785 does), so equal
 * values have one text whatever order their keys were written in. Array order is kept; other
 * values are written as `JSON.stringify` writes them (undefined entries are left out).
 */
export function canonicalJson(value: unknown): string {
  // Off the request path: records are written as auditRecordJson, whose keys are already in
  // this order; this serves verification and whatever else a caller hands in.
  return JSON.stringify(value, (_key, v: unknown) =>
    isPlainObject(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** SHA-256, hex, over `previousHash` followed by the canonical JSON of `record`. */
export function chainHash(previousHash: string, record: object): string {
  return chainHashOfJson(previousHash, canonicalJson(record));
}

/**
 * {@link chainHash} of a record already written as {@link canonicalJson}, for a store that keeps
 * that text: it is serialised once, and the hash covers exactly what is stored.
 */
export function chainHashOfJson(previousHash: string, canonical: string): string {
  return createHash('sha256').update(previousHash).update(canonical).digest('hex');
}

/** The last seq and hash of a tenant's chain, as a store keeps it. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * Walks a tenant's chain record by record, in seq order, and says where it first breaks. A
 * store feeds it what it reads (in pages, if it likes) and ends with its head; the verdict is
 * then the same for every store.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private previousHash = genesisHash;
  private checked = 0;
  private broken: { seq: number; problem: 'changed' | 'missing' } | undefined;

  constructor(private readonly tenant: string) {}

  /** Checks the next record; false once the chain is broken (feed no more). */
  check(row: StoredAudit): boolean {
    if (this.broken) {
      return false;
    }
    if (row.seq > this.expectedSeq) {
      this.broken = { seq: this.expectedSeq, problem: 'missing' };
    } else if (
      row.seq < this.expectedSeq ||
      row.previousHash !== this.previousHash ||
      row.record.tenant !== this.tenant ||
      chainHash(row.previousHash, row.record) !== row.hash
    ) {
      this.broken = { seq: row.seq, problem: 'changed' };
    } else {
      this.checked += 1;
      this.expectedSeq += 1;
      this.previousHash = row.hash;
      return true;
    }
    return false;
  }

  /**
   * The verdict, given the head the records were read up to: records beyond what was checked
   * are missing, and the last hash must be the head's. Without a head there must be no records.
   */
  finish(head: ChainHead | undefined): VerifyReport {
    const lastSeq = this.expectedSeq - 1;
    if (!this.broken) {
      if (head === undefined) {
        if (lastSeq > 0) {
          // Records whose head is gone: whatever came after them can no longer be known.
          this.broken = { seq: lastSeq + 1, problem: 'missing' };
        }
      } else if (head.seq > lastSeq) {
        this.broken = { seq: lastSeq + 1, problem: 'missing' };
      } else if (head.seq < lastSeq || head.hash !== this.previousHash) {
        this.broken = { seq: head.seq, problem: 'changed' };
      }
    }
    return this.broken
      ? {
          ok: false,
          checked: this.checked,
          firstBrokenSeq: this.broken.seq,
          problem: this.broken.problem,
        }
      : { ok: true, checked: this.checked };
  }
}
