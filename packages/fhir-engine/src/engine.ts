import { FhirError, type Interaction } from '@swiftacare/fhir';
import type { ResourceStore } from '@swiftacare/resource-store';
import { onceFor } from './idempotency.js';
import { batch, isTransaction, transactionIn } from './interactions/bundle.js';
import {
  conditionalUpdateIn,
  type ConditionalUpdateRequest,
} from './interactions/conditional-update.js';
import { createIn, type CreateRequest } from './interactions/create.js';
import { deleteIn, type DeleteRequest } from './interactions/delete.js';
import { history, type HistoryHttpRequest } from './interactions/history.js';
import { patchIn, type PatchRequest } from './interactions/patch.js';
import { assertPossibleId, readResult } from './interactions/read.js';
import { searchType, type SearchHttpRequest } from './interactions/search.js';
import { updateIn, type UpdateRequest } from './interactions/update.js';
import type { InteractionResult, RequestContext } from './result.js';
import { assertRecordVisible } from './version-visibility.js';
import { narrowingOf } from './visibility.js';
import { allowInteraction } from './allow.js';

/** An `Idempotency-Key` and the fingerprint of the request that carried it. */
export interface Idempotency {
  key: string;
  fingerprint: string;
}

/**
 * The FHIR interactions over a resource store. It knows FHIR's rules (versions, conditions,
 * Bundles, paging) and nothing about HTTP; the gateway turns its results into responses.
 */
export class FhirEngine {
  constructor(private readonly store: ResourceStore) {}

  /**
   * Refuses a type or interaction the served-type list does not declare, then asks the access
   * policy whether this caller may do it at all.
   */
  private allow(context: RequestContext, type: string, interaction: Interaction): void {
    allowInteraction(context, type, interaction);
  }

  async read(context: RequestContext, type: string, id: string): Promise<InteractionResult> {
    this.allow(context, type, 'read');
    assertPossibleId(type, id);
    const current = await this.store.read(context.tenant, type, id);
    // Visibility first: a record outside the compartment, deleted or not, is simply unknown;
    // only one deleted from inside it answers 410.
    if (current) {
      await assertRecordVisible(this.store, context, type, id, current);
    }
    return readResult(type, id, current);
  }

  async vread(
    context: RequestContext,
    type: string,
    id: string,
    versionText: string,
  ): Promise<InteractionResult> {
    this.allow(context, type, 'vread');
    assertPossibleId(type, id);
    const shows = await assertRecordVisible(this.store, context, type, id);
    const versionId = Number(versionText);
    if (!Number.isInteger(versionId) || versionId < 1) {
      throw new FhirError('notFound', `${type}/${id} has no version "${versionText}"`);
    }
    const version = await this.store.vread(context.tenant, type, id, versionId);
    // A version from before the record entered the compartment is answered like one that
    // never existed.
    if (!version || !shows(version)) {
      throw new FhirError('notFound', `${type}/${id} has no version ${versionId}`);
    }
    if (version.deleted) {
      throw new FhirError('gone', `Version ${versionId} of ${type}/${id} is its deletion`);
    }
    return { status: 200, version };
  }

  create(
    context: RequestContext,
    request: CreateRequest,
    idempotency?: Idempotency,
  ): Promise<InteractionResult> {
    this.allow(context, request.type, 'create');
    return this.store.unit(context.tenant, (tx) =>
      idempotency
        ? onceFor(tx, idempotency.key, idempotency.fingerprint, () =>
            createIn(tx, request, context),
          )
        : createIn(tx, request, context),
    );
  }

  update(context: RequestContext, request: UpdateRequest): Promise<InteractionResult> {
    this.allow(context, request.type, 'update');
    return this.store.unit(context.tenant, (tx) => updateIn(tx, request, context));
  }

  conditionalUpdate(
    context: RequestContext,
    request: ConditionalUpdateRequest,
  ): Promise<InteractionResult> {
    this.allow(context, request.type, 'update');
    return this.store.unit(context.tenant, (tx) => conditionalUpdateIn(tx, request, context));
  }

  patch(context: RequestContext, request: PatchRequest): Promise<InteractionResult> {
    this.allow(context, request.type, 'patch');
    return this.store.unit(context.tenant, (tx) => patchIn(tx, request, context));
  }

  delete(context: RequestContext, request: DeleteRequest): Promise<InteractionResult> {
    this.allow(context, request.type, 'delete');
    return this.store.unit(context.tenant, (tx) => deleteIn(tx, request, context));
  }

  search(context: RequestContext, request: SearchHttpRequest): Promise<InteractionResult> {
    this.allow(context, request.type, 'search-type');
    return searchType(this.store, context, request);
  }

  async history(context: RequestContext, request: HistoryHttpRequest): Promise<InteractionResult> {
    this.allow(
      context,
      request.type,
      request.id === undefined ? 'history-type' : 'history-instance',
    );
    if (request.id !== undefined) {
      assertPossibleId(request.type, request.id);
      const shows = await assertRecordVisible(this.store, context, request.type, request.id);
      return history(this.store, context, request, shows);
    }
    if ((await narrowingOf(context, request.type)).length > 0) {
      // Limitation: history rows carry no search columns, so a type history cannot be narrowed
      // to a compartment; it is refused rather than shown whole.
      throw new FhirError(
        'forbidden',
        `Type history of ${request.type} is available only to roles that see the whole institution`,
      );
    }
    return history(this.store, context, request);
  }

  /** A transaction or batch Bundle posted to the base. */
  bundle(
    context: RequestContext,
    body: unknown,
    idempotency?: Idempotency,
  ): Promise<InteractionResult> {
    if (!isTransaction(body)) {
      if (idempotency) {
        throw new FhirError(
          'invalid',
          'Idempotency-Key is supported on creates and transactions; a batch applies entries one by one',
        );
      }
      return batch(this.store, context, body);
    }
    return this.store.unit(context.tenant, (tx) =>
      idempotency
        ? onceFor(tx, idempotency.key, idempotency.fingerprint, () =>
            transactionIn(tx, context, body),
          )
        : transactionIn(tx, context, body),
    );
  }
}
