import { searchParamsOf, valuesFor } from '@swiftacare/fhir';
import type { Resource } from '@medplum/fhirtypes';

// The reference parameters that put a resource in a patient's record: those of FHIR's Patient
// compartment (https://hl7.org/fhir/R4/compartmentdefinition-patient.html), plus `patient`,
// which compartments.ts and cared-for.ts query. Broader than compartments.ts on purpose (a
// Patient as CareTeam participant or as DocumentReference author counts too): a write about a
// patient is refused rather than missed.
const patientParams: Readonly<Record<string, readonly string[]>> = {
  Appointment: ['patient', 'actor'],
  CareTeam: ['patient', 'subject', 'participant'],
  Communication: ['patient', 'subject', 'sender', 'recipient'],
  DocumentReference: ['patient', 'subject', 'author'],
};

/**
 * The patients a resource is about, as `Patient/id` references: a Patient its own record; an
 * Appointment, CareTeam, Communication or DocumentReference every Patient its patient
 * compartment parameters name; any other type nobody (the directory belongs to the tenant).
 *
 * Values are taken exactly as the store indexes them (`valuesFor`), so this cannot disagree
 * with the compartment searches that decide who sees the resource. A versioned reference
 * (`Patient/id/_history/n`) counts as one to `Patient/id`.
 */
export function patientsConcerned(type: string, resource: Resource): string[] {
  if (type === 'Patient') {
    return resource.id ? [`Patient/${resource.id}`] : [];
  }
  const found = new Set<string>();
  const params = searchParamsOf(type);
  for (const code of patientParams[type] ?? []) {
    const param = params.get(code);
    if (!param) {
      // A typo here would silently let a write about a patient through; fail loudly instead.
      throw new Error(`${type} has no search parameter ${code}`);
    }
    const refs = valuesFor(param, resource);
    for (const ref of Array.isArray(refs) ? refs : []) {
      const [kind, id] = ref.split('/');
      if (kind === 'Patient' && id) {
        found.add(`Patient/${id}`);
      }
    }
  }
  return [...found];
}
