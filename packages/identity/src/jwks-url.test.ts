import { describe, expect, it } from 'vitest';
import {
  fetchJwks,
  JwksFetchError,
  type FetchJwksOptions,
  type JwksFetchFailure,
} from './jwks-url.js';

const jwks = {
  keys: [{ kty: 'EC', crv: 'P-384', x: 'x', y: 'y', kid: 'k1', alg: 'ES384', use: 'sig' }],
};

interface Call {
  url: string;
  init: RequestInit | undefined;
}

// A fetch that records its calls and answers with `respond`.
function fakeFetch(respond: (signal: AbortSignal) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch = ((input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    calls.push({ url, init });
    return Promise.resolve(respond(init?.signal ?? new AbortController().signal));
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const publicHost = (): Promise<string[]> => Promise.resolve(['93.184.215.14']);
const json = (body: unknown, init?: ResponseInit) =>
  new Response(JSON.stringify(body), { status: 200, ...init });

async function failure(
  url: string,
  options: FetchJwksOptions,
): Promise<{ reason: JwksFetchFailure; message: string }> {
  try {
    await fetchJwks(url, options);
  } catch (error) {
    expect(error).toBeInstanceOf(JwksFetchError);
    const { reason, message } = error as JwksFetchError;
    return { reason, message };
  }
  throw new Error('the JWKS was fetched');
}

describe('fetchJwks', () => {
  it('fetches a JWKS over https from a public host, refusing redirects', async () => {
    const { fetch, calls } = fakeFetch(() => json(jwks));
    const resolved: string[] = [];
    const result = await fetchJwks('https://client.example.com/.well-known/jwks.json', {
      fetch,
      resolve: (host) => {
        resolved.push(host);
        return publicHost();
      },
    });
    expect(result).toEqual(jwks);
    expect(resolved).toEqual(['client.example.com']);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('https://client.example.com/.well-known/jwks.json');
    expect(calls[0]?.init?.redirect).toBe('manual');
    expect(calls[0]?.init?.signal).toBeInstanceOf(AbortSignal);
  });

  it('accepts a public IPv6 host', async () => {
    const { fetch } = fakeFetch(() => json(jwks));
    const resolve = () => Promise.resolve(['2606:4700::6810:84e5']);
    await expect(fetchJwks('https://client.example.com/jwks', { fetch, resolve })).resolves.toEqual(
      jwks,
    );
  });

  it.each<[string, string, JwksFetchFailure]>([
    ['http URL', 'http://client.example.com/jwks', 'bad-url'],
    ['ftp URL', 'ftp://client.example.com/jwks', 'bad-url'],
    ['relative URL', '/jwks', 'bad-url'],
    ['credentials', 'https://user:pw@client.example.com/jwks', 'bad-url'],
    ['private 10.x literal', 'https://10.1.2.3/jwks', 'forbidden-address'],
    ['cloud metadata', 'https://169.254.169.254/latest/meta-data', 'forbidden-address'],
    ['IPv6 loopback', 'https://[::1]/jwks', 'forbidden-address'],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/jwks', 'forbidden-address'],
    ['decimal loopback', 'https://2130706433/jwks', 'forbidden-address'],
    ['unspecified', 'https://0.0.0.0/jwks', 'forbidden-address'],
  ])('refuses a %s without fetching', async (_, url, reason) => {
    const { fetch, calls } = fakeFetch(() => json(jwks));
    expect((await failure(url, { fetch, resolve: publicHost })).reason).toBe(reason);
    expect(calls).toHaveLength(0);
  });

  it.each([
    ['a private address', ['10.0.0.7']],
    ['the metadata address', ['169.254.169.254']],
    ['CGNAT', ['100.64.3.4']],
    ['IPv6 loopback', ['::1']],
    ['IPv4-mapped loopback', ['::ffff:127.0.0.1']],
    ['unique-local IPv6', ['fd00::5']],
    ['multicast', ['239.1.1.1']],
    ['one private address among public ones', ['93.184.215.14', '192.168.0.10']],
  ])('refuses a host name resolving to %s', async (_, addresses) => {
    const { fetch, calls } = fakeFetch(() => json(jwks));
    const resolve = () => Promise.resolve(addresses);
    const { reason, message } = await failure('https://client.example.com/jwks', {
      fetch,
      resolve,
    });
    expect(reason).toBe('forbidden-address');
    // The message names the client's host, never the internal address it resolved to.
    expect(message).not.toContain(addresses.at(-1));
    expect(calls).toHaveLength(0);
  });

  it('refuses a host that does not resolve', async () => {
    const { fetch } = fakeFetch(() => json(jwks));
    const resolve = () => Promise.reject(new Error('ENOTFOUND'));
    expect((await failure('https://nowhere.example/jwks', { fetch, resolve })).reason).toBe(
      'unresolvable',
    );
    const none = () => Promise.resolve([]);
    expect((await failure('https://nowhere.example/jwks', { fetch, resolve: none })).reason).toBe(
      'unresolvable',
    );
  });

  it('allows loopback, and http to loopback, only when asked', async () => {
    const { fetch, calls } = fakeFetch(() => json(jwks));
    const loopback = () => Promise.resolve(['127.0.0.1', '::1']);
    const url = 'http://localhost:8080/jwks';
    expect((await failure(url, { fetch, resolve: loopback })).reason).toBe('bad-url');
    expect((await failure('https://localhost/jwks', { fetch, resolve: loopback })).reason).toBe(
      'forbidden-address',
    );
    await expect(
      fetchJwks(url, { fetch, resolve: loopback, allowLoopback: true }),
    ).resolves.toEqual(jwks);
    await expect(
      fetchJwks('http://[::1]:8080/jwks', { fetch, allowLoopback: true }),
    ).resolves.toEqual(jwks);
    expect(calls).toHaveLength(2);
  });

  it('refuses plain http to a public host even when loopback is allowed', async () => {
    const { fetch } = fakeFetch(() => json(jwks));
    const { reason } = await failure('http://client.example.com/jwks', {
      fetch,
      resolve: publicHost,
      allowLoopback: true,
    });
    expect(reason).toBe('bad-url');
  });

  it('still refuses private addresses when loopback is allowed', async () => {
    const { fetch } = fakeFetch(() => json(jwks));
    const { reason } = await failure('https://10.0.0.1/jwks', { fetch, allowLoopback: true });
    expect(reason).toBe('forbidden-address');
  });

  it.each([301, 302, 303, 307, 308])('refuses a %i redirect', async (status) => {
    const { fetch, calls } = fakeFetch(
      () => new Response(null, { status, headers: { location: 'https://169.254.169.254/' } }),
    );
    const { reason } = await failure('https://client.example.com/jwks', {
      fetch,
      resolve: publicHost,
    });
    expect(reason).toBe('redirect');
    expect(calls).toHaveLength(1);
  });

  it('refuses an opaque redirect (what a spec-following fetch returns for manual)', async () => {
    const opaque = { type: 'opaqueredirect', status: 0, body: null, headers: new Headers() };
    const { fetch } = fakeFetch(() => opaque as unknown as Response);
    const { reason } = await failure('https://client.example.com/jwks', {
      fetch,
      resolve: publicHost,
    });
    expect(reason).toBe('redirect');
  });

  it('refuses a non-200 status', async () => {
    const { fetch } = fakeFetch(() => new Response('nope', { status: 404 }));
    const { reason, message } = await failure('https://client.example.com/jwks', {
      fetch,
      resolve: publicHost,
    });
    expect(reason).toBe('http-status');
    expect(message).toContain('404');
  });

  it('refuses a body over the limit, declared or not', async () => {
    const big = JSON.stringify({ keys: [], padding: 'x'.repeat(2000) });
    const declared = fakeFetch(() => new Response(big, { headers: { 'content-length': '2030' } }));
    const options = { resolve: publicHost, maxBytes: 1000 };
    expect(
      (await failure('https://client.example.com/jwks', { ...options, fetch: declared.fetch }))
        .reason,
    ).toBe('too-large');

    // A chunked body with no length: the limit is counted while reading, and reading stops.
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(600).fill(0x20));
        if (pulled > 100) controller.close();
      },
    });
    const chunked = fakeFetch(() => new Response(stream));
    expect(
      (await failure('https://client.example.com/jwks', { ...options, fetch: chunked.fetch }))
        .reason,
    ).toBe('too-large');
    expect(pulled).toBeLessThan(10);
  });

  it('accepts a body exactly at the limit', async () => {
    const body = JSON.stringify(jwks);
    const { fetch } = fakeFetch(() => new Response(body));
    const bytes = Buffer.byteLength(body);
    await expect(
      fetchJwks('https://client.example.com/jwks', { fetch, resolve: publicHost, maxBytes: bytes }),
    ).resolves.toEqual(jwks);
  });

  it('gives up after the timeout, aborting the request', async () => {
    let aborted = false;
    const { fetch } = fakeFetch(
      (signal) =>
        new Promise<Response>((_, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new DOMException('aborted', 'AbortError'));
          });
        }),
    );
    const started = Date.now();
    const { reason } = await failure('https://client.example.com/jwks', {
      fetch,
      resolve: publicHost,
      timeoutMs: 50,
    });
    expect(reason).toBe('timeout');
    expect(aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('gives up after the timeout even if fetch or the resolver ignore the signal', async () => {
    const { fetch } = fakeFetch(() => new Promise<Response>(() => undefined));
    expect(
      (
        await failure('https://client.example.com/jwks', {
          fetch,
          resolve: publicHost,
          timeoutMs: 50,
        })
      ).reason,
    ).toBe('timeout');
    const slowResolve = () => new Promise<string[]>(() => undefined);
    expect(
      (
        await failure('https://client.example.com/jwks', {
          fetch,
          resolve: slowResolve,
          timeoutMs: 50,
        })
      ).reason,
    ).toBe('timeout');
  });

  it('reports a network failure', async () => {
    const fetch = (() => Promise.reject(new TypeError('fetch failed'))) as typeof globalThis.fetch;
    expect(
      (await failure('https://client.example.com/jwks', { fetch, resolve: publicHost })).reason,
    ).toBe('network');
  });

  it.each<[string, string]>([
    ['not JSON', 'hello'],
    ['invalid UTF-8', '\u0000'],
    ['a JSON array', '[]'],
    ['no keys', '{"issuer":"x"}'],
    ['keys not an array', '{"keys":{}}'],
    ['a key without kty', '{"keys":[{"kid":"a"}]}'],
    ['a private key', '{"keys":[{"kty":"EC","crv":"P-384","x":"x","y":"y","d":"secret"}]}'],
    ['a symmetric key', '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}'],
  ])('refuses a body that is not a public JWKS (%s)', async (_, body) => {
    const bytes = body === '\u0000' ? new Uint8Array([0xff, 0xfe]) : body;
    const { fetch } = fakeFetch(() => new Response(bytes));
    const { reason } = await failure('https://client.example.com/jwks', {
      fetch,
      resolve: publicHost,
    });
    expect(reason).toBe('not-jwks');
  });
});
