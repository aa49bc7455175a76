import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { JSONWebKeySet, JWK } from 'jose';
import { classifyAddress, type AddressKind } from './addresses.js';

/** Why a client's JWKS URL could not be used. */
export type JwksFetchFailure =
  | 'bad-url'
  | 'forbidden-address'
  | 'unresolvable'
  | 'redirect'
  | 'http-status'
  | 'too-large'
  | 'timeout'
  | 'network'
  | 'not-jwks';

/**
 * A JWKS URL that was refused or failed. The message is safe to show the client's developer: it
 * names their URL's problem, and reveals nothing about our network beyond "not allowed".
 */
export class JwksFetchError extends Error {
  readonly reason: JwksFetchFailure;

  constructor(reason: JwksFetchFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JwksFetchError';
    this.reason = reason;
  }
}

/** How to fetch. The defaults suit production; tests inject `fetch` and `resolve`. */
export interface FetchJwksOptions {
  /** Allow loopback addresses, and plain http to them; for local development only. */
  allowLoopback?: boolean;
  /** Deadline for the whole fetch (resolution, connection, body), in milliseconds. */
  timeoutMs?: number;
  /** Largest body read; a JWKS of a few keys is a few kilobytes. */
  maxBytes?: number;
  fetch?: typeof fetch;
  /** Resolves a host name to every address it has. */
  resolve?: (host: string) => Promise<string[]>;
}

async function resolveAll(host: string): Promise<string[]> {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map((a) => a.address);
}

// Members only private or symmetric keys have. A JWKS URL showing one has leaked the client's
// private key: anyone could sign as that client, so the set is refused rather than cleaned.
const secretMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

function asJwks(body: unknown): JSONWebKeySet {
  const keys: unknown =
    typeof body === 'object' && body !== null ? Reflect.get(body, 'keys') : null;
  if (!Array.isArray(keys)) throw new JwksFetchError('not-jwks', 'the body has no "keys" array');
  for (const key of keys as unknown[]) {
    if (typeof key !== 'object' || key === null || typeof Reflect.get(key, 'kty') !== 'string') {
      throw new JwksFetchError('not-jwks', 'every entry of "keys" must be a JWK with a kty');
    }
    if (secretMembers.some((m) => Reflect.has(key, m))) {
      throw new JwksFetchError(
        'not-jwks',
        'the JWKS publishes private or symmetric key material; rotate that key and publish ' +
          'only public keys',
      );
    }
  }
  return { keys: keys as JWK[] };
}

async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new JwksFetchError('too-large', `the JWKS is larger than ${maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    // The declared length can lie (or be absent with chunked encoding): count what arrives.
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = (await reader.read()) as { done: boolean; value: unknown };
      if (done) break;
      if (!(value instanceof Uint8Array)) throw new TypeError('response body is not bytes');
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw new JwksFetchError('too-large', `the JWKS is larger than ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * Fetches a client's registered JWKS URL (SMART Backend Services `jwks_uri`) without letting
 * the URL become a way into our network (SSRF): https only; every address the host resolves
 * to must be public (not private, loopback, link-local such as cloud metadata, CGNAT, multicast,
 * unspecified or reserved, in IPv4, IPv6 or IPv4-mapped IPv6); redirects are refused, since
 * they would lead to an address we never checked; the whole exchange has a deadline and the body
 * a size cap.
 *
 * Limitation, plainly: the addresses checked here and the one `fetch` connects to come from two
 * separate DNS lookups. A hostile DNS server can answer the first with a public address and the
 * second with 169.254.169.254 (DNS rebinding). Closing that needs the connection pinned to the
 * checked address (an HTTP agent whose lookup returns it) or an egress proxy that applies the
 * same rules; until then this check raises the bar but does not close the hole.
 */
export async function fetchJwks(
  url: string,
  options: FetchJwksOptions = {},
): Promise<JSONWebKeySet> {
  const { timeoutMs = 3000 } = options;
  const controller = new AbortController();
  const timeout = new JwksFetchError(
    'timeout',
    `the JWKS URL did not answer within ${timeoutMs} ms`,
  );
  const timer = setTimeout(() => {
    controller.abort(timeout);
  }, timeoutMs);
  // Raced as well as passed to fetch: a resolver or fetch that ignores the signal still cannot
  // hold the token request past the deadline.
  const deadline = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => {
      reject(timeout);
    });
  });
  try {
    return await Promise.race([fetchChecked(url, options, controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function fetchChecked(
  text: string,
  options: FetchJwksOptions,
  signal: AbortSignal,
): Promise<JSONWebKeySet> {
  const { allowLoopback = false, maxBytes = 65536 } = options;
  const fetchImpl = options.fetch ?? fetch;
  const resolve = options.resolve ?? resolveAll;

  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new JwksFetchError('bad-url', 'the JWKS URL is not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowLoopback)) {
    throw new JwksFetchError('bad-url', 'the JWKS URL must use https');
  }
  if (url.username !== '' || url.password !== '') {
    throw new JwksFetchError('bad-url', 'the JWKS URL must not contain credentials');
  }

  // URL has already normalised numeric hosts (2130706433, 0x7f.1) to dotted IPv4.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      throw new JwksFetchError('unresolvable', `the JWKS host ${host} does not resolve`, {
        cause: error,
      });
    }
    if (addresses.length === 0) {
      throw new JwksFetchError('unresolvable', `the JWKS host ${host} has no addresses`);
    }
  }
  // Every address, not just the first: the connection may use any of them.
  const kinds: AddressKind[] = addresses.map(classifyAddress);
  const allowed = (kind: AddressKind) =>
    kind === 'public' || (allowLoopback && kind === 'loopback');
  if (!kinds.every(allowed)) {
    throw new JwksFetchError(
      'forbidden-address',
      `the JWKS host ${host} resolves to an address that is not publicly routable`,
    );
  }
  if (url.protocol === 'http:' && !kinds.every((k) => k === 'loopback')) {
    throw new JwksFetchError('bad-url', 'plain http is allowed only to a loopback host');
  }

  let response: Response;
  try {
    response = await fetchImpl(url.href, {
      redirect: 'manual',
      signal,
      headers: { accept: 'application/jwk-set+json, application/json' },
    });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new JwksFetchError('network', 'the JWKS URL could not be fetched', { cause: error });
  }
  if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
    await response.body?.cancel();
    throw new JwksFetchError('redirect', 'the JWKS URL redirects; register the final URL');
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new JwksFetchError('http-status', `the JWKS URL answered ${response.status}, not 200`);
  }

  const bytes = await readLimited(response, maxBytes);
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new JwksFetchError('not-jwks', 'the JWKS URL did not return JSON');
  }
  return asJwks(body);
}
