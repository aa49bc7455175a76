import type { Bundle, ExtractResource, Resource, ResourceType } from '@medplum/fhirtypes';
import { errorFromResponse } from './errors.js';
import { isRetryable, retryPolicy, withRetries, type RetryOptions } from './retry.js';

/** FHIR's JSON media type. */
const fhirJson = 'application/fhir+json';

/**
 * The fetch the client sends with: the global `fetch` fits, and so does anything taking a URL
 * string and a `RequestInit` (a Hono app's `app.request`, an instrumented fetch, ...).
 */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response> | Response;

/** How to reach one tenant's FHIR base, and how to behave there. */
export interface SwiftacareClientOptions {
  /**
   * The tenant's FHIR base, e.g. `https://fhir.example.org/t/acme/fhir/R4` (a trailing slash is
   * ignored).
   */
  baseUrl: string;
  /** The fetch to send requests with (`typeof fetch` or any {@link FetchLike}). Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /**
   * The access token to send as `Authorization: Bearer …`, or a function that returns a
   * current one (called before every request, so it can refresh an expiring token).
   */
  accessToken?: string | (() => string | Promise<string>);
  /** When and how to retry; see {@link RetryOptions}. Default: 3 attempts. */
  retry?: RetryOptions;
}

/**
 * Search parameters: a record (an array value repeats the parameter, as in
 * `{ date: ['ge2025-01-01', 'lt2025-02-01'] }`; undefined values are left out), or
 * `URLSearchParams`.
 */
export type SearchParams =
  | Record<string, string | number | boolean | readonly (string | number)[] | undefined>
  | URLSearchParams;

/**
 * A resource of type `K` as a client writes it (`K` is inferred from `resourceType`, so
 * `create({ resourceType: 'Patient', ... })` is checked against `Patient`).
 */
export type ResourceInput<K extends ResourceType> = ExtractResource<K> & { resourceType: K };

/** The resource type `T` as the gateway returns it: `id` always set. */
export type Stored<T extends Resource> = T & { id: string };

/** Options of {@link SwiftacareClient.create}. */
export interface CreateOptions {
  /**
   * Makes retries safe: the gateway replays the first answer to a repeated key. Default: a
   * fresh `crypto.randomUUID()` per call, reused by every retry of that call.
   */
  idempotencyKey?: string;
  /**
   * Conditional create: a search query without `?` (e.g. `identifier=urn:mrn|123`). When
   * exactly one resource matches, nothing is created and that resource is returned.
   */
  ifNoneExist?: string;
}

/** Options of {@link SwiftacareClient.update}. */
export interface UpdateOptions {
  /**
   * Only update if the current version is this one: a version id (`'3'`) or an ETag
   * (`W/"3"`). A stale one is a {@link ConflictError} (412). Default: no check.
   */
  ifMatch?: string;
}

/**
 * A typed FHIR R4 client for one Swiftacare tenant. Every method throws a
 * {@link SwiftacareError} subclass for a non-2xx answer and a {@link NetworkError} when no
 * answer came; 429, 503 and network errors are retried first (see {@link RetryOptions}).
 * The methods do not depend on `this`, so they may be destructured or passed around.
 */
export interface SwiftacareClient {
  /** The FHIR base the client talks to, without a trailing slash. */
  readonly baseUrl: string;

  /**
   * Reads the current version of `type/id`. A missing resource is a {@link NotFoundError}
   * with status 404, a deleted one the same with status 410.
   */
  read: <K extends ResourceType>(type: K, id: string) => Promise<Stored<ExtractResource<K>>>;

  /** Searches `type` and returns the first page as a searchset Bundle (20 matches unless `_count`). */
  search: <K extends ResourceType>(
    type: K,
    params?: SearchParams,
  ) => Promise<Bundle<Stored<ExtractResource<K>>>>;

