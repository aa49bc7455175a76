import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { currentScryptParameters, hashPassword, needsRehash, verifyPassword } from './passwords.js';

// A hash with weaker (but still accepted) parameters, as an older release would have written.
function legacyHash(password: string, N: number): string {
  const salt = Buffer.alloc(16, 7);
  const hash = scryptSync(password, salt, 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 });
  return `scrypt$${N}$8$1$${salt.toString('base64')}$${hash.toString('base64')}`;
}

describe('passwords', () => {
  it('hashes in the documented format with a fresh salt', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    const parts = a.split('$');
    expect(parts.slice(0, 4)).toEqual(['scrypt', '32768', '8', '1']);
    expect(Buffer.from(parts[4] ?? '', 'base64')).toHaveLength(16);
    expect(Buffer.from(parts[5] ?? '', 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', stored)).toBe(false);
    expect(await verifyPassword('Correct horse battery staple', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('treats composed and decomposed accents as the same password', async () => {
    const stored = await hashPassword('caf\u00e9');
    expect(await verifyPassword('cafe\u0301', stored)).toBe(true);
  });

  it('refuses a tampered hash', async () => {
    const stored = await hashPassword('secret');
    const parts = stored.split('$');
    const hash = Buffer.from(parts[5] ?? '', 'base64');
    hash[0] = (hash[0] ?? 0) ^ 1;
    const tamperedHash = [...parts.slice(0, 5), hash.toString('base64')].join('$');
    expect(await verifyPassword('secret', tamperedHash)).toBe(false);

    const salt = Buffer.from(parts[4] ?? '', 'base64');
    salt[0] = (salt[0] ?? 0) ^ 1;
    const tamperedSalt = [...parts.slice(0, 4), salt.toString('base64'), parts[5]].join('$');
    expect(await verifyPassword('secret', tamperedSalt)).toBe(false);

    const tamperedCost = stored.replace('$32768$', '$16384$');
    expect(await verifyPassword('secret', tamperedCost)).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['another scheme', '$2b$12$abcdefghijklmnopqrstuv'],
    ['too few fields', 'scrypt$32768$8$1$AAAA'],
    [
      'N not a power of two',
      'scrypt$30000$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    ],
    [
      'N too costly',
      'scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    ],
    ['not base64', 'scrypt$32768$8$1$!!!!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='],
    [
      'leading zero',
      'scrypt$032768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    ],
  ])('returns false for an unknown format (%s)', async (_, stored) => {
    expect(await verifyPassword('secret', stored)).toBe(false);
    expect(needsRehash(stored)).toBe(true);
  });

  it('verifies hashes made with older parameters and asks for a rehash', async () => {
    const old = legacyHash('secret', 2 ** 14);
    expect(await verifyPassword('secret', old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
    expect(needsRehash(await hashPassword('secret'))).toBe(false);
    expect(needsRehash(legacyHash('secret', currentScryptParameters.N))).toBe(false);
  });

  it('does not block the event loop while hashing', async () => {
    let ticks = 0;
    const interval = setInterval(() => ticks++, 1);
    await hashPassword('secret');
    clearInterval(interval);
    expect(ticks).toBeGreaterThan(0);
  });
});
