/**
 * The FHIR interactions the engine knows. `search-type` covers GET and POST `_search`;
 * `patch` is JSON Patch (RFC 6902).
 */
export type Interaction =
  | 'read'
  | 'vread'
  | 'update'
  | 'patch'
  | 'delete'
  | 'history-instance'
  | 'history-type'
  | 'create'
  | 'search-type';

/** Every interaction, in CapabilityStatement order. */
export const allInteractions: readonly Interaction[] = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'history-type',
  'create',
  'search-type',
];

/** One served resource type: the single place that decides what the gateway serves for it. */
export interface ServedType {
  type: string;
  interactions: readonly Interaction[];
  /** Partition the table by month of this date search parameter (its lower bound). */
  partitionBy?: string;
}

/**
 * The resource types the gateway serves. Adding a type is one entry here plus a migration that
 * creates its table (see the PostgreSQL store's migrations); routing, validation, search and the
 * CapabilityStatement all follow from this list.
 */
export const servedTypes: readonly ServedType[] = [
  { type: 'Patient', interactions: allInteractions },
  { type: 'Practitioner', interactions: allInteractions },
  { type: 'PractitionerRole', interactions: allInteractions },
  { type: 'Organization', interactions: allInteractions },
  { type: 'Location', interactions: allInteractions },
  { type: 'HealthcareService', interactions: allInteractions },
  { type: 'CareTeam', interactions: allInteractions },
  { type: 'Schedule', interactions: allInteractions },
  { type: 'Slot', interactions: allInteractions },
  { type: 'Appointment', interactions: allInteractions, partitionBy: 'date' },
  { type: 'Communication', interactions: allInteractions },
  { type: 'DocumentReference', interactions: allInteractions },
];

const byName = new Map(servedTypes.map((t) => [t.type, t]));

/** The served type of that name, or undefined when the gateway does not serve it. */
export function servedType(type: string): ServedType | undefined {
  return byName.get(type);
}
