import type { Patient } from '@medplum/fhirtypes';
import { openTestGateway, type TestGateway } from '@swiftacare/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  createSwiftacareClient,
  NotFoundError,
  ValidationError,
  type SwiftacareClient,
} from './index.js';

const baseUrl = 'http://gateway.test/t/acme/fhir/R4';

let gw: TestGateway;
let fhir: SwiftacareClient;
/** Every URL the client fetched, in order. */
const fetched: { method: string; url: string }[] = [];

beforeAll(async () => {
  gw = await openTestGateway();
  const token = await gw.token({ tenant: 'acme', role: 'system', scope: 'system/*.cruds' });
  fhir = createSwiftacareClient({
    baseUrl,
    accessToken: () => token,
    fetch: (input, init) => {
      fetched.push({ method: init.method ?? 'GET', url: input });
      return gw.app.request(input, init);
    },
  });
});
afterAll(async () => {
  await gw.close();
});

function fetchesSince(mark: number): { method: string; url: string }[] {
  return fetched.slice(mark);
}

describe('create, read, update', () => {
  it('creates a resource and reads it back as stored', async () => {
    const created = await fhir.create({
      resourceType: 'Patient',
      name: [{ family: 'Okonkwo', given: ['Ada'] }],
      birthDate: '1990-05-01',
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.meta?.versionId).toBe('1');
    expect(created.name?.[0]?.family).toBe('Okonkwo');

    const read = await fhir.read('Patient', created.id);
    expect(read).toEqual(created);
  });

  it('updates with If-Match, and a stale If-Match is a ConflictError (412)', async () => {
    const created = await fhir.create({ resourceType: 'Patient', name: [{ family: 'Mbeki' }] });
    const v2 = await fhir.update(
      { ...created, birthDate: '1970-01-01' },
      { ifMatch: created.meta?.versionId ?? '' },
    );
    expect(v2.meta?.versionId).toBe('2');
    expect(v2.birthDate).toBe('1970-01-01');

    const v3 = await fhir.update({ ...v2, gender: 'female' }, { ifMatch: 'W/"2"' });
    expect(v3.meta?.versionId).toBe('3');

    const stale = await fhir
      .update({ ...v3, gender: 'male' }, { ifMatch: '1' })
      .catch((err: unknown) => err);
    expect(stale).toBeInstanceOf(ConflictError);
    const conflict = stale as ConflictError;
    expect(conflict.status).toBe(412);
    expect(conflict.attempts).toBe(1);
    expect(conflict.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(conflict.outcome.resourceType).toBe('OperationOutcome');
    expect(conflict.issues[0]?.code).toBe('conflict');
    expect((await fhir.read('Patient', created.id)).gender).toBe('female');
  });

  it('refuses to update a resource without an id, without sending anything', async () => {
    const mark = fetched.length;
    await expect(fhir.update({ resourceType: 'Patient' })).rejects.toThrow(TypeError);
    expect(fetchesSince(mark)).toEqual([]);
  });

  it('replays a create that repeats its Idempotency-Key instead of creating twice', async () => {
    const key = `sdk-test-${globalThis.crypto.randomUUID()}`;
    const resource: Patient = { resourceType: 'Patient', name: [{ family: 'Replay' }] };
    const first = await fhir.create(resource, { idempotencyKey: key });
    const second = await fhir.create(resource, { idempotencyKey: key });
    expect(second.id).toBe(first.id);
    const page = await fhir.search('Patient', { family: 'Replay' });
    expect(page.entry?.length).toBe(1);
  });

  it('conditional create returns the one existing match instead of creating', async () => {
    const identifier = [{ system: 'urn:sdk-test:mrn', value: 'MRN-1' }];
    const first = await fhir.create(
      { resourceType: 'Patient', identifier },
      { ifNoneExist: 'identifier=urn:sdk-test:mrn|MRN-1' },
    );
    const again = await fhir.create(
      { resourceType: 'Patient', identifier },
      { ifNoneExist: 'identifier=urn:sdk-test:mrn|MRN-1' },
    );
    expect(again.id).toBe(first.id);
  });
});

describe('delete', () => {
  it('deletes; a later read is a NotFoundError (410), a second delete succeeds', async () => {
    const created = await fhir.create({ resourceType: 'Practitioner', name: [{ family: 'Gone' }] });
    await fhir.delete('Practitioner', created.id);

    const gone = await fhir.read('Practitioner', created.id).catch((err: unknown) => err);
    expect(gone).toBeInstanceOf(NotFoundError);
    expect((gone as NotFoundError).status).toBe(410);
    expect((gone as NotFoundError).issues[0]?.code).toBe('deleted');

    await expect(fhir.delete('Practitioner', created.id)).resolves.toBeUndefined();
  });

  it('reading an id that never existed is a NotFoundError (404)', async () => {
    const missing = await fhir
      .read('Patient', globalThis.crypto.randomUUID())
      .catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as NotFoundError).status).toBe(404);
    expect((missing as NotFoundError).message).toMatch(/^HTTP 404: /);
  });
});

