import type { TestGateway } from '@swiftacare/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectedFor,
  instanceInteractions,
  type Expected,
  type InstanceInteraction,
} from './expectations.js';
import {
  adminRead,
  bodyOf,
  bundleOf,
  countOf,
  createAs,
  idsOf,
  openStage,
  outcomeOf,
  type PrincipalName,
  principals,
  type Resource,
  resourceOf,
  send,
  type Side,
  type Stage,
  type TypeName,
  types,
  unknownId,
  withoutId,
  type World,
} from './world.js';

// The access matrix: every principal × served type × interaction, on a record in the caller's
// compartment, one in another compartment of the tenant, and one of tenant `other`. The
// expected statuses are the tables in expectations.ts; every answer is also scanned for what
// the caller must not see (send → assertNoLeak).

let gw: TestGateway;
let acme: World;
let other: World;
let callerFor: Stage['callerFor'];

beforeAll(async () => {
  ({ gw, acme, other, callerFor } = await openStage());
});
afterAll(async () => {
  await gw.close();
});

type Target = Side | 'foreign';
const targets: readonly Target[] = ['in', 'out', 'foreign'];
const writes: readonly InstanceInteraction[] = ['update', 'patch', 'delete'];
const touched = { system: 'urn:swiftacare:test:access', code: 'touched' };

/** The HTTP request of an interaction on one record, always under acme's base. */
function requestFor(
  interaction: InstanceInteraction,
  type: TypeName,
  resource: Resource,
): { method: string; path: string; body?: unknown; headers?: Record<string, string> } {
  const path = `${acme.base}/${type}/${resource.id}`;
  switch (interaction) {
    case 'read':
      return { method: 'GET', path };
    case 'vread':
      return { method: 'GET', path: `${path}/_history/${resource.meta?.versionId ?? '1'}` };
    case 'history-instance':
      return { method: 'GET', path: `${path}/_history` };
    case 'update':
      return { method: 'PUT', path, body: { ...resource, meta: { tag: [touched] } } };
    case 'patch':
      return {
        method: 'PATCH',
        path,
        body: [{ op: 'add', path: '/meta/tag', value: [touched] }],
        headers: { 'content-type': 'application/json-patch+json' },
      };
    case 'delete':
      return { method: 'DELETE', path };
  }
}

/**
 * The record an interaction is tried on. Reads use the world's records; writes a fresh record
 * made by the admin on that side, so one cell cannot disturb another (the patient's own Patient
 * is the exception: there is only one P, and no patient may write it).
 */
async function targetOf(
  who: PrincipalName,
  type: TypeName,
  interaction: InstanceInteraction,
  target: Target,
): Promise<{ resource: Resource; home: World }> {
  if (target === 'foreign') {
    return { resource: other.records[type].in, home: other };
  }
  if (!writes.includes(interaction) || (who === 'patient' && type === 'Patient')) {
    return { resource: acme.records[type][target], home: acme };
  }
  return {
    resource: await createAs(gw, acme.base, bodyOf(type, target, acme.refs, acme.names)),
    home: acme,
  };
}

const outcomeCodes: Record<number, string> = { 403: 'forbidden', 404: 'not-found' };

/** The instance cells of one row, each named with its expected answers. */
function cases(
  who: PrincipalName,
  type: TypeName,
): [label: string, interaction: InstanceInteraction, want: readonly number[]][] {
  const expected: Expected = expectedFor(who, type);
  return instanceInteractions.map((interaction) => {
    const want = expected[interaction];
    return [`${interaction}: in ${want[0]}, out ${want[1]}, foreign ${want[2]}`, interaction, want];
  });
}

