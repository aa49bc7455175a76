import { normalizeAuditRecord, type AuditRecord } from './audit-record.js';
import { AuditAppendError, type AuditStore } from './audit-store.js';

/** Options of an {@link AuditLog}. */
export interface AuditLogOptions {
  /** The most records written in one batch (default 500). */
  maxBatch?: number;
}

interface Pending {
  record: AuditRecord;
  resolve: () => void;
  reject: (reason: unknown) => void;
}

/**
 * The gateway's way to audit: `record()` resolves once the record is committed, so a request
 * can be answered only after its audit record is kept, yet records are written in batches
 * rather than one insert per request (group commit). One batch is written at a time; records
 * that arrive meanwhile wait and go together as the next batch, so the busier the gateway,
 * the larger its batches.
 */
export class AuditLog {
  private readonly maxBatch: number;
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly store: AuditStore,
    options: AuditLogOptions = {},
  ) {
    const maxBatch = options.maxBatch ?? 500;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new RangeError('AuditLog maxBatch must be a positive integer');
    }
    this.maxBatch = maxBatch;
  }

  /**
   * Queues a record; resolves when the batch holding it has committed, rejects when that
   * batch (or, for a store that says so, that tenant's part of it) failed. The record is
   * checked and copied first ({@link normalizeAuditRecord}): fields a record does not have are
   * never written, and a record that is not one rejects at once, failing no one else.
   */
  record(record: AuditRecord): Promise<void> {
    if (this.closed) {
      return Promise.reject(new Error('The audit log is closed'));
    }
    let normalized: AuditRecord;
    try {
      normalized = normalizeAuditRecord(record);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ record: normalized, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /** Resolves when every record queued so far has been written (or has failed). */
  async flush(): Promise<void> {
    while (this.writing) {
      await this.writing;
    }
  }

  /** Refuses new records, then waits for the pending ones. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private async drain(): Promise<void> {
    // Records queued in the same turn of the event loop join the first batch.
    await Promise.resolve();
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.store.append(batch.map((p) => p.record));
        for (const p of batch) {
          p.resolve();
        }
      } catch (err) {
        for (const p of batch) {
          if (err instanceof AuditAppendError && !err.failures.has(p.record.tenant)) {
            p.resolve();
          } else {
            p.reject(err);
          }
        }
      }
    }
    this.writing = undefined;
  }
}
