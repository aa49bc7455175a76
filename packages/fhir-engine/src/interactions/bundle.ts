import { randomUUID } from 'node:crypto';
import { FhirError, parseSearch } from '@swiftacare/fhir';
import {
  resourceOf,
  type ResourceStore,
  type ResourceTransaction,
} from '@swiftacare/resource-store';
import type { Bundle, BundleEntry, BundleEntryResponse } from '@medplum/fhirtypes';
import { fullUrlOf, searchEntry } from '../bundle-entries.js';
import { entryRequest, type EntryRequest } from '../entry-request.js';
import { resolvePlaceholders } from '../references.js';
import { etagOf, type InteractionResult, type RequestContext } from '../result.js';
import { versionFromIfMatch } from '../version-header.js';
import { allowInteraction } from '../allow.js';
import { assertRecordVisible } from '../version-visibility.js';
import { narrowingOf } from '../visibility.js';
import type { Interaction } from '@swiftacare/fhir';
import { conditionalUpdateIn } from './conditional-update.js';
import { createIn } from './create.js';
import { deleteIn } from './delete.js';
import { patchIn } from './patch.js';
import { assertPossibleId, readResult } from './read.js';
import { updateIn } from './update.js';

/** The most entries one Bundle may carry; bigger ones are refused with 413. */
export const maxBundleEntries = 1000;

const reasons: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'No Content' };

// FHIR's processing order for a transaction: deletes, creates, updates, then reads
// (https://hl7.org/fhir/R4/http.html#trules).
const order: Record<EntryRequest['method'], number> = {
  DELETE: 0,
  POST: 1,
  PUT: 2,
  PATCH: 2,
  GET: 3,
};

function interactionOf(request: EntryRequest): Interaction {
  switch (request.method) {
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    case 'GET':
      return request.id === undefined
        ? 'search-type'
        : request.versionId === undefined
          ? 'read'
          : 'vread';
  }
}

/** Runs one entry inside a unit and answers its result. */
async function runEntry(
  tx: ResourceTransaction,
  context: RequestContext,
  entry: BundleEntry,
  request: EntryRequest,
  assignedId: string | undefined,
): Promise<InteractionResult> {
  const ifMatch = versionFromIfMatch(request.ifMatch);
  allowInteraction(context, request.type, interactionOf(request));
  switch (request.method) {
    case 'POST':
      return createIn(
        tx,
        {
          type: request.type,
          body: entry.resource,
          ...(request.ifNoneExist ? { ifNoneExist: request.ifNoneExist } : {}),
          ...(assignedId ? { assignedId } : {}),
        },
        context,
      );
    case 'PUT':
      return request.id
        ? updateIn(
            tx,
            {
              type: request.type,
              id: request.id,
              body: entry.resource,
              ...(ifMatch === undefined ? {} : { ifMatch }),
            },
            context,
          )
        : conditionalUpdateIn(
            tx,
            { type: request.type, query: request.query, body: entry.resource },
            context,
          );
    case 'PATCH': {
      if (!request.id) {
        throw new FhirError('invalid', 'PATCH entries need Type/id');
      }
      // A Bundle carries a JSON Patch as a Binary whose data is the base64 patch document.
      const binary = entry.resource as { resourceType?: string; data?: string } | undefined;
      const patch: unknown =
        binary?.resourceType === 'Binary' && binary.data
          ? JSON.parse(Buffer.from(binary.data, 'base64').toString('utf8'))
          : undefined;
      return patchIn(
        tx,
        {
          type: request.type,
          id: request.id,
          patch,
          ...(ifMatch === undefined ? {} : { ifMatch }),
        },
        context,
      );
    }
    case 'DELETE':
      if (!request.id) {
        throw new FhirError('invalid', 'DELETE entries need Type/id');
      }
      return deleteIn(
        tx,
        {
          type: request.type,
          id: request.id,
          ...(ifMatch === undefined ? {} : { ifMatch }),
        },
        context,
      );
    case 'GET': {
      if (!request.id) {
        const parsed = parseSearch(request.type, request.query);
        const narrowing = await narrowingOf(context, request.type);
        const page = await tx.search({
          ...parsed,
          conditions: [...parsed.conditions, ...narrowing],
        });
        const bundle: Bundle = {
          resourceType: 'Bundle',
          type: 'searchset',
          ...(page.total === undefined ? {} : { total: page.total }),
          entry: page.matches.map((v) => searchEntry(context.baseUrl, v, 'match')),
        };
        return { status: 200, body: bundle };
      }
      assertPossibleId(request.type, request.id);
      if (request.historyOf) {
        throw new FhirError('invalid', '_history reads are not supported inside a Bundle');
      }
      const stored = await tx.read(request.type, request.id);
      // Visibility first, so a deleted record outside the compartment is a 404, not a 410.
      if (stored) {
        await assertRecordVisible(tx, context, request.type, request.id, stored);
      }
      const current = readResult(request.type, request.id, stored);
      if (request.versionId !== undefined && current.version?.versionId !== request.versionId) {
        throw new FhirError(
          'invalid',
          'vread inside a Bundle is supported for the current version only',
        );
      }
      return current;
    }
  }
}

