import type { AuditRecord } from './audit-record.js';

/** A record as kept: its place in the tenant's chain and the hashes that seal it. */
export interface StoredAudit {
  /** 1, 2, 3, ... per tenant, without gaps. */
  seq: number;
  record: AuditRecord;
  /** The hash of the record before (64 zeros for the first). */
  previousHash: string;
  /** `chainHash(previousHash, record)`. */
  hash: string;
}

/** Which records {@link AuditStore.search} returns, newest first. */
export interface AuditQuery {
  /**
   * A paging cursor: only records that come after this seq in the newest-first order, that is
   * with a smaller seq. Pass the last seq of the page before.
   */
  after?: number;
  /** At most this many (a store may cap it; the PostgreSQL one at 1000). */
  count: number;
  /** The resource type reached. */
  type?: string;
  /** The resource id reached (with `type`, one resource). */
  id?: string;
  /** The patient whose data was reached: "who saw my record". */
  patient?: string;
  /** The user who asked. */
  user?: string;
}

/** What {@link AuditStore.verify} found. */
export interface VerifyReport {
  ok: boolean;
  /** Records found intact, from seq 1 up to where the chain broke (or the end). */
  checked: number;
  /** The first seq at which the chain does not hold. */
  firstBrokenSeq?: number;
  /**
   * `changed`: a record, or a hash, is not what was sealed. `missing`: a seq is absent (a gap,
   * or the head says there are more records than there are).
   */
  problem?: 'changed' | 'missing';
}

/**
 * Where audit records are kept: per tenant, an append-only chain in which each record's hash
 * covers the one before, so that changing or removing a record shows.
 */
export interface AuditStore {
  /**
   * Appends one batch, possibly of several tenants, in order. Each tenant's records are
   * appended atomically (all or none) and continue that tenant's chain even when several
   * processes append at once. When some tenants' records could not be appended the promise
   * rejects; an {@link AuditAppendError} then says which tenants' records were not kept (the
   * others were). Any other rejection means none were kept.
   */
  append(records: readonly AuditRecord[]): Promise<void>;
  /** A tenant's records, newest first. */
  search(tenant: string, query: AuditQuery): Promise<StoredAudit[]>;
  /** Recomputes a tenant's chain from its first record and reports where it breaks. */
  verify(tenant: string): Promise<VerifyReport>;
}

/** An {@link AuditStore.append} that kept the records of some tenants and not of others. */
export class AuditAppendError extends Error {
  /** The tenants whose records were not kept, each with its cause. */
  readonly failures: ReadonlyMap<string, unknown>;

  constructor(failures: ReadonlyMap<string, unknown>) {
    const tenants = [...failures.keys()].join(', ');
    super(`Audit records of ${tenants} could not be appended`, {
      cause: failures.values().next().value,
    });
    this.name = 'AuditAppendError';
    this.failures = failures;
  }
}
