import { FhirError, servedType, type Interaction } from '@swiftacare/fhir';
import type { RequestContext } from './result.js';

/**
 * Refuses a type or interaction the served-type list does not declare (404, 405), then asks
 * the access policy whether this caller may do it at all (403).
 */
export function allowInteraction(
  context: RequestContext,
  type: string,
  interaction: Interaction,
): void {
  const served = servedType(type);
  if (!served) {
    throw new FhirError('notFound', `Resource type ${type} is not served here`);
  }
  if (!served.interactions.includes(interaction)) {
    throw new FhirError('methodNotAllowed', `${interaction} is not supported for ${type}`);
  }
  context.access?.authorize(type, interaction);
}
