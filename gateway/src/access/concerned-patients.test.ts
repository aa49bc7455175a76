import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { patientsConcerned } from './concerned-patients.js';

const ref = (reference: string): { reference: string } => ({ reference });

describe('patientsConcerned', () => {
  it('is the record itself for a Patient, whoever it names', () => {
    const patient: Resource = {
      resourceType: 'Patient',
      id: 'p1',
      generalPractitioner: [ref('Practitioner/t1')],
      link: [{ other: ref('Patient/p2'), type: 'seealso' }],
    };
    expect(patientsConcerned('Patient', patient)).toEqual(['Patient/p1']);
  });

  it('is every Patient among the participants of an Appointment, nothing else', () => {
    const appointment: Resource = {
      resourceType: 'Appointment',
      status: 'booked',
      participant: [
        { actor: ref('Patient/p1'), status: 'accepted' },
        { actor: ref('Patient/p2/_history/3'), status: 'accepted' },
        { actor: ref('Practitioner/t1'), status: 'accepted' },
        { actor: ref('Location/l1'), status: 'accepted' },
      ],
    };
    expect(patientsConcerned('Appointment', appointment).sort()).toEqual([
      'Patient/p1',
      'Patient/p2',
    ]);
  });

  it('counts a Patient as CareTeam participant and as DocumentReference author', () => {
    const team: Resource = {
      resourceType: 'CareTeam',
      subject: ref('Patient/p1'),
      participant: [{ member: ref('Practitioner/t1') }, { member: ref('Patient/p2') }],
    };
    const note: Resource = {
      resourceType: 'DocumentReference',
      status: 'current',
      subject: ref('Patient/p1'),
      author: [ref('Patient/p3')],
      content: [{ attachment: { contentType: 'text/plain' } }],
    };
    expect(patientsConcerned('CareTeam', team).sort()).toEqual(['Patient/p1', 'Patient/p2']);
    expect(patientsConcerned('DocumentReference', note).sort()).toEqual([
      'Patient/p1',
      'Patient/p3',
    ]);
  });

  it('takes subject, sender and recipient of a Communication when they are Patients', () => {
    const message: Resource = {
      resourceType: 'Communication',
      status: 'completed',
      subject: ref('Patient/p1'),
      sender: ref('Patient/p2'),
      recipient: [ref('Practitioner/t1'), ref('Patient/p3')],
    };
    expect(patientsConcerned('Communication', message).sort()).toEqual([
      'Patient/p1',
      'Patient/p2',
      'Patient/p3',
    ]);
  });

  it('is nobody for the directory', () => {
    const schedule: Resource = { resourceType: 'Schedule', actor: [ref('Practitioner/t1')] };
    expect(patientsConcerned('Schedule', schedule)).toEqual([]);
  });
});
