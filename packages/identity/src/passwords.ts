import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * scrypt cost parameters. scrypt is memory-hard (about 128·N·r bytes per hash), which makes
 * guessing on GPUs and ASICs expensive if the user table ever leaks.
 */
export interface ScryptParameters {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
}

/**
 * What new hashes use: N=2^15, r=8, p=1 (32 MiB, tens of milliseconds), the OWASP
 * recommendation for scrypt. Raise these and `needsRehash` starts upgrading hashes at login.
 */
export const currentScryptParameters: Readonly<ScryptParameters> = { N: 2 ** 15, r: 8, p: 1 };

const saltBytes = 16;
const keyBytes = 32;

// Bounds on parameters read back from storage. A stored hash is data: a tampered or corrupt row
// claiming N=2^30 must not make one login attempt allocate gigabytes or spin for minutes.
// 128 MiB is four times today's cost: room to raise parameters, not enough to exhaust a host.
const limits = { minN: 2 ** 10, maxMemory: 128 * 2 ** 20, maxP: 16, minKey: 16, maxKey: 64 };

interface StoredHash extends ScryptParameters {
  salt: Buffer;
  hash: Buffer;
}

const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/;

// Buffer.from(text, 'base64') skips characters it does not understand, so a corrupted value
// would decode to something; check the alphabet and round-trip first.
function decodeBase64(text: string): Buffer | undefined {
  if (!base64Pattern.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

function parseStored(stored: string): StoredHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [, nText = '', rText = '', pText = '', saltText = '', hashText = ''] = parts;
  if (![nText, rText, pText].every((t) => /^[1-9][0-9]{0,9}$/.test(t))) return undefined;
  const N = Number(nText);
  const r = Number(rText);
  const p = Number(pText);
  const powerOfTwo = (N & (N - 1)) === 0;
  if (!powerOfTwo || N < limits.minN || 128 * N * r > limits.maxMemory || p > limits.maxP) {
    return undefined;
  }
  const salt = decodeBase64(saltText);
  const hash = decodeBase64(hashText);
  if (!salt || !hash || hash.length < limits.minKey || hash.length > limits.maxKey) {
    return undefined;
  }
  return { N, r, p, salt, hash };
}

// NFKC so that the same password typed on two keyboards (composed or decomposed accents,
// full-width digits) hashes the same, as NIST SP 800-63B recommends. Changing this later would
// lock users out, so it is fixed here.
function passwordBytes(password: string): Buffer {
  return Buffer.from(password.normalize('NFKC'), 'utf8');
}

// The callback form runs on libuv's thread pool, so hashing never blocks the event loop.
function derive(password: Buffer, salt: Buffer, keylen: number, params: ScryptParameters) {
  // Node refuses when 128·N·r reaches maxmem (32 MiB by default, exactly our current cost), so
  // allow twice the need.
  const options: ScryptOptions = { ...params, maxmem: 2 * 128 * params.N * params.r };
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password, salt, keylen, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/**
 * Hashes a password with scrypt and a fresh 16-byte salt, as
 * `scrypt$N$r$p$saltBase64$hashBase64`. Length and strength rules are the caller's policy.
 */
export async function hashPassword(password: string): Promise<string> {
  const params = currentScryptParameters;
  const salt = randomBytes(saltBytes);
  const hash = await derive(passwordBytes(password), salt, keyBytes, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), hash.toString('base64')]
    .map(String)
    .join('$');
}

/**
 * Whether `password` matches `stored`. Compares in constant time. A stored value in an unknown
 * or out-of-bounds format yields false rather than an error, so a corrupt row cannot be told
 * apart from a wrong password by the client.
 *
 * When the account does not exist, verify against a throwaway hash anyway, so response time
 * does not reveal which accounts exist.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStored(stored);
  if (!parsed) return false;
  const candidate = await derive(passwordBytes(password), parsed.salt, parsed.hash.length, parsed);
  return timingSafeEqual(candidate, parsed.hash);
}

/**
 * Whether a stored hash should be replaced (after a successful login, while the password is at
 * hand): its parameters, salt or key are weaker than what new hashes get, or it is unreadable.
 */
export function needsRehash(stored: string): boolean {
  const parsed = parseStored(stored);
  if (!parsed) return true;
  const current = currentScryptParameters;
  return (
    parsed.N < current.N ||
    parsed.r < current.r ||
    parsed.p < current.p ||
    parsed.salt.length < saltBytes ||
    parsed.hash.length < keyBytes
  );
}