  /**
   * Every resource of `type` that matches, page after page (following the `next` links),
   * fetched lazily as the iteration goes. `_include`d resources are not yielded.
   */
  searchAll: <K extends ResourceType>(
    type: K,
    params?: SearchParams,
  ) => AsyncGenerator<Stored<ExtractResource<K>>, void, undefined>;

  /**
   * Creates a resource (the server assigns the id; the resource must not carry one) and
   * returns it as stored. Always sent with an `Idempotency-Key`, so it is retried safely.
   */
  create: <K extends ResourceType>(
    resource: ResourceInput<K>,
    options?: CreateOptions,
  ) => Promise<Stored<ExtractResource<K>>>;

  /** Stores a new version of `resource` (which must have an `id`) and returns it as stored. */
  update: <K extends ResourceType>(
    resource: ResourceInput<K>,
    options?: UpdateOptions,
  ) => Promise<Stored<ExtractResource<K>>>;

  /** Deletes `type/id`; deleting an already deleted resource succeeds too. */
  delete: (type: ResourceType, id: string) => Promise<void>;
}

interface Send {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

function searchQuery(params: SearchParams | undefined): string {
  if (params instanceof URLSearchParams) {
    return params.toString();
  }
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params ?? {})) {
    if (value === undefined) {
      continue;
    }
    for (const one of Array.isArray(value) ? value : [value]) {
      query.append(name, String(one));
    }
  }
  return query.toString();
}

function ifMatchHeader(value: string): string {
  return /^\d+$/.test(value) ? `W/"${value}"` : value;
}

/** A URL without its query, for messages: queries can hold identifiers. */
function pathOf(url: string): string {
  return new URL(url).pathname;
}

function segment(value: string): string {
  return encodeURIComponent(value);
}

/**
 * Creates a client for one tenant's FHIR base. Nothing is sent until a method is called.
 *
 * Defaults: the global `fetch`, no extra headers, 3 attempts with exponential backoff and full
 * jitter for 429, 503 and network errors (honouring `Retry-After`).
 *
 * @example
 * ```ts
 * import { createSwiftacareClient, NotFoundError } from '@swiftacare/sdk';
 *
 * const fhir = createSwiftacareClient({ baseUrl: 'https://fhir.example.org/t/acme/fhir/R4' });
 * const patient = await fhir.create({ resourceType: 'Patient', name: [{ family: 'Rivera' }] });
 * const again = await fhir.read('Patient', patient.id); // typed as Patient
 * for await (const appt of fhir.searchAll('Appointment', { date: 'ge2025-01-01' })) {
 *   process.stdout.write(`${appt.status}\n`);
 * }
 * try {
 *   await fhir.read('Patient', 'no-such-id');
 * } catch (err) {
 *   if (err instanceof NotFoundError) {
 *     // err.status, err.outcome, err.requestId
 *   }
 * }
 * ```
 */
