import type { Interaction } from '@swiftacare/fhir';

/**
 * Whose data a scope reaches, per SMART App Launch v2: `patient` is the patient in the launch
 * context, `user` is whatever the signed-in user may see, `system` is a backend service with no
 * user. The gateway narrows each differently, so permits report the context, not just yes or no.
 */
export type ScopeContext = 'patient' | 'user' | 'system';

/** One SMART v2 permission: create, read, update, delete, search. */
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';

/** The permissions in the only order SMART v2 allows them to be written. */
export const permissionOrder: readonly Permission[] = ['c', 'r', 'u', 'd', 's'];

/**
 * A parsed resource scope, e.g. `patient/Appointment.rs`. `type` is a resource type or `'*'`
 * (every type). Permissions are read-only so a shared scope (a role's policy) cannot be widened
 * by whoever holds a reference to it.
 */
export interface Scope {
  context: ScopeContext;
  type: string;
  permissions: ReadonlySet<Permission>;
}

/** A scope that was refused, with a reason a developer can act on. */
export interface IgnoredScope {
  text: string;
  reason: string;
}

/**
 * The outcome of parsing a `scope` parameter: the resource scopes we honour, the non-resource
 * scopes we recognise (`openid`, `launch/patient`, ...) and everything else, which grants nothing.
 */
export interface ParsedScopes {
  scopes: Scope[];
  other: string[];
  ignored: IgnoredScope[];
}

/**
 * Non-resource scopes from SMART App Launch and OpenID Connect. They grant no FHIR access; the
 * authorization server acts on them (identity, launch context, refresh tokens).
 */
const otherScopes: ReadonlySet<string> = new Set([
  'openid',
  'fhirUser',
  'profile',
  'launch',
  'launch/patient',
  'launch/encounter',
  'offline_access',
  'online_access',
]);

// SMART v1 permission words and their v2 equivalents.
const v1Aliases: Readonly<Record<string, readonly Permission[]>> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

function isContext(text: string): text is ScopeContext {
  return text === 'patient' || text === 'user' || text === 'system';
}

// A FHIR resource type name: an upper-case letter then letters, as in the R4 type list.
const resourceTypePattern = /^[A-Z][A-Za-z]{0,63}$/;

// v2 permissions: a non-empty subsequence of "cruds", each letter at most once, in that order.
const v2PermissionPattern = /^(?=.)c?r?u?d?s?$/;

/** The result of parsing one scope: the scope, or why it grants nothing. */
export type ScopeParseResult = { ok: true; scope: Scope } | { ok: false; reason: string };

/**
 * Parses one resource scope. Returns the scope, or the reason it grants nothing. A scope that is
 * not understood is refused rather than guessed at, so a typo can only ever grant less.
 */
export function parseScope(text: string): ScopeParseResult {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, reason: 'not a resource scope (expected context/Type.perms)' };
  const context = text.slice(0, slash);
  if (!isContext(context)) {
    return { ok: false, reason: `unknown context "${context}" (expected patient, user or system)` };
  }
  const rest = text.slice(slash + 1);
  if (rest.includes('?')) {
    // Granular scopes (v2 `?param=value`) narrow access by search parameters we do not yet
    // enforce; honouring them without the filter would widen access, so they are refused.
    return { ok: false, reason: 'granular scopes (?param=value) are not supported' };
  }
  const dot = rest.lastIndexOf('.');
  if (dot < 0) return { ok: false, reason: 'missing ".permissions" after the resource type' };
  const type = rest.slice(0, dot);
  const perms = rest.slice(dot + 1);
  if (type !== '*' && !resourceTypePattern.test(type)) {
    return { ok: false, reason: `"${type}" is not a resource type or "*"` };
  }
  const alias = v1Aliases[perms];
  if (alias) return { ok: true, scope: { context, type, permissions: new Set(alias) } };
  if (!v2PermissionPattern.test(perms)) {
    return {
      ok: false,
      reason: `permissions "${perms}" must be letters of "cruds" in that order (or read, write, *)`,
    };
  }
  const permissions = new Set(permissionOrder.filter((p) => perms.includes(p)));
  return { ok: true, scope: { context, type, permissions } };
}

/**
 * Parses a space-separated `scope` parameter (RFC 6749 §3.3). Never throws: unknown and malformed
 * scopes land in `ignored` so the caller can report them, and grant nothing.
 */
