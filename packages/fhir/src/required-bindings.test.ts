import { describe, expect, it } from 'vitest';
import { RequiredBindings } from './required-bindings.js';

const bindings = RequiredBindings.load();

function expressions(resource: { resourceType: string } & Record<string, unknown>): string[] {
  return bindings.check(resource).map((issue) => issue.expression);
}

const validAppointment = {
  resourceType: 'Appointment',
  status: 'booked',
  participant: [{ actor: { reference: 'Patient/1' }, status: 'accepted' }],
};

describe('RequiredBindings', () => {
  it('resolves most required code bindings from the R4 definitions', () => {
    const { resolved, skipped, skippedValueSets } = bindings.coverage;
    // eslint-disable-next-line no-console -- coverage report is the point of this test
    console.info(
      `required bindings: ${resolved} resolved, ${skipped} skipped (${skippedValueSets.join(', ')})`,
    );
    expect(resolved).toBeGreaterThan(300);
    expect(skipped).toBeLessThan(resolved / 10);
    // BCP-13 mime types are not enumerable, so they must be skipped rather than rejected.
    expect(skippedValueSets).toContain('http://hl7.org/fhir/ValueSet/mimetypes');
  });

  it('returns the same index on every load', () => {
    expect(RequiredBindings.load()).toBe(bindings);
  });

  it('reports an unknown Appointment.status', () => {
    const issues = bindings.check({ ...validAppointment, status: 'foo' });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.expression).toBe('Appointment.status');
    expect(issues[0]?.message).toContain('"foo"');
    expect(issues[0]?.message).toContain('http://hl7.org/fhir/ValueSet/appointmentstatus');
    expect(issues[0]?.message).toContain('booked');
  });

  it('accepts a valid Appointment', () => {
    expect(bindings.check(validAppointment)).toEqual([]);
  });

  it('reports an invalid code inside a backbone element', () => {
    const appointment = { ...validAppointment, participant: [{ status: 'maybe' }] };
    expect(expressions(appointment)).toEqual(['Appointment.participant[0].status']);
  });

  it('reports an invalid Patient.gender', () => {
    expect(expressions({ resourceType: 'Patient', gender: 'x' })).toEqual(['Patient.gender']);
  });

  it('reports an invalid code inside a repeating datatype with its index', () => {
    const patient = {
      resourceType: 'Patient',
      telecom: [
        { system: 'phone', value: '555' },
        { system: 'pager2', value: '556' },
      ],
    };
    expect(expressions(patient)).toEqual(['Patient.telecom[1].system']);
  });

  it('reports invalid statuses on other resource types', () => {
    expect(expressions({ resourceType: 'Communication', status: 'sent' })).toEqual([
      'Communication.status',
    ]);
    expect(expressions({ resourceType: 'DocumentReference', status: 'final' })).toEqual([
      'DocumentReference.status',
    ]);
    expect(expressions({ resourceType: 'Slot', status: 'open' })).toEqual(['Slot.status']);
  });

  it('accepts a valid Patient', () => {
    const patient = {
      resourceType: 'Patient',
      gender: 'female',
      name: [{ use: 'official', family: 'Doe', given: ['Jane'] }],
      telecom: [
        { system: 'phone', value: '555', use: 'mobile' },
        { system: 'email', value: 'jane@example.com' },
      ],
      identifier: [{ use: 'usual', system: 'urn:x', value: '1' }],
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Jane</div>' },
    };
    expect(bindings.check(patient)).toEqual([]);
  });

  it('reports every invalid element, including nested datatypes', () => {
    const patient = {
      resourceType: 'Patient',
      gender: 'x',
      name: [{ use: 'official' }, { use: 'nick' }],
      identifier: [{ assigner: { identifier: { use: 'bogus' } } }],
    };
    expect(expressions(patient).sort()).toEqual([
      'Patient.gender',
      'Patient.identifier[0].assigner.identifier.use',
      'Patient.name[1].use',
    ]);
  });

  it('follows contentReference elements', () => {
    const questionnaire = {
      resourceType: 'Questionnaire',
      status: 'active',
      item: [{ linkId: '1', type: 'group', item: [{ linkId: '1.1', type: 'strng' }] }],
    };
    expect(expressions(questionnaire)).toEqual(['Questionnaire.item[0].item[0].type']);
  });

  it('ignores unknown resource types and non-string values', () => {
    expect(bindings.check({ resourceType: 'NotAResource', status: 'foo' })).toEqual([]);
    expect(bindings.check({ resourceType: 'Appointment', status: 42 })).toEqual([]);
  });
});
