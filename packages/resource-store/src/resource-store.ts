import type { SearchRequest } from '@swiftacare/fhir';
import type { Resource } from '@medplum/fhirtypes';
import type { StoredVersion } from './stored-version.js';

/** One page of search matches. */
export interface SearchPage {
  matches: StoredVersion[];
  /** Every match, when the request asked for a total. */
  total?: number;
  /** Opaque cursor of the next page; absent on the last page. */
  next?: string;
}

/** A history query: of one instance, of one type, newest first. */
export interface HistoryRequest {
  type: string;
  id?: string;
  /** Only versions changed at or after this instant (`_since`). */
  since?: string;
  count: number;
  cursor?: string;
}

/** One page of versions, newest first. */
export interface HistoryPage {
  versions: StoredVersion[];
  next?: string;
}

/** What an `Idempotency-Key` remembers: the exact answer first given. */
export interface IdempotencyRecord {
  requestHash: string;
  status: number;
  location?: string;
  body: string;
}

/**
 * Work done inside one atomic unit, all in one tenant. Everything either commits together or
 * not at all; a `lock` holds until the unit ends.
 */
export interface ResourceTransaction {
  /** The current version (possibly a deletion), or undefined if the id never existed. */
  read(type: string, id: string): Promise<StoredVersion | undefined>;
  /** One version, as {@link ResourceStore.vread}: lets a unit look behind a deletion. */
  vread(type: string, id: string, versionId: number): Promise<StoredVersion | undefined>;
  search(request: SearchRequest): Promise<SearchPage>;
  /**
   * Stores version 1 of a new resource. The resource must carry its server-assigned `id`; the
   * store sets `meta.versionId` and `meta.lastUpdated`.
   */
  create(resource: Resource): Promise<StoredVersion>;
  /**
   * Stores the next version of an existing, non-deleted resource. When `expectedVersion` is
   * given and is not the current version, fails with a 412 FhirError; a missing id fails 404,
   * a deleted one 410.
   */
  update(resource: Resource, expectedVersion?: number): Promise<StoredVersion>;
  /** Records a deletion as a new version; deleting a deleted or missing resource is a no-op. */
  delete(type: string, id: string, expectedVersion?: number): Promise<StoredVersion | undefined>;
  /** Serialises units that take the same key (conditional writes, idempotency keys). */
  lock(key: string): Promise<void>;
  idempotencyRecord(key: string): Promise<IdempotencyRecord | undefined>;
  rememberIdempotency(key: string, record: IdempotencyRecord): Promise<void>;
}

/**
 * The port through which the FHIR engine reaches storage. Every call names its tenant; an
 * adapter must never return or change a row of another tenant, whatever else it is given.
 */
export interface ResourceStore {
  read(tenant: string, type: string, id: string): Promise<StoredVersion | undefined>;
  /** Current versions of several resources of one type; missing and deleted ones are left out. */
  readMany(tenant: string, type: string, ids: readonly string[]): Promise<StoredVersion[]>;
  vread(
    tenant: string,
    type: string,
    id: string,
    versionId: number,
  ): Promise<StoredVersion | undefined>;
  history(tenant: string, request: HistoryRequest): Promise<HistoryPage>;
  search(tenant: string, request: SearchRequest): Promise<SearchPage>;
  /** Runs `work` as one atomic unit in the tenant. */
  unit<T>(tenant: string, work: (tx: ResourceTransaction) => Promise<T>): Promise<T>;
  /** True when the store can serve requests. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
