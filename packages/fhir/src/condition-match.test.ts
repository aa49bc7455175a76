import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { matchesConditions } from './condition-match.js';
import { searchColumn } from './search-parameters.js';
import type { SearchCondition } from './search-request.js';

const p = '0b6f4b7e-1c1a-4c55-9d1e-5f5d2a0c0001';
const q = '0b6f4b7e-1c1a-4c55-9d1e-5f5d2a0c0002';
const t = '0b6f4b7e-1c1a-4c55-9d1e-5f5d2a0c0003';
const noteId = '0b6f4b7e-1c1a-4c55-9d1e-5f5d2a0c0004';

const note = {
  resourceType: 'DocumentReference',
  id: noteId,
  status: 'current',
  subject: { reference: `Patient/${p}` },
  author: [{ reference: `Practitioner/${t}` }],
  content: [{ attachment: { contentType: 'text/plain' } }],
} as Resource;

const refersTo = (code: string, values: string[]): SearchCondition => ({
  kind: 'reference',
  column: searchColumn(code),
  values,
});

describe('matchesConditions', () => {
  it('matches everything when there are no conditions', () => {
    expect(matchesConditions(note, [])).toBe(true);
  });

  it('matches an id condition as the uuid column does: any case, resource ids only', () => {
    expect(matchesConditions(note, [{ kind: 'id', ids: [q, noteId] }])).toBe(true);
    expect(matchesConditions(note, [{ kind: 'id', ids: [noteId.toUpperCase()] }])).toBe(true);
    expect(matchesConditions(note, [{ kind: 'id', ids: [q] }])).toBe(false);
    expect(matchesConditions(note, [{ kind: 'id', ids: [] }])).toBe(false);
    const oddId = { ...note, id: 'not-a-uuid' } as Resource;
    expect(matchesConditions(oddId, [{ kind: 'id', ids: ['not-a-uuid'] }])).toBe(false);
  });

  it('matches a reference by its full value or by the bare id, as it is indexed', () => {
    expect(matchesConditions(note, [refersTo('patient', [`Patient/${p}`])])).toBe(true);
    expect(matchesConditions(note, [refersTo('patient', [p])])).toBe(true);
    expect(matchesConditions(note, [refersTo('patient', [`Patient/${q}`])])).toBe(false);
    expect(matchesConditions(note, [refersTo('author', [`Practitioner/${t}`])])).toBe(true);
  });

  it('does not match a reference the resource lacks', () => {
    const orphan = { ...note, subject: undefined } as Resource;
    expect(matchesConditions(orphan, [refersTo('patient', [`Patient/${p}`])])).toBe(false);
  });

  it('does not match a column the type does not index, nor one that is not a reference', () => {
    expect(matchesConditions(note, [refersTo('no-such-parameter', [`Patient/${p}`])])).toBe(false);
    expect(matchesConditions(note, [refersTo('status', ['current'])])).toBe(false);
  });

  it('ANDs the top-level conditions', () => {
    const both = [refersTo('patient', [`Patient/${p}`]), refersTo('author', [`Practitioner/${t}`])];
    expect(matchesConditions(note, both)).toBe(true);
    expect(matchesConditions(note, [...both, { kind: 'id', ids: [q] }])).toBe(false);
  });

  it('evaluates anyOf and allOf, with SQL meaning when empty', () => {
    const inP = refersTo('patient', [`Patient/${p}`]);
    const inQ = refersTo('patient', [`Patient/${q}`]);
    expect(matchesConditions(note, [{ kind: 'anyOf', conditions: [inQ, inP] }])).toBe(true);
    expect(matchesConditions(note, [{ kind: 'anyOf', conditions: [inQ] }])).toBe(false);
    expect(matchesConditions(note, [{ kind: 'anyOf', conditions: [] }])).toBe(false);
    expect(matchesConditions(note, [{ kind: 'allOf', conditions: [inP, inQ] }])).toBe(false);
    expect(matchesConditions(note, [{ kind: 'allOf', conditions: [inP] }])).toBe(true);
    expect(matchesConditions(note, [{ kind: 'allOf', conditions: [] }])).toBe(true);
  });

  it('fails closed on every kind it does not judge, even one that would match', () => {
    const unsupported: SearchCondition[] = [
      { kind: 'token', column: searchColumn('status'), values: ['current'], not: false },
      { kind: 'token', column: searchColumn('status'), values: ['x'], not: true },
      { kind: 'string', column: searchColumn('description'), values: [''], match: 'start' },
      { kind: 'uri', column: searchColumn('location'), values: ['x'] },
      { kind: 'missing', column: searchColumn('description'), dated: false, missing: true },
      { kind: 'date', column: searchColumn('date'), values: [] },
      { kind: 'lastUpdated', values: [] },
      { kind: 'chain', column: searchColumn('patient'), targets: [] },
    ];
    for (const condition of unsupported) {
      expect(matchesConditions(note, [condition]), condition.kind).toBe(false);
      expect(
        matchesConditions(note, [{ kind: 'anyOf', conditions: [condition] }]),
        `anyOf ${condition.kind}`,
      ).toBe(false);
      expect(
        matchesConditions(note, [
          { kind: 'allOf', conditions: [refersTo('patient', [p]), condition] },
        ]),
        `allOf ${condition.kind}`,
      ).toBe(false);
    }
  });
});
