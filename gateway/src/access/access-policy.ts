import { FhirError, type Interaction, type SearchCondition } from '@swiftacare/fhir';
import type { AccessPolicy } from '@swiftacare/fhir-engine';
import { compartmentOf, scopesPermit, type Principal } from '@swiftacare/identity';
import type { Cache } from '@swiftacare/cache';
import type { ResourceStore } from '@swiftacare/resource-store';
import type { Resource } from '@medplum/fhirtypes';
import { patientsCaredFor } from './cared-for.js';
import { patientsConcerned } from './concerned-patients.js';
import { patientCompartment, practitionerCompartment } from './compartments.js';

/**
 * The access decision for one request: scopes say which interactions on which types, the
 * role's compartment says which records, and a narrowed caller's writes may concern only the
 * patients they reached before (so nobody widens their own compartment). See
 * `packages/identity/src/roles.ts` for the policy.
 */
export function accessPolicyFor(
  principal: Principal,
  store: ResourceStore,
  cache: Cache,
  emergencyPatients: readonly string[] = [],
): AccessPolicy {
  const compartment = compartmentOf(principal.role);

  // Patients reached by break-glass count as cared for while the grant lasts. Memoised per
  // request; `fresh` reads past the 60 s cache once, so a patient the institution has just put
  // in the practitioner's care can be written about at once. Either way the list comes from
  // committed data (`store`, not the unit in flight), so a write never counts its own links.
  let cared: Promise<string[]> | undefined;
  let refreshed = false;
  const caredFor = (practitioner: string, fresh = false): Promise<string[]> => {
    if (!cared || (fresh && !refreshed)) {
      refreshed = fresh;
      cared = patientsCaredFor(store, cache, principal.tenant, practitioner, { fresh });
    }
    return cared;
  };
  const reachedBy = async (practitioner: string, fresh = false): Promise<string[]> => [
    ...(await caredFor(practitioner, fresh)),
    ...emergencyPatients,
  ];

  return {
    authorize(type: string, interaction: Interaction): void {
      if (
        compartment === 'none' ||
        scopesPermit(principal.scopes, type, interaction).length === 0
      ) {
        throw new FhirError(
          'forbidden',
          `Your access (${principal.role}) does not allow ${interaction} on ${type}`,
        );
      }
    },
    async narrowing(type: string): Promise<SearchCondition[]> {
      switch (compartment) {
        case 'tenant':
          return [];
        case 'patient':
          return patientCompartment(type, principal.fhirUser);
        case 'practitioner': {
          if (!principal.fhirUser) {
            return practitionerCompartment(type, undefined, []);
          }
          return practitionerCompartment(
            type,
            principal.fhirUser,
            await reachedBy(principal.fhirUser),
          );
        }
        case 'none':
          return [{ kind: 'id', ids: [] }];
      }
    },
    // A narrowed caller may write only about patients they reached before the write: a
    // patient about themselves, a practitioner about patients already in their care. Care
    // relationships (general practitioner, care team, an appointment with a new patient) are
    // therefore made by the institution's staff, admins or system clients, which is their
    // approval; a patient booking themselves with a practitioner opens only their own record.
    async assertMayConcern(type: string, resource: Resource): Promise<void> {
      if (compartment === 'tenant') {
        return;
      }
      const concerned = patientsConcerned(type, resource);
      if (concerned.length === 0) {
        return;
      }
      const self = principal.fhirUser;
      switch (compartment) {
        case 'patient': {
          const me = self?.startsWith('Patient/') ? self : undefined;
          const others = concerned.filter((p) => p !== me);
          if (others.length > 0) {
            throw new FhirError(
              'forbidden',
              `You may not write this ${type}: a patient may write only about themselves, and it concerns ${others.join(', ')}`,
            );
          }
          return;
        }
        case 'practitioner': {
          const practitioner = self?.startsWith('Practitioner/') ? self : undefined;
          // A break-glass grant lets the practitioner record what they did (notes, messages),
          // but never make the care relationship that would outlast the grant.
          const linking = careLinkTypes.has(type);
          const outside = async (fresh: boolean): Promise<string[]> => {
            const reached = practitioner
              ? await (linking ? caredFor(practitioner, fresh) : reachedBy(practitioner, fresh))
              : [];
            return concerned.filter((p) => !reached.includes(p));
          };
          // The cached list first; only a patient it lacks costs a look at committed data.
          const missing = (await outside(false)).length > 0 ? await outside(true) : [];
          if (missing.length > 0) {
            throw new FhirError('forbidden', notInCare(type, missing));
          }
          return;
        }
        case 'none':
          throw new FhirError('forbidden', `You may not write this ${type}`);
      }
    },
  };
}

/** Types whose records make care relationships (see cared-for.ts). */
const careLinkTypes: ReadonlySet<string> = new Set(['Patient', 'CareTeam', 'Appointment']);

/** Why a practitioner's write was refused, and who can make it possible. */
function notInCare(type: string, missing: readonly string[]): string {
  const how =
    'Care relationships (general practitioner, care team, a first appointment) are made by ' +
    "the institution's staff or administrators, not by the practitioner";
  return type === 'Patient'
    ? `You may not write this Patient: practitioners write only patients already in their care, and cannot register new ones. ${how}`
    : `You may not write this ${type}: it concerns ${missing.join(', ')}, not in your care. ${how}`;
}