export function createSwiftacareClient(options: SwiftacareClientOptions): SwiftacareClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const base = new URL(baseUrl);
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const policy = retryPolicy(options.retry);
  const common = options.headers ?? {};

  /** Sends one logical request (retrying as the policy says) and returns its 2xx response. */
  async function send(request: Send): Promise<Response> {
    const headers = new Headers({ accept: fhirJson, ...common, ...request.headers });
    const token =
      typeof options.accessToken === 'function' ? await options.accessToken() : options.accessToken;
    if (token !== undefined) {
      headers.set('authorization', `Bearer ${token}`);
    }
    if (request.body !== undefined) {
      headers.set('content-type', fhirJson);
    }
    // One id for every attempt, so the gateway's logs tie the retries together.
    if (!headers.has('x-request-id')) {
      headers.set('x-request-id', globalThis.crypto.randomUUID());
    }
    const { response, attempts } = await withRetries(
      async () =>
        doFetch(request.url, {
          method: request.method,
          headers,
          ...(request.body === undefined ? {} : { body: request.body }),
        }),
      isRetryable(request.method, headers),
      policy,
    );
    if (!response.ok) {
      throw await errorFromResponse(response, attempts);
    }
    return response;
  }

  async function json<T>(request: Send): Promise<T> {
    const response = await send(request);
    const text = await response.text();
    if (text === '') {
      throw new Error(
        `${request.method} ${pathOf(request.url)} answered ${response.status} without a body`,
      );
    }
    return JSON.parse(text) as T;
  }

  function typeUrl(type: string): string {
    return `${baseUrl}/${segment(type)}`;
  }

  function instanceUrl(type: string, id: string): string {
    return `${typeUrl(type)}/${segment(id)}`;
  }

  function searchUrl(type: string, params: SearchParams | undefined): string {
    const query = searchQuery(params);
    return query === '' ? typeUrl(type) : `${typeUrl(type)}?${query}`;
  }

  /** A `next` link, refused when it leaves the gateway's origin (headers would go along). */
  function nextUrl(bundle: Bundle): string | undefined {
    const link = bundle.link?.find((l) => l.relation === 'next')?.url;
    if (link === undefined) {
      return undefined;
    }
    const url = new URL(link, `${baseUrl}/`);
    if (url.origin !== base.origin) {
      throw new Error(`Refusing to follow a next link to another origin: ${url.origin}`);
    }
    return url.toString();
  }

  return {
    baseUrl,

    read<K extends ResourceType>(type: K, id: string) {
      return json<Stored<ExtractResource<K>>>({ method: 'GET', url: instanceUrl(type, id) });
    },

    search<K extends ResourceType>(type: K, params?: SearchParams) {
      return json<Bundle<Stored<ExtractResource<K>>>>({
        method: 'GET',
        url: searchUrl(type, params),
      });
    },

    async *searchAll<K extends ResourceType>(type: K, params?: SearchParams) {
      let url: string | undefined = searchUrl(type, params);
      const seen = new Set<string>();
      while (url !== undefined) {
        if (seen.has(url)) {
          throw new Error(`The ${type} search paged back to a page it already served`);
        }
        seen.add(url);
        const page: Bundle<Stored<ExtractResource<K>>> = await json({ method: 'GET', url });
        for (const entry of page.entry ?? []) {
          const mode = entry.search?.mode;
          if (entry.resource?.resourceType === type && mode !== 'include' && mode !== 'outcome') {
            yield entry.resource;
          }
        }
        url = nextUrl(page);
      }
    },

    create<K extends ResourceType>(
      resource: ResourceInput<K>,
      createOptions: CreateOptions = {},
    ): Promise<Stored<ExtractResource<K>>> {
      const headers: Record<string, string> = {
        prefer: 'return=representation',
        'idempotency-key': createOptions.idempotencyKey ?? globalThis.crypto.randomUUID(),
      };
      if (createOptions.ifNoneExist !== undefined) {
        headers['if-none-exist'] = createOptions.ifNoneExist.replace(/^\?/, '');
      }
      return json<Stored<ExtractResource<K>>>({
        method: 'POST',
        url: typeUrl(resource.resourceType),
        headers,
        body: JSON.stringify(resource),
      });
    },

    update<K extends ResourceType>(
      resource: ResourceInput<K>,
      updateOptions: UpdateOptions = {},
    ): Promise<Stored<ExtractResource<K>>> {
      const id = resource.id;
      if (id === undefined || id === '') {
        return Promise.reject(
          new TypeError(`update needs a ${resource.resourceType} with an id; use create`),
        );
      }
      const headers: Record<string, string> = { prefer: 'return=representation' };
      if (updateOptions.ifMatch !== undefined) {
        headers['if-match'] = ifMatchHeader(updateOptions.ifMatch);
      }
      return json<Stored<ExtractResource<K>>>({
        method: 'PUT',
        url: instanceUrl(resource.resourceType, id),
        headers,
        body: JSON.stringify(resource),
      });
    },

    async delete(type: ResourceType, id: string) {
      const response = await send({ method: 'DELETE', url: instanceUrl(type, id) });
      await response.body?.cancel();
    },
  };
}