describe('validation', () => {
  it('an invalid resource is a ValidationError carrying the outcome issues', async () => {
    const invalid = await fhir
      .create({
        resourceType: 'Patient',
        // Deliberately invalid values, as a caller without types might send them.
        gender: 'robot' as Patient['gender'],
        birthDate: 'yesterday',
      })
      .catch((err: unknown) => err);
    expect(invalid).toBeInstanceOf(ValidationError);
    const error = invalid as ValidationError;
    expect(error.status).toBe(400);
    expect(error.attempts).toBe(1);
    const expressions = error.issues.flatMap((issue) => issue.expression ?? []);
    expect(expressions).toEqual(expect.arrayContaining(['Patient.gender', 'Patient.birthDate']));
    expect(error.issues.every((issue) => issue.severity === 'error')).toBe(true);
    expect(error.message).toContain('HTTP 400');
  });
});

describe('search and searchAll', () => {
  const family = 'Paginated';
  let ids: string[];

  beforeAll(async () => {
    const created = await Promise.all(
      Array.from({ length: 45 }, (_, i) =>
        fhir.create({
          resourceType: 'Patient',
          name: [{ family, given: [`P${i + 1}`] }],
        }),
      ),
    );
    ids = created.map((p) => p.id);
  });

  it('search answers the first page as a searchset Bundle with a next link', async () => {
    const page = await fhir.search('Patient', { family, _count: 10 });
    expect(page.resourceType).toBe('Bundle');
    expect(page.type).toBe('searchset');
    expect(page.entry).toHaveLength(10);
    expect(page.link?.some((l) => l.relation === 'next')).toBe(true);
    for (const entry of page.entry ?? []) {
      expect(ids).toContain(entry.resource?.id);
    }
  });

  it('searchAll visits each of the 45 matches exactly once, 10 per page', async () => {
    const mark = fetched.length;
    const seen: string[] = [];
    for await (const patient of fhir.searchAll('Patient', { family, _count: 10 })) {
      expect(patient.resourceType).toBe('Patient');
      seen.push(patient.id);
    }
    expect(seen).toHaveLength(45);
    expect(new Set(seen).size).toBe(45);
    expect([...seen].sort()).toEqual([...ids].sort());
    const pages = fetchesSince(mark);
    expect(pages).toHaveLength(5);
    expect(pages.slice(1).every((p) => p.url.includes('_cursor='))).toBe(true);
  });

  it('searchAll fetches lazily: stopping early fetches no further page', async () => {
    const mark = fetched.length;
    let taken = 0;
    for await (const patient of fhir.searchAll('Patient', { family, _count: 10 })) {
      expect(patient.id).toBeTruthy();
      if (++taken === 3) {
        break;
      }
    }
    expect(fetchesSince(mark)).toHaveLength(1);
  });

  it('search takes repeated parameters as arrays and URLSearchParams', async () => {
    const some = ids.slice(0, 3);
    const byId = await fhir.search('Patient', { _id: some.join(','), family: [family] });
    expect(byId.entry?.map((e) => e.resource?.id).sort()).toEqual([...some].sort());
    const viaParams = await fhir.search('Patient', new URLSearchParams({ _id: some.join(',') }));
    expect(viaParams.entry).toHaveLength(3);
  });

  it('searchAll with no match yields nothing', async () => {
    const none: string[] = [];
    for await (const patient of fhir.searchAll('Patient', { family: 'Nobody-By-This-Name' })) {
      none.push(patient.id);
    }
    expect(none).toEqual([]);
  });
});
