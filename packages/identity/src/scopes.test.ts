import { allInteractions, type Interaction } from '@swiftacare/fhir';
import { describe, expect, it } from 'vitest';
import {
  formatScopes,
  intersectScopes,
  mergeScopes,
  parseScope,
  parseScopes,
  permissionFor,
  scopesPermit,
  type Scope,
} from './scopes.js';

function scopes(text: string): Scope[] {
  const parsed = parseScopes(text);
  expect(parsed.ignored).toEqual([]);
  return parsed.scopes;
}

function text(scope: ReturnType<typeof parseScope>): string | undefined {
  return scope.ok ? formatScopes([scope.scope]) : undefined;
}

describe('parseScope', () => {
  it.each([
    ['patient/Appointment.rs', 'patient/Appointment.rs'],
    ['user/*.cruds', 'user/*.cruds'],
    ['system/Patient.r', 'system/Patient.r'],
    ['system/Slot.cd', 'system/Slot.cd'],
    ['user/Practitioner.s', 'user/Practitioner.s'],
    // v1 aliases come back as their v2 equivalents.
    ['patient/*.read', 'patient/*.rs'],
    ['user/Appointment.write', 'user/Appointment.cud'],
    ['system/*.*', 'system/*.cruds'],
  ])('accepts %s as %s', (input, canonical) => {
    expect(text(parseScope(input))).toBe(canonical);
  });

  it('parses the parts', () => {
    const parsed = parseScope('patient/Appointment.rs');
    expect(parsed).toEqual({
      ok: true,
      scope: { context: 'patient', type: 'Appointment', permissions: new Set(['r', 's']) },
    });
  });

  it.each([
    ['patient/Appointment.sr', 'permissions'],
    ['patient/Appointment.rr', 'permissions'],
    ['patient/Appointment.x', 'permissions'],
    ['patient/Appointment.', 'permissions'],
    ['patient/Appointment.Read', 'permissions'],
    ['patient/Appointment', 'missing'],
    ['admin/Patient.rs', 'unknown context'],
    ['Patient/Patient.rs', 'unknown context'],
    ['patient/appointment.rs', 'not a resource type'],
    ['patient/.rs', 'not a resource type'],
    ['patient/Obs-ervation.rs', 'not a resource type'],
    ['patient/Observation.rs?category=laboratory', 'granular'],
    ['patient', 'not a resource scope'],
  ])('refuses %s', (input, reason) => {
    const parsed = parseScope(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });
});

describe('parseScopes', () => {
  it('sorts scopes into resource scopes, other scopes and ignored ones', () => {
    const parsed = parseScopes(
      'openid fhirUser  patient/*.rs launch/patient offline_access patient/X.sr bogus\tuser/Slot.write',
    );
    expect(formatScopes(parsed.scopes)).toBe('patient/*.rs user/Slot.cud');
    expect(parsed.other).toEqual(['openid', 'fhirUser', 'launch/patient', 'offline_access']);
    expect(parsed.ignored.map((i) => i.text)).toEqual(['patient/X.sr', 'bogus']);
  });

  it('returns nothing for an empty parameter', () => {
    expect(parseScopes('')).toEqual({ scopes: [], other: [], ignored: [] });
    expect(parseScopes('   ')).toEqual({ scopes: [], other: [], ignored: [] });
  });
});

describe('permissionFor', () => {
  const expected: Record<Interaction, string> = {
    read: 'r',
    vread: 'r',
    'history-instance': 'r',
    'search-type': 's',
    'history-type': 's',
    create: 'c',
    update: 'u',
    patch: 'u',
    delete: 'd',
  };
  it.each(allInteractions.map((i) => [i, expected[i]]))('%s needs %s', (interaction, perm) => {
    expect(permissionFor(interaction)).toBe(perm);
  });
});

describe('scopesPermit', () => {
  const granted = scopes('patient/*.rs patient/Appointment.cu user/Slot.s');

  it.each<[string, Interaction, string[]]>([
    ['Patient', 'read', ['patient']],
    ['Patient', 'vread', ['patient']],
    ['Patient', 'history-instance', ['patient']],
    ['Patient', 'search-type', ['patient']],
    ['Patient', 'history-type', ['patient']],
    ['Patient', 'create', []],
    ['Patient', 'update', []],
    ['Patient', 'patch', []],
    ['Patient', 'delete', []],
    ['Appointment', 'create', ['patient']],
    ['Appointment', 'update', ['patient']],
    ['Appointment', 'patch', ['patient']],
    ['Appointment', 'delete', []],
    ['Slot', 'search-type', ['patient', 'user']],
    ['Slot', 'create', []],
  ])('%s %s → %j', (type, interaction, contexts) => {
    expect(scopesPermit(granted, type, interaction)).toEqual(contexts);
  });

  it('refuses everything with no scopes', () => {
    for (const interaction of allInteractions) {
      expect(scopesPermit([], 'Patient', interaction)).toEqual([]);
    }
  });

  it('matches the type exactly', () => {
    expect(scopesPermit(scopes('user/Patient.r'), 'PatientX', 'read')).toEqual([]);
    expect(scopesPermit(scopes('user/Patient.r'), 'patient', 'read')).toEqual([]);
  });
});

describe('intersectScopes', () => {
  it.each([
    ['user/*.cruds', 'user/*.rs', 'user/*.rs'],
    ['user/*.rs', 'user/Patient.cruds', 'user/Patient.rs'],
    ['user/Patient.cruds', 'user/*.r', 'user/Patient.r'],
    ['user/Patient.rs', 'user/Slot.rs', ''],
    ['user/Patient.cu', 'user/Patient.rs', ''],
    // Contexts never stand in for each other.
    ['patient/*.rs', 'user/*.cruds', ''],
    ['system/*.cruds', 'user/*.cruds', ''],
    [
      'patient/*.cruds',
      'patient/*.rs patient/Appointment.cu patient/Communication.c',
      'patient/*.rs patient/Appointment.cu patient/Communication.c',
    ],
    ['user/Patient.rs user/Slot.cruds', 'user/*.rs user/Slot.c', 'user/Patient.rs user/Slot.crs'],
  ])('%s ∩ %s = %s', (a, b, expected) => {
    expect(formatScopes(intersectScopes(scopes(a), scopes(b)))).toBe(expected);
    expect(
      formatScopes(intersectScopes(scopes(b), scopes(a)))
        .split(' ')
        .sort(),
    ).toEqual(expected.split(' ').sort());
  });

  it('never grants what either side refuses', () => {
    const a = scopes('user/*.rs user/Appointment.cruds');
    const b = scopes('user/Patient.cruds user/Appointment.rd');
    const both = intersectScopes(a, b);
    const types = ['Patient', 'Appointment', 'Slot', 'Communication'];
    for (const type of types) {
      for (const interaction of [
        'read',
        'search-type',
        'create',
        'update',
        'delete',
      ] as Interaction[]) {
        const allowed = scopesPermit(both, type, interaction).length > 0;
        const inA = scopesPermit(a, type, interaction).length > 0;
        const inB = scopesPermit(b, type, interaction).length > 0;
        expect(allowed, `${type} ${interaction}`).toBe(inA && inB);
      }
    }
  });
});

describe('mergeScopes and formatScopes', () => {
  it('unites permissions and drops what a wildcard already grants', () => {
    const merged = mergeScopes(scopes('user/Patient.r user/Patient.s user/*.rs user/Slot.c'));
    expect(formatScopes(merged)).toBe('user/*.rs user/Slot.c');
  });

  it('writes permissions in cruds order and leaves out empty scopes', () => {
    const out = formatScopes([
      { context: 'user', type: 'Slot', permissions: new Set(['s', 'd', 'c']) },
      { context: 'user', type: 'Patient', permissions: new Set() },
    ]);
    expect(out).toBe('user/Slot.cds');
  });

  it('round-trips canonical text', () => {
    const canonical = 'patient/*.rs patient/Appointment.cu user/Slot.cruds system/Patient.s';
    expect(formatScopes(scopes(canonical))).toBe(canonical);
  });
});
