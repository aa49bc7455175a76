/**
 * `npm run bench`: a bounded loopback benchmark of the gateway. It starts its own PostgreSQL
 * and gateway, seeds a tenant, measures read / search / create over HTTP and the same queries
 * on raw `pg`, compares partitioned with flat reads, and prints figures. It asserts nothing.
 */
import { cpus, loadavg } from 'node:os';
import { adminToken } from './access-token.js';
import { startCpuProfile } from './cpu-profile.js';
import { appointment, midnight, pick } from './fixtures.js';
import { createFlatCopy, flatReadFunction } from './flat-copy.js';
import { startGateway, type GatewayUnderTest } from './gateway-under-test.js';
import { runHttpScenario } from './http-load.js';
import type { HttpLoad, HttpResult } from './http-scenarios.js';
import { measureLoops, type LoopResult } from './loops.js';
import { sampleMemory, type MemorySample } from './memory.js';
import { dataset, readOptions } from './options.js';
import { analyze, partitionsUsed } from './owner-sql.js';
import { appPool, insert, readById, search } from './raw-pg.js';
import { renderReport, type ScenarioFigures } from './report.js';
import { seed } from './seed.js';

const started = performance.now();
const elapsed = (): string => ((performance.now() - started) / 1000).toFixed(1).padStart(6);
function say(line: string): void {
  process.stdout.write(`[${elapsed()} s] ${line}\n`);
}
const brief = (r: HttpResult | LoopResult): string => {
  const n = 'requests' in r ? r.requests : r.operations;
  return `${Math.round(r.perSecond)}/s (${n} in ${r.seconds.toFixed(1)} s), p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms`;
};

async function main(): Promise<void> {
  const options = readOptions();
  const { tenant } = dataset;
  const perScenario = options.warmupSeconds + options.seconds;
  say(
    `bench: ${options.connections} connections, ${options.warmupSeconds} s warm-up + ${options.seconds} s per scenario, ` +
      `storage ${options.databaseUrl ? 'BENCH_DATABASE_URL (new database)' : 'embedded PostgreSQL (new temp dir)'}` +
      (options.cpuProfileDir ? `, CPU profiles to ${options.cpuProfileDir}` : ''),
  );
  say(
    `machine: ${cpus().length} CPUs shared by the gateway, PostgreSQL and the load generator; ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} at start (other work on the machine skews every figure)`,
  );
  // Everything below is bounded by durations; this only guards against a hang.
  const watchdog = setTimeout(
    () => {
      say('watchdog: the run took far longer than planned; exiting');
      process.exit(2);
    },
    (120 + 10 * perScenario) * 1000,
  );
  watchdog.unref();

  // Start-up (FHIR definitions) and seeding are outside the HTTP window; this sees them too.
  const lifetimeMemory = sampleMemory(100);
  const gateway: GatewayUnderTest = await startGateway(options, tenant);
  const stopOnSignal = (signal: NodeJS.Signals): void => {
    say(`${signal}: stopping`);
    void gateway.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  const raw = appPool(gateway.ownerUrl, options.connections);
  try {
    say(`gateway listening on ${gateway.url}, pool ${gateway.config.poolSize}`);

    const now = Date.now();
    const seedStart = performance.now();
    const seeded = await seed(gateway.runtime.engine, tenant, now);
    await analyze(gateway.ownerUrl);
    const partitions = await partitionsUsed(gateway.ownerUrl, tenant);
    say(
      `seeded ${seeded.practitioners.length} Practitioners, ${seeded.patients.length} Patients, ` +
        `${seeded.appointments.length} Appointments over ${partitions} monthly partitions through the engine ` +
        `in ${((performance.now() - seedStart) / 1000).toFixed(1)} s; ANALYZE done`,
    );

    // Weeks that start and end inside the seeded year.
    const firstDay = midnight(now, -dataset.spreadDays);
    const days = 2 * dataset.spreadDays + 1 - 7;
    const createBody = appointment(
      pick(seeded.patients),
      pick(seeded.practitioners),
      new Date(midnight(now, 1) + 10 * 3_600_000),
    );

    // Each scenario runs over HTTP and then on raw pg before the next one, so both see the same
    // data (the creates add rows that searches would otherwise scan).
    const scenarios: { name: ScenarioFigures['name']; load: HttpLoad; raw: () => Promise<void> }[] =
      [
        {
          name: 'read',
          load: { kind: 'read', appointmentIds: seeded.appointments },
          raw: readById(raw, tenant, seeded.appointments),
        },
        {
          name: 'search',
          load: { kind: 'search', practitionerIds: seeded.practitioners, firstDay, days },
          raw: search(raw, tenant, seeded.practitioners, firstDay, days),
        },
        {
          name: 'create',
          load: { kind: 'create', body: JSON.stringify(createBody) },
          raw: insert(raw, tenant, createBody),
        },
      ];
    const authorization = `Bearer ${await adminToken(gateway.runtime, gateway.url, tenant)}`;
    const measure = (operation: () => Promise<void>): Promise<LoopResult> =>
      measureLoops(options.connections, options.seconds, options.warmupSeconds, operation);
    const figures: ScenarioFigures[] = [];
    const memory: MemorySample = { firstMb: 0, peakMb: 0, peakHeapMb: 0, samples: 0 };
    for (const scenario of scenarios) {
      const { name } = scenario;
      // The profile spans the warm-up too; the figures of a profiled run are a little lower.
      const profile = options.cpuProfileDir
        ? await startCpuProfile(options.cpuProfileDir, name)
        : undefined;
      const sampler = sampleMemory(100);
      const http = await runHttpScenario({
        name,
        url: gateway.url,
        base: `/t/${tenant}/fhir/R4`,
        authorization,
        connections: options.connections,
        seconds: options.seconds,
        warmupSeconds: options.warmupSeconds,
        load: scenario.load,
      });
      const sampled = sampler.stop();
      memory.firstMb ||= sampled.firstMb;
      memory.peakMb = Math.max(memory.peakMb, sampled.peakMb);
      memory.peakHeapMb = Math.max(memory.peakHeapMb, sampled.peakHeapMb);
      memory.samples += sampled.samples;
      if (profile) {
        say(`cpu profile of the gateway: ${await profile.stop()}`);
      }
      say(`http ${name.padEnd(6)} ${brief(http)}, non-2xx ${http.non2xx}, errors ${http.errors}`);
      const rawResult = await measure(scenario.raw);
      say(`raw  ${name.padEnd(6)} ${brief(rawResult)}, errors ${rawResult.errors}`);
      figures.push({ name, http, raw: rawResult });
    }

    const rows = await createFlatCopy(gateway.ownerUrl, tenant);
    say(`appointment_flat: ${rows} rows copied, primary key (tenant, id), same RLS policy`);
    const partitioned = await measure(readById(raw, tenant, seeded.appointments));
    say(`raw  read partitioned ${brief(partitioned)}`);
    const flat = await measure(readById(raw, tenant, seeded.appointments, flatReadFunction));
    say(`raw  read flat        ${brief(flat)}`);

    process.stdout.write(
      `\n${renderReport({
        scenarios: figures,
        memory: { http: memory, lifetime: lifetimeMemory.stop() },
        partition: { partitioned, flat, rows, partitions },
      })}\n\n`,
    );
  } finally {
    await raw.end();
    await gateway.stop();
    process.removeListener('SIGINT', stopOnSignal);
    process.removeListener('SIGTERM', stopOnSignal);
    clearTimeout(watchdog);
    say('stopped: gateway, pools, PostgreSQL, temporary data');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
