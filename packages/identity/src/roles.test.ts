import { allInteractions, servedTypes } from '@swiftacare/fhir';
import { describe, expect, it } from 'vitest';
import { allRoles, compartmentOf, isRole, roleScopes } from './roles.js';
import { formatScopes, intersectScopes, parseScopes, scopesPermit } from './scopes.js';

const types = servedTypes.map((t) => t.type);

function permitted(role: (typeof allRoles)[number], type: string, interaction: string): boolean {
  return (
    scopesPermit(roleScopes(role), type, interaction as (typeof allInteractions)[number]).length > 0
  );
}

describe('roleScopes', () => {
  it('gives the platform operator no health data of any type', () => {
    expect(roleScopes('platform-operator')).toEqual([]);
    for (const type of [...types, 'Observation', '*']) {
      for (const interaction of allInteractions) {
        expect(permitted('platform-operator', type, interaction), `${type} ${interaction}`).toBe(
          false,
        );
      }
    }
  });

  it('never lets institution staff reach Communication or DocumentReference', () => {
    for (const type of ['Communication', 'DocumentReference']) {
      for (const interaction of allInteractions) {
        expect(permitted('institution-staff', type, interaction), `${type} ${interaction}`).toBe(
          false,
        );
      }
    }
  });

  it('lets institution staff run scheduling', () => {
    for (const type of ['Appointment', 'Slot', 'Schedule', 'Practitioner', 'Location']) {
      for (const interaction of allInteractions) {
        expect(permitted('institution-staff', type, interaction), `${type} ${interaction}`).toBe(
          true,
        );
      }
    }
    expect(permitted('institution-staff', 'Patient', 'read')).toBe(true);
    expect(permitted('institution-staff', 'Patient', 'search-type')).toBe(true);
    expect(permitted('institution-staff', 'Patient', 'update')).toBe(false);
    expect(permitted('institution-staff', 'Patient', 'delete')).toBe(false);
    expect(permitted('institution-staff', 'CareTeam', 'create')).toBe(false);
    expect(permitted('institution-staff', 'Organization', 'update')).toBe(false);
  });

  it('lets staff reach only the scheduling types, whatever is served', () => {
    const reachable = types.filter((type) => permitted('institution-staff', type, 'read'));
    expect(reachable.sort()).toEqual(
      [
        'Appointment',
        'CareTeam',
        'HealthcareService',
        'Location',
        'Organization',
        'Patient',
        'Practitioner',
        'PractitionerRole',
        'Schedule',
        'Slot',
      ].sort(),
    );
  });

  it('gives admins and practitioners everything, within their compartment', () => {
    for (const role of ['institution-admin', 'practitioner'] as const) {
      for (const type of types) {
        for (const interaction of allInteractions) {
          expect(permitted(role, type, interaction), `${role} ${type} ${interaction}`).toBe(true);
        }
      }
    }
  });

  it('lets a patient read, book appointments and send messages, but not alter records', () => {
    for (const type of types) {
      expect(permitted('patient', type, 'read')).toBe(true);
      expect(permitted('patient', type, 'search-type')).toBe(true);
      expect(permitted('patient', type, 'delete')).toBe(false);
    }
    expect(permitted('patient', 'Appointment', 'create')).toBe(true);
    expect(permitted('patient', 'Appointment', 'update')).toBe(true);
    expect(permitted('patient', 'Communication', 'create')).toBe(true);
    expect(permitted('patient', 'Communication', 'update')).toBe(false);
    expect(permitted('patient', 'DocumentReference', 'create')).toBe(false);
    expect(permitted('patient', 'Patient', 'update')).toBe(false);
    expect(scopesPermit(roleScopes('patient'), 'Patient', 'read')).toEqual(['patient']);
  });

  it('gives a system client nothing by role', () => {
    expect(roleScopes('system')).toEqual([]);
  });

  it('caps what a client asks for', () => {
    const asked = parseScopes('user/*.cruds').scopes;
    expect(formatScopes(intersectScopes(asked, roleScopes('institution-staff')))).not.toMatch(
      /Communication|DocumentReference|\*/,
    );
    expect(intersectScopes(asked, roleScopes('platform-operator'))).toEqual([]);
  });

  it('returns a copy, so the policy cannot be altered by a caller', () => {
    const first = roleScopes('practitioner');
    first.push(...parseScopes('system/*.cruds').scopes);
    expect(formatScopes(roleScopes('practitioner'))).toBe('user/*.cruds');
  });
});

describe('compartmentOf', () => {
  it.each([
    ['platform-operator', 'none'],
    ['institution-admin', 'tenant'],
    ['institution-staff', 'tenant'],
    ['system', 'tenant'],
    ['practitioner', 'practitioner'],
    ['patient', 'patient'],
  ] as const)('%s → %s', (role, compartment) => {
    expect(compartmentOf(role)).toBe(compartment);
  });
});

describe('isRole', () => {
  it('knows every role and nothing else', () => {
    for (const role of allRoles) expect(isRole(role)).toBe(true);
    expect(isRole('admin')).toBe(false);
    expect(isRole(undefined)).toBe(false);
  });
});