function responseEntry(context: RequestContext, result: InteractionResult): BundleEntry {
  const response: BundleEntryResponse = {
    status: `${result.status} ${reasons[result.status] ?? ''}`.trim(),
  };
  const v = result.version;
  if (v) {
    response.etag = etagOf(v);
    response.lastModified = v.lastUpdated;
    if (result.location) {
      response.location = result.location;
    }
    return { fullUrl: fullUrlOf(context.baseUrl, v), resource: resourceOf(v), response };
  }
  return result.body
    ? { resource: result.body as BundleEntry['resource'], response }
    : { response };
}

function errorEntry(err: FhirError): BundleEntry {
  return { response: { status: String(err.status), outcome: err.toOperationOutcome() } };
}

function entriesOf(body: unknown): { bundle: Bundle; entries: BundleEntry[] } {
  const bundle = body as Bundle | null;
  if (
    bundle?.resourceType !== 'Bundle' ||
    (bundle.type !== 'transaction' && bundle.type !== 'batch')
  ) {
    throw new FhirError('invalid', {
      message: 'POST to the FHIR base takes a Bundle of type transaction or batch',
      expression: 'Bundle.type',
    });
  }
  const entries = bundle.entry ?? [];
  if (!Array.isArray(entries)) {
    throw new FhirError('invalid', {
      message: 'Bundle.entry must be an array',
      expression: 'Bundle.entry',
    });
  }
  if (entries.length > maxBundleEntries) {
    throw new FhirError('tooLarge', `A Bundle may carry at most ${maxBundleEntries} entries`);
  }
  return { bundle, entries };
}

/**
 * A transaction: every entry in one unit, so all of it happens or none of it does. New
 * resources named `urn:uuid:...` get their ids first and every reference to them is rewritten
 * before anything is stored. The first failing entry fails the whole Bundle with its outcome.
 */
export async function transactionIn(
  tx: ResourceTransaction,
  context: RequestContext,
  body: unknown,
): Promise<InteractionResult> {
  const { entries } = entriesOf(body);
  const requests = entries.map((e, i) => entryRequest(e, i));
  const placeholders = new Map<string, string>();
  const assigned = new Map<number, string>();
  requests.forEach((r, i) => {
    const fullUrl = entries[i]?.fullUrl;
    if (r.method === 'POST' && !r.ifNoneExist && fullUrl?.startsWith('urn:uuid:')) {
      const id = randomUUID();
      assigned.set(i, id);
      placeholders.set(fullUrl, `${r.type}/${id}`);
    }
  });
  const resolved = entries.map((e) => resolvePlaceholders(e, placeholders));
  const results: InteractionResult[] = new Array<InteractionResult>(entries.length);
  const sequence = requests
    .map((r, i) => ({ r, i }))
    .sort((x, y) => order[x.r.method] - order[y.r.method]);
  for (const { r, i } of sequence) {
    try {
      results[i] = await runEntry(tx, context, resolved[i] ?? {}, r, assigned.get(i));
    } catch (err) {
      if (err instanceof FhirError) {
        throw new FhirError(
          err.kind,
          err.problems.map((p) => ({ ...p, message: `Bundle.entry[${i}]: ${p.message}` })),
        );
      }
      throw err;
    }
  }
  const response: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction-response',
    entry: results.map((r) => responseEntry(context, r)),
  };
  return { status: 200, body: response };
}

/** A batch: each entry on its own; one entry's failure is reported in its place. */
export async function batch(
  store: ResourceStore,
  context: RequestContext,
  body: unknown,
): Promise<InteractionResult> {
  const { entries } = entriesOf(body);
  const out: BundleEntry[] = [];
  for (const [i, entry] of entries.entries()) {
    try {
      const request = entryRequest(entry, i);
      const result = await store.unit(context.tenant, (tx) =>
        runEntry(tx, context, entry, request, undefined),
      );
      out.push(responseEntry(context, result));
    } catch (err) {
      if (!(err instanceof FhirError)) {
        throw err;
      }
      out.push(errorEntry(err));
    }
  }
  return { status: 200, body: { resourceType: 'Bundle', type: 'batch-response', entry: out } };
}

/** True when the body is a transaction Bundle (as opposed to a batch). */
export function isTransaction(body: unknown): boolean {
  return (body as Bundle | null)?.type === 'transaction';
}
