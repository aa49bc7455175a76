import { describe, expect, it } from 'vitest';
import { createSwiftacareClient, type FetchLike } from './index.js';

const baseUrl = 'https://fhir.example.test/t/acme/fhir/R4';

function page(entries: object[], next?: string): Response {
  return new Response(
    JSON.stringify({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: entries,
      link: next === undefined ? [] : [{ relation: 'next', url: next }],
    }),
    { status: 200, headers: { 'content-type': 'application/fhir+json' } },
  );
}

function match(id: string): object {
  return { resource: { resourceType: 'Slot', id }, search: { mode: 'match' } };
}

/** Answers by URL; records the URLs and headers asked for. */
function byUrl(pages: Record<string, () => Response>): {
  fetch: FetchLike;
  asked: string[];
  headers: Headers[];
} {
  const asked: string[] = [];
  const headers: Headers[] = [];
  const fetch: FetchLike = (url, init) => {
    asked.push(url);
    headers.push(new Headers(init.headers));
    const answer = pages[url];
    return answer ? answer() : new Response('', { status: 404 });
  };
  return { fetch, asked, headers };
}

async function collect(iterable: AsyncIterable<{ id: string }>): Promise<string[]> {
  const ids: string[] = [];
  for await (const r of iterable) {
    ids.push(r.id);
  }
  return ids;
}

describe('searchAll paging', () => {
  it('follows relative and absolute next links and skips included resources', async () => {
    const { fetch, asked, headers } = byUrl({
      [`${baseUrl}/Slot?status=free`]: () =>
        page(
          [
            match('a'),
            { resource: { resourceType: 'Schedule', id: 's' }, search: { mode: 'include' } },
          ],
          'Slot?status=free&_cursor=2',
        ),
      [`${baseUrl}/Slot?status=free&_cursor=2`]: () =>
        page([match('b'), match('c')], `${baseUrl}/Slot?status=free&_cursor=3`),
      [`${baseUrl}/Slot?status=free&_cursor=3`]: () => page([]),
    });
    const fhir = createSwiftacareClient({
      baseUrl: `${baseUrl}/`,
      fetch,
      headers: { authorization: 'Bearer t' },
    });
    expect(await collect(fhir.searchAll('Slot', { status: 'free', _count: undefined }))).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(asked).toHaveLength(3);
    expect(headers.every((h) => h.get('authorization') === 'Bearer t')).toBe(true);
    expect(headers.every((h) => h.get('accept') === 'application/fhir+json')).toBe(true);
  });

  it('refuses a next link to another origin, which would receive the headers', async () => {
    const { fetch, asked } = byUrl({
      [`${baseUrl}/Slot`]: () =>
        page([match('a')], 'https://elsewhere.test/t/acme/fhir/R4/Slot?x=1'),
    });
    const fhir = createSwiftacareClient({ baseUrl, fetch });
    const ids: string[] = [];
    await expect(async () => {
      for await (const slot of fhir.searchAll('Slot')) {
        ids.push(slot.id);
      }
    }).rejects.toThrow(/another origin: https:\/\/elsewhere\.test/);
    expect(ids).toEqual(['a']);
    expect(asked).toEqual([`${baseUrl}/Slot`]);
  });

  it('stops a server that pages in a circle', async () => {
    const { fetch } = byUrl({
      [`${baseUrl}/Slot`]: () => page([match('a')], `${baseUrl}/Slot?_cursor=1`),
      [`${baseUrl}/Slot?_cursor=1`]: () => page([match('b')], `${baseUrl}/Slot`),
    });
    const fhir = createSwiftacareClient({ baseUrl, fetch });
    await expect(collect(fhir.searchAll('Slot'))).rejects.toThrow(/paged back/);
  });
});
