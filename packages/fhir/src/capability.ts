import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  ResourceType,
} from '@medplum/fhirtypes';
import { searchParamsOf } from './search-parameters.js';
import { servedTypes } from './served-types.js';

/** What the CapabilityStatement says about the server itself. */
export interface CapabilityOptions {
  baseUrl: string;
  /** Resources served outside the generic engine (e.g. the audit trail), declared as given. */
  extraResources?: CapabilityStatementRestResource[];
  software: { name: string; version: string };
  /** Date the statement is stamped with (the server's start time). */
  date: string;
}

/**
 * The CapabilityStatement, generated from the same served-type list that drives routing,
 * so the two cannot drift apart.
 */
export function capabilityStatement(options: CapabilityOptions): CapabilityStatement {
  const resource: CapabilityStatementRestResource[] = servedTypes.map((t) => ({
    type: t.type as ResourceType,
    interaction: t.interactions.map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: false,
    conditionalCreate: true,
    conditionalUpdate: true,
    conditionalDelete: 'not-supported',
    conditionalRead: 'not-supported',
    searchInclude: [...searchParamsOf(t.type).values()]
      .filter((p) => p.type === 'reference')
      .map((p) => `${t.type}:${p.code}`),
    searchParam: [
      { name: '_id', type: 'token' },
      { name: '_lastUpdated', type: 'date' },
      ...[...searchParamsOf(t.type).values()].map((p) => ({
        name: p.code,
        type: p.type,
        definition: p.url,
      })),
    ],
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date,
    kind: 'instance',
    software: options.software,
    implementation: { description: 'Swiftacare FHIR gateway', url: options.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'application/json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        resource: [...resource, ...(options.extraResources ?? [])],
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
}