export function parseScopes(spaceSeparated: string): ParsedScopes {
  const result: ParsedScopes = { scopes: [], other: [], ignored: [] };
  for (const text of spaceSeparated.split(/[ \t\r\n]+/)) {
    if (text === '') continue;
    if (otherScopes.has(text)) {
      result.other.push(text);
      continue;
    }
    const parsed = parseScope(text);
    if (parsed.ok) result.scopes.push(parsed.scope);
    else result.ignored.push({ text, reason: parsed.reason });
  }
  return result;
}

/**
 * The SMART permission an interaction needs. History of one resource is reading it; history of a
 * type enumerates resources, so it needs search like a search does.
 */
export function permissionFor(interaction: Interaction): Permission {
  switch (interaction) {
    case 'read':
    case 'vread':
    case 'history-instance':
      return 'r';
    case 'search-type':
    case 'history-type':
      return 's';
    case 'create':
      return 'c';
    case 'update':
    case 'patch':
      return 'u';
    case 'delete':
      return 'd';
  }
}

/**
 * The contexts of the scopes that allow `interaction` on `type`, each once, in the order first
 * granted. Empty means refused. Several contexts can match (`patient/*.rs` and `user/Patient.rs`);
 * the caller narrows by the widest one it can establish (see `compartmentOf`).
 */
export function scopesPermit(
  scopes: readonly Scope[],
  type: string,
  interaction: Interaction,
): ScopeContext[] {
  const needed = permissionFor(interaction);
  const found: ScopeContext[] = [];
  for (const scope of scopes) {
    if ((scope.type === '*' || scope.type === type) && scope.permissions.has(needed)) {
      if (!found.includes(scope.context)) found.push(scope.context);
    }
  }
  return found;
}

/**
 * Scopes granting only what both `a` and `b` grant: for a token, the client's requested or
 * registered scopes intersected with the user's role scopes. Types meet (`*` with `Patient` is
 * `Patient`) and permissions intersect. Contexts must be equal: `patient/` and `user/` are
 * narrowed against different things, so neither is taken to imply the other. The result is
 * merged so each (context, type) appears once.
 */
export function intersectScopes(a: readonly Scope[], b: readonly Scope[]): Scope[] {
  const met: Scope[] = [];
  for (const x of a) {
    for (const y of b) {
      if (x.context !== y.context) continue;
      let type: string;
      if (x.type === y.type || y.type === '*') type = x.type;
      else if (x.type === '*') type = y.type;
      else continue;
      const permissions = new Set(
        permissionOrder.filter((p) => x.permissions.has(p) && y.permissions.has(p)),
      );
      if (permissions.size > 0) met.push({ context: x.context, type, permissions });
    }
  }
  return mergeScopes(met);
}

/**
 * Merges scopes with the same context and type (permissions unite), drops a typed scope whose
 * permissions the same context's `*` scope already grants, and drops scopes granting nothing.
 * First-seen order is kept. What is permitted does not change; the text just gets shorter.
 */
export function mergeScopes(scopes: readonly Scope[]): Scope[] {
  const byKey = new Map<
    string,
    { context: ScopeContext; type: string; permissions: Set<Permission> }
  >();
  for (const scope of scopes) {
    const key = `${scope.context}/${scope.type}`;
    let entry = byKey.get(key);
    if (!entry) {
      entry = { context: scope.context, type: scope.type, permissions: new Set() };
      byKey.set(key, entry);
    }
    for (const p of scope.permissions) entry.permissions.add(p);
  }
  const merged: Scope[] = [];
  for (const entry of byKey.values()) {
    if (entry.permissions.size === 0) continue;
    const wildcard = entry.type === '*' ? undefined : byKey.get(`${entry.context}/*`);
    if (wildcard && [...entry.permissions].every((p) => wildcard.permissions.has(p))) continue;
    merged.push({ context: entry.context, type: entry.type, permissions: entry.permissions });
  }
  return merged;
}

/** One scope as canonical SMART v2 text, e.g. `patient/Appointment.rs`. */
export function formatScope(scope: Scope): string {
  const perms = permissionOrder.filter((p) => scope.permissions.has(p)).join('');
  return `${scope.context}/${scope.type}.${perms}`;
}

/**
 * Scopes as a canonical space-separated v2 `scope` value. Scopes without permissions are left
 * out: `patient/X.` would be malformed, and they grant nothing anyway.
 */
export function formatScopes(scopes: readonly Scope[]): string {
  return scopes
    .filter((s) => s.permissions.size > 0)
    .map(formatScope)
    .join(' ');
}
