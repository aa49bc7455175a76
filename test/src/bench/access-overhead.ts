/**
 * `npm run bench:access`: what authentication, the access decision, rate limiting and the audit
 * trail add to a read by id. The same engine and data are served three ways in one process:
 * the bare read route (as it was before any of them existed), the gateway with its in-process
 * cache (the embedded default), and the gateway with Redis (the server deployment). Rounds
 * alternate the arms so drift in the machine's load falls on all of them alike.
 *
 * Cost is measured two ways. At one offered load (BENCH_RATE, default 1,000 requests a second)
 * for every arm: CPU time per request (this process, which holds the gateways, plus every
 * PostgreSQL and Redis process; the load generator is not counted), which other work on the
 * machine barely moves, and latency. Then at saturation: throughput, which other work moves a
 * lot, and which on two cores shared with the load generator is bound by latency as much as CPU. It asserts
 * nothing; it prints the figures.
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createLogger, listen, openRuntime, readConfig, type Runtime } from '@swiftacare/gateway';
import { listenBaselineRead } from '@swiftacare/gateway/baseline-read';
import { adminToken } from './access-token.js';
import { startCpuProfile } from './cpu-profile.js';
import { startEarlierBuild } from './earlier-build.js';
import { startGateway } from './gateway-under-test.js';
import { runHttpScenario } from './http-load.js';
import type { HttpResult } from './http-scenarios.js';
import { dataset, readOptions } from './options.js';
import { analyze } from './owner-sql.js';
import {
  cpuSecondsOfSelf,
  cpuSecondsOfTree,
  pidFromFile,
  snapshotTree,
  treeCpuBetween,
  type TreeSnapshot,
} from './process-cpu.js';
import { startRedis } from '../support/redis-server.js';
import { seed } from './seed.js';

/** The cost a target allows: an authenticated, audited read may cost this much more. */
const allowedOverhead = 0.15;
const rounds = Number(process.env.BENCH_ROUNDS ?? '5');
// Throughput moves with the machine's other load far more than CPU time does; fewer rounds.
const saturatedRounds = Math.min(rounds, 3);
// Below what every arm sustains on two shared cores, so all of them serve the same load.
const offeredRate = Number(process.env.BENCH_RATE ?? '1000');
// The process title of a PostgreSQL connection: `postgres: user database 127.0.0.1(port) state`.
const postgresConnection = /^postgres: \S+ \S+ 127\.0\.0\.1\(\d+\)/;

interface Arm {
  name: string;
  url: string;
  /** `Bearer …`, or empty for the baseline, which takes none. */
  authorization: string;
  /** The Appointments its database holds. */
  appointmentIds: string[];
  /** Saturated runs, for throughput. */
  results: HttpResult[];
  /** Runs at the offered rate, for latency and CPU. */
  paced: HttpResult[];
  /** CPU milliseconds per request of each round: gateway + PostgreSQL connections + Redis. */
  cpuMs: number[];
  /** The same, by where it was spent: [gateway, PostgreSQL connections, Redis] per round. */
  partsMs: number[][];
  /**
   * PostgreSQL's own processes (autovacuum, WAL writer, checkpointer) per request: the audit
   * trail's inserts cause some of it, but it runs when it likes, often in another arm's turn.
   */
  backgroundMs: number[];
}

const started = performance.now();
function say(line: string): void {
  const at = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`[${at} s] ${line}\n`);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

