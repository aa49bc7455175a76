import type { Cache } from '@swiftacare/cache';
import type { Principal } from '@swiftacare/identity';

/** How long a break-glass grant lasts. */
export const breakGlassSeconds = 60 * 60;

/** A practitioner's stated reason to reach one patient outside their compartment, for a while. */
export interface BreakGlassGrant {
  patient: string;
  reason: string;
  /** Epoch milliseconds. */
  until: number;
}

function keyOf(principal: Principal): string {
  return `break-glass:${principal.tenant}:${principal.subject}`;
}

/** The caller's grants still in force. */
export async function activeGrants(cache: Cache, principal: Principal): Promise<BreakGlassGrant[]> {
  const stored = await cache.get(keyOf(principal));
  const now = Date.now();
  return stored ? (JSON.parse(stored) as BreakGlassGrant[]).filter((g) => g.until > now) : [];
}

/**
 * Records a grant. It ends by itself after {@link breakGlassSeconds}; every access made while
 * it is in force is audited as an emergency override with the reason given.
 * Limitation: grants live in the cache only; losing Redis ends them early (never extends them).
 */
export async function grantBreakGlass(
  cache: Cache,
  principal: Principal,
  patient: string,
  reason: string,
): Promise<BreakGlassGrant> {
  const grant = { patient, reason, until: Date.now() + breakGlassSeconds * 1000 };
  const grants = [
    ...(await activeGrants(cache, principal)).filter((g) => g.patient !== patient),
    grant,
  ];
  await cache.set(keyOf(principal), JSON.stringify(grants), breakGlassSeconds);
  return grant;
}
