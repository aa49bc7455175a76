import { isIP } from 'node:net';

/** How the gateway is configured: environment variables, as Node servers are. */
export interface GatewayConfig {
  /** `PORT`, default 8080. */
  port: number;
  /** `HOST`, default 127.0.0.1; another address only with DATABASE_URL (no demo sign-ins). */
  host: string;
  /** `DATABASE_URL`; absent means the embedded PostgreSQL. */
  databaseUrl?: string;
  /** `REDIS_URL`; absent means an in-process cache (one gateway process only). */
  redisUrl?: string;
  /** `SWIFTACARE_DATA_DIR`, default `./.swiftacare`: the embedded server's folder. */
  dataDir: string;
  /** True when the data folder was given rather than defaulted. */
  dataDirGiven: boolean;
  /** `SWIFTACARE_PUBLIC_URL`: the origin clients use, for links; default from the request. */
  publicUrl?: string;
  /** `SWIFTACARE_BODY_LIMIT`, bytes, default 1 MiB; larger request bodies answer 413. */
  bodyLimit: number;
  /** `DATABASE_POOL_SIZE`, default 10. */
  poolSize: number;
  /** `LOG_LEVEL`, default info. */
  logLevel: string;
  /** `SWIFTACARE_RATE_LIMIT`: requests a minute per caller (4× per address); 0 turns it off. */
  rateLimit: number;
}

/** A configuration value that cannot be used; the message names the variable. */
export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = env[name];
  if (text === undefined || text === '') {
    return fallback;
  }
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return n;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

const logLevels = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Reads and checks the configuration; the first bad value throws a {@link ConfigError}. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const host = env.HOST && env.HOST !== '' ? env.HOST : '127.0.0.1';
  const databaseUrl = env.DATABASE_URL && env.DATABASE_URL !== '' ? env.DATABASE_URL : undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// or postgresql:// URL');
  }
  if (!isLoopback(host) && databaseUrl === undefined) {
    // The embedded mode seeds demo users and a demo client whose passwords are in the README;
    // it must never be reachable from other machines.
    throw new ConfigError(
      'HOST',
      `may be "${host}" only with DATABASE_URL: the embedded mode has demo sign-ins with published ` +
        'passwords, so it listens on loopback (127.0.0.1, ::1 or localhost) only',
    );
  }
  const redisUrl = env.REDIS_URL && env.REDIS_URL !== '' ? env.REDIS_URL : undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  }
  const publicUrl =
    env.SWIFTACARE_PUBLIC_URL && env.SWIFTACARE_PUBLIC_URL !== ''
      ? env.SWIFTACARE_PUBLIC_URL
      : undefined;
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+$/.test(publicUrl)) {
    throw new ConfigError(
      'SWIFTACARE_PUBLIC_URL',
      'must be an origin like https://fhir.example.org (no path)',
    );
  }
  const logLevel = env.LOG_LEVEL && env.LOG_LEVEL !== '' ? env.LOG_LEVEL : 'info';
  if (!logLevels.has(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${[...logLevels].join(', ')}`);
  }
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host,
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(redisUrl ? { redisUrl } : {}),
    dataDir:
      env.SWIFTACARE_DATA_DIR && env.SWIFTACARE_DATA_DIR !== ''
        ? env.SWIFTACARE_DATA_DIR
        : './.swiftacare',
    dataDirGiven: Boolean(env.SWIFTACARE_DATA_DIR),
    ...(publicUrl ? { publicUrl } : {}),
    bodyLimit: integer(env, 'SWIFTACARE_BODY_LIMIT', 1024 * 1024, 1024, 64 * 1024 * 1024),
    poolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 200),
    rateLimit: integer(env, 'SWIFTACARE_RATE_LIMIT', 12_000, 0, 1_000_000_000),
    logLevel,
  };
}
