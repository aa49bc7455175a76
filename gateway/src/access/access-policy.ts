import { FhirError, type Interaction, type SearchCondition } from '@swiftacare/fhir';
import type { AccessPolicy } from '@swiftacare/fhir-engine';
import { compartmentOf, scopesPermit, type Principal } from '@swiftacare/identity';
import type { Cache } from '@swiftacare/cache';
import type { ResourceStore } from '@swiftacare/resource-store';
import { patientsCaredFor } from './cared-for.js';
import { patientCompartment, practitionerCompartment } from './compartments.js';

/**
 * The access decision for one request: scopes say which interactions on which types, the
 * role's compartment says which records. See `packages/identity/src/roles.ts` for the policy.
 */
export function accessPolicyFor(
  principal: Principal,
  store: ResourceStore,
  cache: Cache,
  emergencyPatients: readonly string[] = [],
): AccessPolicy {
  const compartment = compartmentOf(principal.role);
  let cared: Promise<string[]> | undefined;
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
          // Patients reached by break-glass count as cared for while the grant lasts.
          cared ??= patientsCaredFor(store, cache, principal.tenant, principal.fhirUser).then(
            (list) => [...list, ...emergencyPatients],
          );
          return practitionerCompartment(type, principal.fhirUser, await cared);
        }
        case 'none':
          return [{ kind: 'id', ids: [] }];
      }
    },
  };
}
