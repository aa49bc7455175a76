import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A new random secret: client secrets and refresh tokens. 32 random bytes need no slow hash:
 * nobody can guess them, so a plain SHA-256 at rest is enough, and checking one stays cheap.
 */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** How a high-entropy secret is stored. */
export function secretHash(secret: string): string {
  return `sha256$${createHash('sha256').update(secret).digest('base64url')}`;
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(secret: string, stored: string): boolean {
  const expected = Buffer.from(stored);
  const actual = Buffer.from(secretHash(secret));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
