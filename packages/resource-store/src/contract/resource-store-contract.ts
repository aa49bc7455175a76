import { randomUUID } from 'node:crypto';
import { FhirError, parseSearch, type SearchRequest } from '@swiftacare/fhir';
import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResourceStore } from '../resource-store.js';
import { resourceOf } from '../stored-version.js';

/** What a contract run needs: a store on a fresh backend whose tenants already exist. */
export interface ContractSubject {
  store: ResourceStore;
  tenants: readonly [string, string];
  close(): Promise<void>;
}

function patient(family: string, extra: Partial<Resource> = {}): Resource {
  return {
    resourceType: 'Patient',
    id: randomUUID(),
    name: [{ family, given: ['Ada'] }],
    identifier: [{ system: 'urn:test:mrn', value: family }],
    ...extra,
  } as Resource;
}

function search(type: string, query: string): SearchRequest {
  return parseSearch(type, new URLSearchParams(query));
}

async function failure(work: Promise<unknown>): Promise<FhirError> {
  try {
    await work;
  } catch (err) {
    if (err instanceof FhirError) {
      return err;
    }
    throw err;
  }
  throw new Error('expected a FhirError');
}

/**
 * The behaviour every ResourceStore adapter must show, as one suite each adapter runs against
 * the real server it adapts.
 */
