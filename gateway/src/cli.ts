import { parseArgs } from 'node:util';
import { ConfigError, readConfig } from './config.js';
import { demoTenant, seedDemo } from './demo-seed.js';
import { createLogger } from './logger.js';
import { openRuntime } from './runtime.js';
import { listen } from './server.js';

const usage = `Usage: swiftacare <command>

Commands:
  serve                         run the gateway (embedded PostgreSQL unless DATABASE_URL is set)
  migrate                       apply pending database migrations and exit
  tenant create <id> [--name N] create an institution
  help                          show this text

Configuration is read from the environment: PORT, HOST, DATABASE_URL, SWIFTACARE_DATA_DIR,
SWIFTACARE_PUBLIC_URL, SWIFTACARE_BODY_LIMIT, DATABASE_POOL_SIZE, LOG_LEVEL (see README).
`;

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function serve(): Promise<void> {
  const config = readConfig();
  const log = createLogger(config.logLevel);
  const runtime = await openRuntime(config, log);
  if (runtime.embedded && (await seedDemo(runtime.backend.tenants, runtime.engine))) {
    log.info({ tenant: demoTenant }, 'demo tenant created');
  }
  const server = await listen(config, runtime, log);
  log.info({ url: server.url }, 'gateway listening');
  const base = `${server.url}/t/${demoTenant}/fhir/R4`;
  say(
    [
      '',
      `Swiftacare gateway is running at ${server.url}`,
      runtime.embedded
        ? `  storage:  embedded PostgreSQL in ${runtime.embedded.dataDir}`
        : '  storage:  DATABASE_URL',
      `  FHIR base of the demo institution: ${base}`,
      '  Try:',
      `    curl ${base}/metadata`,
      `    curl '${base}/Practitioner?name=okafor'`,
      `    curl '${base}/Slot?status=free&_count=5'`,
      `    curl '${base}/Appointment?_include=Appointment:patient'`,
      '  Login: none yet; the gateway listens on loopback only until token authentication lands.',
      '  Stop with Ctrl+C.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.close().then(
      () => {
        log.flush();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => {
    stop('SIGINT');
  });
  process.on('SIGTERM', () => {
    stop('SIGTERM');
  });
}

async function withRuntime(
  work: (runtime: Awaited<ReturnType<typeof openRuntime>>) => Promise<void>,
): Promise<void> {
  const config = readConfig();
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const runtime = await openRuntime(config, log);
  try {
    await work(runtime);
  } finally {
    await runtime.stop();
  }
}

/** Runs the `swiftacare` command with its arguments (without node and the script). */
export async function main(args: readonly string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { name: { type: 'string' } },
  });
  const [command, sub, id] = positionals;
  try {
    switch (command) {
      case 'serve':
        await serve();
        return -1;
      case 'migrate':
        // Opening the runtime applies every pending migration.
        await withRuntime(async () => {
          say('Migrations are up to date.');
          return Promise.resolve();
        });
        return 0;
      case 'tenant':
        if (sub !== 'create' || !id) {
          say(usage);
          return 2;
        }
        await withRuntime(async (runtime) => {
          const tenant = await runtime.backend.tenants.create(id, values.name ?? id);
          say(`Created tenant ${tenant.id}; its FHIR base is /t/${tenant.id}/fhir/R4`);
        });
        return 0;
      case undefined:
      case 'help':
        say(usage);
        return command === undefined ? 2 : 0;
      default:
        say(`Unknown command "${command}".\n\n${usage}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
