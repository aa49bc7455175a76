import { parseScopes, type Scope } from './scopes.js';

/**
 * Who a principal is within Swiftacare. Every user and client has exactly one role per tenant;
 * the role caps the scopes a token can carry (see `roleScopes`) and how far its access reaches
 * (see `compartmentOf`).
 */
export type Role =
  | 'platform-operator'
  | 'institution-admin'
  | 'institution-staff'
  | 'practitioner'
  | 'patient'
  | 'system';

/** Every role, for exhaustive tests and admin listings. */
export const allRoles: readonly Role[] = [
  'platform-operator',
  'institution-admin',
  'institution-staff',
  'practitioner',
  'patient',
  'system',
];

/**
 * The policy, as SMART v2 scope text so it reads like what ends up in a token.
 *
 * - platform-operator: none. Operators run the platform (tenants, keys, clients), and running it
 *   must never require reading a patient's mental-health record.
 * - institution-admin: everything in the tenant; the institution answers for its own data.
 * - institution-staff: scheduling only (reception, booking). Patient demographics are readable so
 *   an appointment can be booked, but clinical content (Communication, DocumentReference) is
 *   never reachable: front-desk work does not need therapy notes or messages.
 * - practitioner: full access, narrowed by compartment to the patients they care for.
 * - patient: read their own record, request and move their own appointments, and send messages;
 *   they cannot alter or delete clinical records.
 * - system: nothing by role; a backend client gets exactly the scopes registered for it.
 */
const policy: Readonly<Record<Role, string>> = {
  'platform-operator': '',
  'institution-admin': 'user/*.cruds',
  'institution-staff': [
    'user/Patient.rs',
    'user/Practitioner.cruds',
    'user/PractitionerRole.cruds',
    'user/Organization.rs',
    'user/Location.cruds',
    'user/HealthcareService.cruds',
    'user/Schedule.cruds',
    'user/Slot.cruds',
    'user/Appointment.cruds',
    'user/CareTeam.rs',
  ].join(' '),
  practitioner: 'user/*.cruds',
  patient: 'patient/*.rs patient/Appointment.cu patient/Communication.c',
  system: '',
};

// Parsed once; a typo in the policy must fail loudly at start-up, not silently grant less.
const parsedPolicy = Object.fromEntries(
  Object.entries(policy).map(([role, text]) => {
    const parsed = parseScopes(text);
    if (parsed.ignored.length > 0 || parsed.other.length > 0) {
      throw new Error(`role policy for ${role} has invalid scopes: ${JSON.stringify(parsed)}`);
    }
    return [role, parsed.scopes];
  }),
) as Record<Role, Scope[]>;

/**
 * The most a principal of this role may be granted. A token's scopes are this intersected with
 * what the client asked for (`intersectScopes`); for `system` the client's registered scopes are
 * used instead, since a backend service has no user whose role could cap it.
 * Returns a fresh array each call, so callers cannot alter the policy.
 */
export function roleScopes(role: Role): Scope[] {
  return [...parsedPolicy[role]];
}

/**
 * How far a role's access reaches inside a tenant, applied after scopes allow an interaction:
 *
 * - `none`: no health data at all (platform-operator).
 * - `tenant`: the whole tenant (institution-admin, institution-staff, system). Staff are still
 *   limited by their scopes to scheduling resources; the compartment only says "all patients".
 * - `practitioner`: only patients the practitioner cares for (via CareTeam or Appointment).
 * - `patient`: only the patient's own compartment.
 *
 * A tenant boundary is implied for every role: no role ever reaches another tenant's data.
 */
export type Compartment = 'none' | 'tenant' | 'practitioner' | 'patient';

/** The compartment a role's access is narrowed to; see {@link Compartment} for the policy. */
export function compartmentOf(role: Role): Compartment {
  switch (role) {
    case 'platform-operator':
      return 'none';
    case 'institution-admin':
    case 'institution-staff':
    case 'system':
      return 'tenant';
    case 'practitioner':
      return 'practitioner';
    case 'patient':
      return 'patient';
  }
}

/** Whether `text` names a role; for parsing claims and configuration. */
export function isRole(text: unknown): text is Role {
  return typeof text === 'string' && (allRoles as readonly string[]).includes(text);
}