export function describeResourceStoreContract(
  name: string,
  open: () => Promise<ContractSubject>,
): void {
  describe(`ResourceStore contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: ResourceStore;
    let a: string;
    let b: string;

    beforeAll(async () => {
      subject = await open();
      store = subject.store;
      [a, b] = subject.tenants;
    });

    afterAll(async () => {
      await subject.close();
    });

    it('creates version 1 with meta and reads it back', async () => {
      const p = patient('Lovelace');
      const created = await store.unit(a, (tx) => tx.create(p));
      expect(created.versionId).toBe(1);
      const read = await store.read(a, 'Patient', p.id ?? '');
      expect(read?.versionId).toBe(1);
      const body = resourceOf(read ?? created);
      expect(body.id).toBe(p.id);
      expect(body.meta?.versionId).toBe('1');
      expect(body.meta?.lastUpdated).toBe(created.lastUpdated);
    });

    it('keeps every version and refuses a stale expected version', async () => {
      const p = patient('Hopper');
      await store.unit(a, (tx) => tx.create(p));
      const v2 = await store.unit(a, (tx) => tx.update({ ...p, gender: 'female' } as Resource, 1));
      expect(v2.versionId).toBe(2);
      const stale = await failure(store.unit(a, (tx) => tx.update(p, 1)));
      expect(stale.status).toBe(412);
      const v1 = await store.vread(a, 'Patient', p.id ?? '', 1);
      expect(resourceOf(v1 ?? v2)).not.toHaveProperty('gender');
      expect(resourceOf((await store.vread(a, 'Patient', p.id ?? '', 2)) ?? v2)).toHaveProperty(
        'gender',
        'female',
      );
      expect(await store.vread(a, 'Patient', p.id ?? '', 3)).toBeUndefined();
    });

    it('records a deletion as a version, lists history newest first, refuses updates after', async () => {
      const p = patient('Turing');
      await store.unit(a, (tx) => tx.create(p));
      await store.unit(a, (tx) => tx.update(p));
      const deleted = await store.unit(a, (tx) => tx.delete('Patient', p.id ?? ''));
      expect(deleted?.versionId).toBe(3);
      const current = await store.read(a, 'Patient', p.id ?? '');
      expect(current?.deleted).toBe(true);
      const behind = await store.unit(a, (tx) => tx.vread('Patient', p.id ?? '', 2));
      expect(behind && resourceOf(behind).id).toBe(p.id);
      expect(await store.unit(b, (tx) => tx.vread('Patient', p.id ?? '', 2))).toBeUndefined();
      const history = await store.history(a, { type: 'Patient', id: p.id ?? '', count: 10 });
      expect(history.versions.map((v) => [v.versionId, v.deleted])).toEqual([
        [3, true],
        [2, false],
        [1, false],
      ]);
      expect((await failure(store.unit(a, (tx) => tx.update(p)))).status).toBe(410);
      expect(await store.unit(a, (tx) => tx.delete('Patient', p.id ?? ''))).toBeUndefined();
      const found = await store.search(a, search('Patient', `_id=${p.id ?? ''}`));
      expect(found.matches).toHaveLength(0);
    });

    it('answers an update of an unknown id with 404', async () => {
      expect((await failure(store.unit(a, (tx) => tx.update(patient('Nobody'))))).status).toBe(404);
    });

    it('never shows or changes another tenant’s rows', async () => {
      const p = patient('Isolated');
      await store.unit(a, (tx) => tx.create(p));
      const id = p.id ?? '';
      expect(await store.read(b, 'Patient', id)).toBeUndefined();
      expect(await store.readMany(b, 'Patient', [id])).toEqual([]);
      expect(await store.vread(b, 'Patient', id, 1)).toBeUndefined();
      expect((await store.history(b, { type: 'Patient', id, count: 10 })).versions).toEqual([]);
      expect((await store.search(b, search('Patient', 'family=Isolated'))).matches).toEqual([]);
      expect((await failure(store.unit(b, (tx) => tx.update(p)))).status).toBe(404);
      expect(await store.unit(b, (tx) => tx.delete('Patient', id))).toBeUndefined();
      expect((await store.read(a, 'Patient', id))?.versionId).toBe(1);
    });

    it('searches by token, string, reference and date', async () => {
      const org = { resourceType: 'Organization', id: randomUUID(), name: 'Clinic' } as Resource;
      await store.unit(a, (tx) => tx.create(org));
      const p = patient('Searchable', {
        gender: 'other',
        birthDate: '1990-05-17',
        managingOrganization: { reference: `Organization/${org.id ?? ''}` },
      });
      await store.unit(a, (tx) => tx.create(p));
      const ids = async (q: string): Promise<string[]> =>
        (await store.search(a, search('Patient', q))).matches.map((m) => m.id);
      expect(await ids('identifier=urn:test:mrn|Searchable')).toEqual([p.id]);
      expect(await ids('identifier=Searchable')).toEqual([p.id]);
      expect(await ids('identifier=urn:other|Searchable')).toEqual([]);
      expect(await ids('family=searCH')).toEqual([p.id]);
      expect(await ids('family:exact=searCH')).toEqual([]);
      expect(await ids('family:contains=chab')).toEqual([p.id]);
      expect(await ids(`organization=Organization/${org.id ?? ''}`)).toEqual([p.id]);
      expect(await ids(`organization=${org.id ?? ''}`)).toEqual([p.id]);
      expect(await ids('birthdate=1990-05&family=Searchable')).toEqual([p.id]);
      expect(await ids('birthdate=gt1990-05-17&family=Searchable')).toEqual([]);
      expect(await ids('birthdate=ge1990-05-17&family=Searchable')).toEqual([p.id]);
      expect(await ids('birthdate=lt1990-05-17&family=Searchable')).toEqual([]);
      expect(await ids('gender=other&family=Searchable')).toEqual([p.id]);
      expect(await ids('gender:not=other&family=Searchable')).toEqual([]);
    });

    it('pages with cursors through every match exactly once and counts them', async () => {
      const family = `Paged${randomUUID().slice(0, 8)}`;
      const created: string[] = [];
      for (let i = 0; i < 7; i++) {
        const p = patient(family);
        created.push(p.id ?? '');
        await store.unit(a, (tx) => tx.create(p));
      }
      const seen: string[] = [];
      let request = search('Patient', `family:exact=${family}&_count=3&_total=accurate`);
      for (let pages = 0; pages < 5; pages++) {
        const page = await store.search(a, request);
        expect(page.total).toBe(7);
        seen.push(...page.matches.map((m) => m.id));
        if (!page.next) {
          break;
        }
        request = { ...request, cursor: page.next };
      }
      expect(seen).toEqual(created);
    });

    it('makes a unit atomic: a failure undoes every write in it', async () => {
      const p = patient('Atomic');
      await expect(
        store.unit(a, async (tx) => {
          await tx.create(p);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.read(a, 'Patient', p.id ?? '')).toBeUndefined();
    });

    it('lets exactly one of two concurrent updates of the same version win', async () => {
      const p = patient('Racer');
      await store.unit(a, (tx) => tx.create(p));
      const results = await Promise.allSettled([
        store.unit(a, (tx) => tx.update(p, 1)),
        store.unit(a, (tx) => tx.update(p, 1)),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected');
      expect((rejected?.reason as FhirError).status).toBe(412);
    });

    it('serialises units that lock the same key, and only those', async () => {
      const order: string[] = [];
      const key = `k-${randomUUID()}`;
      const first = store.unit(a, async (tx) => {
        await tx.lock(key);
        order.push('first locked');
        await new Promise((r) => setTimeout(r, 150));
        order.push('first done');
      });
      await new Promise((r) => setTimeout(r, 30));
      const second = store.unit(a, async (tx) => {
        await tx.lock(key);
        order.push('second locked');
      });
      const other = store.unit(a, async (tx) => {
        await tx.lock(`${key}-other`);
        order.push('other locked');
      });
      await Promise.all([first, second, other]);
      expect(order.indexOf('second locked')).toBeGreaterThan(order.indexOf('first done'));
      expect(order.indexOf('other locked')).toBeLessThan(order.indexOf('first done'));
    });

    it('remembers idempotency records per tenant', async () => {
      const key = randomUUID();
      await store.unit(a, (tx) =>
        tx.rememberIdempotency(key, { requestHash: 'h', status: 201, body: '{}', location: 'x' }),
      );
      expect(await store.unit(a, (tx) => tx.idempotencyRecord(key))).toEqual({
        requestHash: 'h',
        status: 201,
        body: '{}',
        location: 'x',
      });
      expect(await store.unit(b, (tx) => tx.idempotencyRecord(key))).toBeUndefined();
    });
  });
}
