import { FhirError, matchesConditions, type SearchCondition } from '@swiftacare/fhir';
import {
  resourceOf,
  type ResourceStore,
  type ResourceTransaction,
  type StoredVersion,
} from '@swiftacare/resource-store';
import type { RequestContext } from './result.js';
import { isVisible, narrowingOf } from './visibility.js';

/**
 * Which versions of a record a narrowed caller may see. A record belongs to whoever's
 * compartment its last live version (the current one, or the one before its deletion) lies in;
 * of that record, a version is shown only if its own content lies there too. So a note moved
 * from Q to P shows P's practitioner the P-era versions only, a note moved from P to Q shows
 * them nothing, and a deleted record stays readable (history, 410, idempotent delete) to the
 * compartment it was deleted from.
 */

/** Whether one version of an already visible record may be shown. */
export type VersionFilter = (version: StoredVersion) => boolean;

type Reader = ResourceStore | ResourceTransaction;

function readCurrent(
  where: Reader,
  tenant: string,
  type: string,
  id: string,
): Promise<StoredVersion | undefined> {
  return 'unit' in where ? where.read(tenant, type, id) : where.read(type, id);
}

function readVersion(
  where: Reader,
  tenant: string,
  type: string,
  id: string,
  versionId: number,
): Promise<StoredVersion | undefined> {
  return 'unit' in where
    ? where.vread(tenant, type, id, versionId)
    : where.vread(type, id, versionId);
}

/**
 * The current version if live, else the newest live one before it. A deletion follows a live
 * version and a deleted record cannot be updated, so this is one step back; walking further is
 * only a guard against history the engine did not write.
 */
async function lastLiveOf(
  where: Reader,
  tenant: string,
  current: StoredVersion,
): Promise<StoredVersion | undefined> {
  if (!current.deleted) {
    return current;
  }
  for (let n = current.versionId - 1; n >= 1; n--) {
    const version = await readVersion(where, tenant, current.type, current.id, n);
    if (version && !version.deleted) {
      return version;
    }
  }
  return undefined;
}

/** Whether the record, judged by its last live version, lies in the compartment. */
async function recordInside(
  where: Reader,
  context: RequestContext,
  current: StoredVersion,
  lastLive: StoredVersion,
  narrowing: SearchCondition[],
): Promise<boolean> {
  // A live record is asked of the database, exactly as a read or search would ask it. A
  // deleted one has no searchable row left, so its last content is judged in memory.
  return current.deleted
    ? matchesConditions(resourceOf(lastLive), narrowing)
    : isVisible(where, context, current.type, current.id);
}

/**
 * Answers 404 for a record outside the caller's compartment, deleted or not, exactly as for an
 * unknown id; otherwise returns which of its versions the caller may see.
 *
 * For a caller without narrowing every version is shown and nothing is looked up (an unknown
 * id is then left to the interaction). For a narrowed caller the record is visible when its
 * last live version lies in the compartment; a version is then shown when it is a deletion,
 * that last live version itself, or content that lies in the compartment on its own
 * ({@link matchesConditions}, which fails closed on conditions it cannot judge).
 *
 * @param current - the current version when the caller has already read it, to save a read
 */
export async function assertRecordVisible(
  where: Reader,
  context: RequestContext,
  type: string,
  id: string,
  current?: StoredVersion,
): Promise<VersionFilter> {
  const narrowing = await narrowingOf(context, type);
  if (narrowing.length === 0) {
    return () => true;
  }

  const found = current ?? (await readCurrent(where, context.tenant, type, id));
  const lastLive = found && (await lastLiveOf(where, context.tenant, found));
  if (!found || !lastLive || !(await recordInside(where, context, found, lastLive, narrowing))) {
    throw new FhirError('notFound', `${type}/${id} is not known`);
  }

  return (version) =>
    version.deleted ||
    version.versionId === lastLive.versionId ||
    matchesConditions(resourceOf(version), narrowing);
}
