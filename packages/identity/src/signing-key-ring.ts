import type { JSONWebKeySet } from 'jose';
import type { IdentityStore, StoredSigningKey } from './identity-store.js';
import { generateSigningKey, publicJwks } from './signing-keys.js';

// Keys change only on rotation; a process re-reads them this often, so a rotation made by
// another process is picked up within a minute.
const refreshMs = 60_000;
// A retired key stays published this long: longer than any token it signed can live.
const retiredKeyGraceMs = 60 * 60_000;

/**
 * The signing keys of every tenant, read from the store and held in memory. The first token
 * of a tenant creates its first key.
 */
export class SigningKeyRing {
  private readonly cached = new Map<string, { keys: StoredSigningKey[]; until: number }>();
  // One key set object per tenant while its published keys stay the same: verification caches
  // the imported keys per object, so a new object each call would import them again each time.
  private readonly published = new Map<string, { kids: string; jwks: JSONWebKeySet }>();

  constructor(private readonly store: IdentityStore) {}

  private async keys(tenant: string): Promise<StoredSigningKey[]> {
    const hit = this.cached.get(tenant);
    if (hit && hit.until > Date.now()) {
      return hit.keys;
    }
    const keys = await this.store.signingKeys(tenant);
    this.cached.set(tenant, { keys, until: Date.now() + refreshMs });
    return keys;
  }

  /** The key new tokens of the tenant are signed with (the newest active one). */
  async active(tenant: string): Promise<StoredSigningKey> {
    const current = (await this.keys(tenant)).filter((k) => !k.retiredAt).at(-1);
    if (current) {
      return current;
    }
    const fresh = await generateSigningKey();
    await this.store.addSigningKey(tenant, fresh);
    this.cached.delete(tenant);
    return (
      (await this.keys(tenant)).filter((k) => !k.retiredAt).at(-1) ?? {
        ...fresh,
        createdAt: new Date().toISOString(),
      }
    );
  }

  /** The public keys clients and the gateway verify tokens with, retired ones included for a while. */
  async jwks(tenant: string): Promise<JSONWebKeySet> {
    const now = Date.now();
    const published = (await this.keys(tenant)).filter(
      (k) => !k.retiredAt || Date.parse(k.retiredAt) + retiredKeyGraceMs > now,
    );
    const kids = published.map((k) => k.kid).join(' ');
    const known = this.published.get(tenant);
    if (known?.kids === kids) {
      return known.jwks;
    }
    const jwks = publicJwks(published.map((k) => k.publicJwk));
    this.published.set(tenant, { kids, jwks });
    return jwks;
  }

  /**
   * Starts signing with a new key and retires the old ones. Tokens signed before stay valid
   * until they expire, because retired keys are still published.
   */
  async rotate(tenant: string): Promise<string> {
    const old = (await this.store.signingKeys(tenant)).filter((k) => !k.retiredAt);
    const fresh = await generateSigningKey();
    await this.store.addSigningKey(tenant, fresh);
    for (const k of old) {
      await this.store.retireSigningKey(tenant, k.kid);
    }
    this.cached.delete(tenant);
    return fresh.kid;
  }
}