describe.each(principals)('%s', (who) => {
  describe.each(types)('%s', (type) => {
    it.each(cases(who, type))('%s', async (_label, interaction, want) => {
      const caller = callerFor(who);
      for (const [i, target] of targets.entries()) {
        const expected = want[i] ?? 0;
        const { resource, home } = await targetOf(who, type, interaction, target);
        const before = await adminRead(gw, home.base, type, resource.id);
        expect(before.status, `${target} record exists before`).toBe(200);
        const request = requestFor(interaction, type, resource);
        const res = await send(gw, caller, request.method, request.path, {
          ...(request.body === undefined ? {} : { body: request.body }),
          ...(request.headers ? { headers: request.headers } : {}),
        });
        expect(res.status, `${interaction} on the ${target} record: ${res.text}`).toBe(expected);

        // The answer itself.
        if (expected >= 400) {
          expect(outcomeOf(res).resourceType).toBe('OperationOutcome');
          expect(outcomeOf(res).issue[0]?.code).toBe(outcomeCodes[expected]);
        } else if (interaction === 'history-instance') {
          const bundle = bundleOf(res);
          expect(bundle.type).toBe('history');
          const urls = (bundle.entry ?? []).map((e) => e.fullUrl ?? '');
          expect(urls.length).toBeGreaterThan(0);
          expect(urls.every((u) => u.endsWith(`/${type}/${resource.id}`))).toBe(true);
        } else if (expected === 200) {
          expect(resourceOf(res).resourceType).toBe(type);
          expect(resourceOf(res).id).toBe(resource.id);
        } else {
          expect(res.text).toBe('');
        }

        // What it did to the stored record: exactly the write asked for, or nothing.
        if (writes.includes(interaction)) {
          const after = await adminRead(gw, home.base, type, resource.id);
          const version = Number(before.resource.meta?.versionId);
          if (expected < 300) {
            if (interaction === 'delete') {
              expect(after.status).toBe(410);
            } else {
              expect(after.resource.meta?.versionId).toBe(String(version + 1));
              expect(after.resource.meta?.tag).toEqual([touched]);
            }
          } else {
            expect(after.status).toBe(200);
            expect(after.resource.meta?.versionId).toBe(String(version));
            expect(after.resource).toEqual(before.resource);
          }
          if (target === 'foreign') {
            // Nothing of `other` was copied into acme under that id either.
            expect((await adminRead(gw, acme.base, type, resource.id)).status).toBe(404);
          }
        }

        // A record the caller may not see is answered exactly like one that never existed.
        if (expected === 404) {
          const ghost = unknownId();
          const twin = requestFor(interaction, type, { ...resource, id: ghost });
          const missing = await send(gw, caller, twin.method, twin.path, {
            ...(twin.body === undefined ? {} : { body: twin.body }),
            ...(twin.headers ? { headers: twin.headers } : {}),
          });
          expect(missing.status).toBe(404);
          expect(withoutId(res.text, resource.id)).toBe(withoutId(missing.text, ghost));
        }
      }
    });

    const expected = expectedFor(who, type);
    const [createIn, createOut] = expected.create;
    it(`create: in ${createIn}, out ${createOut}`, async () => {
      const caller = callerFor(who);
      for (const [side, want] of [
        ['in', createIn],
        ['out', createOut],
      ] as const) {
        const before = await countOf(gw, acme.base, type);
        const res = await send(gw, caller, 'POST', `${acme.base}/${type}`, {
          body: bodyOf(type, side, acme.refs, acme.names),
        });
        expect(res.status, `create on the ${side} side: ${res.text}`).toBe(want);
        const after = await countOf(gw, acme.base, type);
        if (want === 201) {
          expect(after).toBe(before + 1);
          const created = resourceOf(res);
          expect((await adminRead(gw, acme.base, type, created.id)).status).toBe(200);
        } else {
          // Refused: nothing stored (a write outside the compartment is rolled back).
          expect(after).toBe(before);
          expect(outcomeOf(res).issue[0]?.code).toBe(outcomeCodes[want]);
        }
      }
    });

    it(`search-type: ${expected['search-type']}`, async () => {
      const caller = callerFor(who);
      const want = expected['search-type'];
      const r = acme.records[type];
      const asked = [r.in.id, r.out.id, other.records[type].in.id].join(',');
      const get = await send(gw, caller, 'GET', `${acme.base}/${type}?_id=${asked}`);
      const post = await send(gw, caller, 'POST', `${acme.base}/${type}/_search`, {
        body: `_id=${asked}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      const plain = await send(gw, caller, 'GET', `${acme.base}/${type}?_count=100`);
      for (const res of [get, post, plain]) {
        expect(res.status, res.text).toBe(want);
      }
      if (want === 200) {
        // Searches and reads agree: exactly the records the caller can read.
        const readable = (['in', 'out'] as const)
          .filter((_, i) => expected.read[i] === 200)
          .map((side) => r[side].id)
          .sort();
        expect(idsOf(bundleOf(get))).toEqual(readable);
        expect(idsOf(bundleOf(post))).toEqual(readable);
        expect(bundleOf(plain).type).toBe('searchset');
      } else {
        expect(outcomeOf(get).issue[0]?.code).toBe(outcomeCodes[want]);
      }
    });

    it(`history-type: ${expected['history-type']}`, async () => {
      const caller = callerFor(who);
      const want = expected['history-type'];
      const res = await send(gw, caller, 'GET', `${acme.base}/${type}/_history?_count=100`);
      expect(res.status, res.text).toBe(want);
      if (want === 200) {
        const bundle = bundleOf(res);
        expect(bundle.type).toBe('history');
        const urls = (bundle.entry ?? []).map((e) => e.fullUrl ?? '');
        expect(urls.length).toBeGreaterThan(0);
        expect(urls.every((u) => u.startsWith(`http://gateway.test${acme.base}/${type}/`))).toBe(
          true,
        );
      } else {
        expect(outcomeOf(res).issue[0]?.code).toBe(outcomeCodes[want]);
      }
    });
  });
});
