import { searchParamsOf, type SearchCondition } from '@swiftacare/fhir';
import type { Principal } from '@swiftacare/identity';

function column(type: string, code: string): string {
  const param = searchParamsOf(type).get(code);
  if (!param) {
    // A typo here would silently widen access; fail loudly instead.
    throw new Error(`${type} has no search parameter ${code}`);
  }
  return param.column;
}

function refersTo(type: string, code: string, values: string[]): SearchCondition {
  return { kind: 'reference', column: column(type, code), values };
}

/** Matches nothing: the compartment of a user whose own record is unknown. */
const nothing: SearchCondition = { kind: 'id', ids: [] };

/**
 * A patient's compartment: their own Patient record and what is about them. Directory and
 * availability resources (practitioners, schedules, slots, places) are visible to everyone in
 * the institution, since a patient needs them to book.
 */
export function patientCompartment(type: string, patient: string | undefined): SearchCondition[] {
  const self = patient?.startsWith('Patient/') ? patient : undefined;
  const id = self?.slice('Patient/'.length);
  switch (type) {
    case 'Patient':
      return [id ? { kind: 'id', ids: [id] } : nothing];
    case 'Appointment':
    case 'DocumentReference':
    case 'CareTeam':
      return [self ? refersTo(type, 'patient', [self]) : nothing];
    case 'Communication':
      return self
        ? [
            {
              kind: 'anyOf',
              conditions: [
                refersTo(type, 'patient', [self]),
                refersTo(type, 'sender', [self]),
                refersTo(type, 'recipient', [self]),
              ],
            },
          ]
        : [nothing];
    default:
      return [];
  }
}

/**
 * A practitioner's compartment: the patients they care for (listed in `cared`: by CareTeam,
 * as general practitioner, or through an appointment) and what is about those patients or
 * involves the practitioner directly.
 */
export function practitionerCompartment(
  type: string,
  practitioner: string | undefined,
  cared: readonly string[],
): SearchCondition[] {
  const self = practitioner?.startsWith('Practitioner/') ? practitioner : undefined;
  if (!self) {
    return ['Patient', 'Appointment', 'DocumentReference', 'CareTeam', 'Communication'].includes(
      type,
    )
      ? [nothing]
      : [];
  }
  const patients = [...cared];
  const anyOf = (conditions: SearchCondition[]): SearchCondition[] => [
    { kind: 'anyOf', conditions },
  ];
  switch (type) {
    case 'Patient':
      return anyOf([
        { kind: 'id', ids: patients.map((p) => p.slice('Patient/'.length)) },
        refersTo(type, 'general-practitioner', [self]),
      ]);
    case 'Appointment':
      return anyOf([refersTo(type, 'practitioner', [self]), refersTo(type, 'patient', patients)]);
    case 'DocumentReference':
      return anyOf([refersTo(type, 'author', [self]), refersTo(type, 'patient', patients)]);
    case 'CareTeam':
      return anyOf([refersTo(type, 'participant', [self]), refersTo(type, 'patient', patients)]);
    case 'Communication':
      return anyOf([
        refersTo(type, 'patient', patients),
        refersTo(type, 'sender', [self]),
        refersTo(type, 'recipient', [self]),
      ]);
    default:
      return [];
  }
}

/** Who a principal is, as a FHIR reference, if they are a person with a record. */
export function fhirUserOf(principal: Principal): string | undefined {
  return principal.fhirUser;
}