async function main(): Promise<void> {
  const options = readOptions();
  const { tenant } = dataset;
  say(
    `bench:access: ${options.connections} connections, ${rounds} rounds of ${options.warmupSeconds} s warm-up + ` +
      `${options.seconds} s per arm, paced at ${offeredRate}/s and then saturated; ${cpus().length} CPUs shared by gateway, PostgreSQL, Redis and the load ` +
      `generator; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} at start`,
  );
  const watchdog = setTimeout(
    () => {
      say('watchdog: the run took far longer than planned; exiting');
      process.exit(2);
    },
    (300 + (rounds + saturatedRounds) * 4 * (options.seconds + options.warmupSeconds + 5)) * 1000,
  );
  watchdog.unref();

  const gateway = await startGateway(options, tenant);
  const redis = startRedis();
  let redisRuntime: Runtime | undefined;
  const closers: (() => Promise<void>)[] = [];
  try {
    const seeded = await seed(gateway.runtime.engine, tenant, Date.now());
    await analyze(gateway.ownerUrl);
    say(`seeded ${seeded.appointments.length} Appointments; ANALYZE done`);

    const baseline = await listenBaselineRead({
      engine: gateway.runtime.engine,
      tenants: gateway.runtime.backend.tenants,
      logger: createLogger('warn', process.stderr),
    });
    closers.push(() => baseline.close());

    // The same database, served by a second gateway whose cache is Redis.
    const redisConfig = readConfig({
      PORT: '0',
      LOG_LEVEL: 'warn',
      DATABASE_POOL_SIZE: String(gateway.config.poolSize),
      SWIFTACARE_RATE_LIMIT: '1000000000',
      DATABASE_URL: gateway.ownerUrl,
      REDIS_URL: redis.url,
    });
    const log = createLogger('warn', process.stderr);
    const second = await openRuntime(redisConfig, log);
    redisRuntime = second;
    const withRedis = await listen(redisConfig, second, log);
    // Closing the server stops its runtime too.
    redisRuntime = undefined;
    closers.push(() => withRedis.close());

    const arm = (name: string, url: string, authorization: string, ids: string[]): Arm => ({
      name,
      url,
      authorization,
      appointmentIds: ids,
      results: [],
      paced: [],
      cpuMs: [],
      partsMs: [],
      backgroundMs: [],
    });
    const arms: Arm[] = [
      arm('baseline (no auth, no audit)', baseline.url, '', seeded.appointments),
      arm(
        'gateway, in-process cache',
        gateway.url,
        `Bearer ${await adminToken(gateway.runtime, gateway.url, tenant)}`,
        seeded.appointments,
      ),
      arm(
        'gateway, Redis',
        withRedis.url,
        `Bearer ${await adminToken(second, withRedis.url, tenant)}`,
        seeded.appointments,
      ),
    ];
    // Another checkout's gateway (the build before a change), on its own database of the same
    // server, seeded alike, and measured in the same rounds.
    const earlierDir = process.env.BENCH_EARLIER ?? '';
    let earlierArm: Arm | undefined;
    let earlierPid: number | undefined;
    if (earlierDir !== '') {
      const earlier = await startEarlierBuild(earlierDir, gateway.ownerUrl, tenant);
      closers.push(() => earlier.stop());
      earlierPid = earlier.pid;
      const ids = earlier.appointmentIds;
      earlierArm = arm(`earlier build (${earlierDir})`, earlier.url, '', ids);
      arms.push(earlierArm);
      say(`earlier build seeded: ${ids.length} Appointments`);
    }
    const postmaster = gateway.runtime.embedded
      ? pidFromFile(join(gateway.runtime.embedded.dataDir, 'postgres', 'postmaster.pid'))
      : undefined;
    const redisPid = pidFromFile(redis.pidFile);
    if (!postmaster) {
      say('BENCH_DATABASE_URL: the database server is not ours to watch; its CPU is not counted');
    }
    interface CpuMark {
      gateway: number;
      postgres: TreeSnapshot | undefined;
      redis: number;
    }
    // The earlier build serves from its own process; every other arm from this one.
    const mark = (of: Arm): CpuMark => ({
      gateway:
        of === earlierArm && earlierPid !== undefined
          ? cpuSecondsOfTree(earlierPid)
          : cpuSecondsOfSelf(),
      postgres: postmaster ? snapshotTree(postmaster, postgresConnection) : undefined,
      redis: cpuSecondsOfTree(redisPid),
    });
    // [gateway, PostgreSQL connections, PostgreSQL background, Redis] CPU seconds in between.
    const cpuBetween = (before: CpuMark, after: CpuMark): number[] => {
      const pg =
        before.postgres && after.postgres
          ? treeCpuBetween(before.postgres, after.postgres)
          : { total: 0, matching: 0 };
      return [
        after.gateway - before.gateway,
        pg.matching,
        pg.total - pg.matching,
        after.redis - before.redis,
      ];
    };
    const run = (arm: Arm, overallRate?: number, onMeasuring?: () => void): Promise<HttpResult> =>
      runHttpScenario(
        {
          name: arm.name,
          url: arm.url,
          base: `/t/${tenant}/fhir/R4`,
          authorization: arm.authorization,
          connections: options.connections,
          seconds: options.seconds,
          warmupSeconds: options.warmupSeconds,
          load: { kind: 'read', appointmentIds: arm.appointmentIds },
          ...(overallRate ? { overallRate } : {}),
        },
        onMeasuring,
      );
    // Paced rounds first, saturated ones after: a saturated run leaves the database work to do
    // (writing back pages, vacuuming the audit trail), which would land in the next arm's turn.
    for (let round = 0; round < rounds; round++) {
      // Each round starts with a different arm.
      const order = arms.map((_, i) => arms[(i + round) % arms.length] as Arm);
      for (const arm of order) {
        // The last round, when the JIT and the database's caches have settled.
        const profile =
          options.cpuProfileDir && round === rounds - 1
            ? await startCpuProfile(options.cpuProfileDir, `access-${arms.indexOf(arm)}`)
            : undefined;
        // CPU at one offered load for every arm: the servers' background work (WAL writing,
        // checkpoints, statistics) then weighs the same on each request of every arm.
        // Measured after the warm-up, which also reopens connections a pool let go while the
        // other arms ran (a new PostgreSQL backend compiles its functions and plans first).
        let cpuBefore: CpuMark | undefined;
        const paced = await run(arm, offeredRate, () => {
          cpuBefore = mark(arm);
        });
        const cpuAfter = mark(arm);
        const perRequest = cpuBetween(cpuBefore ?? cpuAfter, cpuAfter).map(
          (seconds) => (seconds * 1000) / paced.requests,
        );
        if (profile) {
          say(`cpu profile of ${arm.name}: ${await profile.stop()}`);
        }
        const [gatewayMs = 0, postgresMs = 0, backgroundMs = 0, redisMs = 0] = perRequest;
        const cpuMs = gatewayMs + postgresMs + redisMs;
        arm.paced.push(paced);
        arm.cpuMs.push(cpuMs);
        arm.partsMs.push([gatewayMs, postgresMs, redisMs]);
        arm.backgroundMs.push(backgroundMs);
        say(
          `round ${round + 1} ${arm.name.padEnd(30)} at ${offeredRate}/s: ${Math.round(paced.perSecond)} req/s, ` +
            `p50 ${paced.p50.toFixed(1)} ms, p99 ${paced.p99.toFixed(1)} ms, CPU ${cpuMs.toFixed(3)} ms/request ` +
            `(gateway ${gatewayMs.toFixed(3)}, PostgreSQL ${postgresMs.toFixed(3)}, Redis ${redisMs.toFixed(3)}) ` +
            `+ PostgreSQL background ${backgroundMs.toFixed(3)}`,
        );
      }
    }
    for (let round = 0; round < saturatedRounds; round++) {
      const order = arms.map((_, i) => arms[(i + round) % arms.length] as Arm);
      for (const arm of order) {
        const saturated = await run(arm);
        arm.results.push(saturated);
        say(
          `saturated round ${round + 1} ${arm.name.padEnd(30)} ${Math.round(saturated.perSecond)} req/s, ` +
            `p99 ${saturated.p99.toFixed(1)} ms`,
        );
      }
    }

    const base = arms[0] as Arm;
    const percent = (n: number): string => `${(n * 100).toFixed(1)}%`;
    const lines = [
      '',
      `read by id, medians of ${rounds} paced and ${saturatedRounds} saturated rounds. At ${offeredRate} requests/s offered: latency and CPU per request ` +
        `(gateway + PostgreSQL connections + Redis; PostgreSQL's background processes apart, as a mean, since ` +
        `autovacuum lands in whichever arm is running); at saturation: throughput.`,
    ];
    for (const arm of arms) {
      const cpu = median(arm.cpuMs);
      const [gatewayPart, postgresPart, redisPart] = [0, 1, 2].map((i) =>
        median(arm.partsMs.map((parts) => parts[i] ?? 0)).toFixed(3),
      );
      const background = arm.backgroundMs.reduce((a, b) => a + b, 0) / arm.backgroundMs.length;
      const rate = median(arm.results.map((r) => r.perSecond));
      const p50 = median(arm.paced.map((r) => r.p50));
      const p99 = median(arm.paced.map((r) => r.p99));
      // A target verdict against a reference arm: CPU per request, and saturated throughput.
      const against = (reference: Arm, label: string): string => {
        const extra = cpu / median(reference.cpuMs) - 1;
        const slower = 1 - rate / median(reference.results.map((r) => r.perSecond));
        return (
          `  ${label}: CPU ${percent(extra)} more [target <= ${percent(allowedOverhead)}: ` +
          `${extra <= allowedOverhead ? 'met' : 'MISSED'}]; saturated throughput ${percent(slower)} lower`
        );
      };
      const authenticatedArm = arm !== base && arm !== earlierArm;
      const verdict =
        (authenticatedArm ? against(base, 'against the baseline') : '') +
        (authenticatedArm && earlierArm ? against(earlierArm, 'against the earlier build') : '');
      lines.push(
        `  ${arm.name.padEnd(30)} p50 ${p50.toFixed(1).padStart(5)} ms  p99 ${p99.toFixed(1).padStart(5)} ms  ` +
          `CPU ${cpu.toFixed(3)} ms/request (gateway ${gatewayPart}, PostgreSQL ${postgresPart}, ` +
          `Redis ${redisPart}; + background ${background.toFixed(3)})  saturated ${Math.round(rate).toString().padStart(5)} req/s${verdict}`,
      );
    }
    const failed = arms
      .flatMap((a) => [...a.paced, ...a.results])
      .filter((r) => r.non2xx || r.errors);
    for (const r of failed) {
      lines.push(`warning: ${r.name}: statuses ${JSON.stringify(r.statuses)}, ${r.errors} errors`);
    }
    process.stdout.write(`${lines.join('\n')}\n\n`);
  } finally {
    for (const close of closers.reverse()) {
      await close();
    }
    await redisRuntime?.stop();
    await gateway.stop();
    redis.stop();
    clearTimeout(watchdog);
    say('stopped: gateways, Redis, PostgreSQL, temporary data');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench:access failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
