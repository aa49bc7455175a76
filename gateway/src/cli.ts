import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { hashPassword, isRole, newSecret, secretHash } from '@swiftacare/identity';
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
  client create <tenant> <client-id> --scope S [--secret X | --jwks-url U] [--name N]
                                register a system client (prints a generated secret if none given)
  user create <tenant> <email> --role R [--password P] [--fhir-user Practitioner/id]
               [--identifier system|value]
                                create a user (roles: institution-admin, institution-staff,
                                practitioner, patient, platform-operator)
  audit verify <tenant>         check the tenant's audit hash chain; exit 1 if it is broken
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
  if (
    runtime.embedded &&
    (await seedDemo(runtime.backend.tenants, runtime.engine, runtime.backend.identities))
  ) {
    log.info({ tenant: demoTenant }, 'demo tenant created');
  }
  const server = await listen(config, runtime, log);
  log.info({ url: server.url }, 'gateway listening');
  const root = `${server.url}/t/${demoTenant}`;
  const base = `${root}/fhir/R4`;
  say(
    [
      '',
      `Swiftacare gateway is running at ${server.url}`,
      runtime.embedded
        ? `  storage:  embedded PostgreSQL in ${runtime.embedded.dataDir}`
        : '  storage:  DATABASE_URL',
      `  FHIR base of the demo institution: ${base}`,
      ...(runtime.embedded
        ? [
            '  Sign in (demo users, password "demo"): admin@demo.test, staff@demo.test,',
            '  therapist@demo.test, patient@demo.test; system client demo-system / demo-secret.',
            '  Try:',
            `    curl ${base}/metadata`,
            `    TOKEN=$(curl -s ${root}/auth/login -H 'content-type: application/json' \\`,
            `      -d '{"email":"therapist@demo.test","password":"demo"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
            `    curl -H "Authorization: Bearer $TOKEN" '${base}/Appointment?_include=Appointment:patient'`,
            `    curl -s -u demo-system:demo-secret -d grant_type=client_credentials ${root}/oauth2/token`,
          ]
        : []),
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
    options: {
      name: { type: 'string' },
      scope: { type: 'string' },
      secret: { type: 'string' },
      'jwks-url': { type: 'string' },
      role: { type: 'string' },
      password: { type: 'string' },
      'fhir-user': { type: 'string' },
      identifier: { type: 'string', multiple: true },
    },
  });
  const [command, sub, id, fourth] = positionals;
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
      case 'client':
        if (sub !== 'create' || !id || !fourth || !values.scope) {
          say(usage);
          return 2;
        }
        await withRuntime(async (runtime) => {
          const secret = values['jwks-url'] ? undefined : (values.secret ?? newSecret());
          await runtime.backend.identities.createClient(id, {
            clientId: fourth,
            name: values.name ?? fourth,
            scope: values.scope ?? '',
            active: true,
            ...(secret ? { secretHash: secretHash(secret) } : {}),
            ...(values['jwks-url'] ? { jwksUrl: values['jwks-url'] } : {}),
          });
          say(`Created client ${fourth} in ${id} with scope "${values.scope ?? ''}"`);
          if (secret && !values.secret) {
            say(`Its secret (shown once, store it now): ${secret}`);
          }
        });
        return 0;
      case 'user':
        if (sub !== 'create' || !id || !fourth || !isRole(values.role)) {
          say(usage);
          return 2;
        }
        await withRuntime(async (runtime) => {
          await runtime.backend.identities.createUser(id, {
            id: randomUUID(),
            email: fourth,
            role: values.role ?? '',
            identifiers: values.identifier ?? [],
            active: true,
            ...(values.password ? { passwordHash: await hashPassword(values.password) } : {}),
            ...(values['fhir-user'] ? { fhirUser: values['fhir-user'] } : {}),
          });
          say(`Created user ${fourth} (${values.role ?? ''}) in ${id}`);
        });
        return 0;
      case 'audit': {
        if (sub !== 'verify' || !id) {
          say(usage);
          return 2;
        }
        let ok = false;
        await withRuntime(async (runtime) => {
          const report = await runtime.backend.audit.verify(id);
          ok = report.ok;
          say(
            report.ok
              ? `Audit chain of ${id} is intact: ${report.checked} records checked`
              : `Audit chain of ${id} is BROKEN at record ${report.firstBrokenSeq ?? '?'} (${report.problem ?? 'unknown'}); ${report.checked} records checked`,
          );
        });
        return ok ? 0 : 1;
      }
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
