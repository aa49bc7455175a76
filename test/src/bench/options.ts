/** What one benchmark run does, from the environment. */
export interface BenchOptions {
  /** `BENCH_SECONDS`, default 10: the measured time of each scenario. */
  seconds: number;
  /** Unmeasured load before each scenario. */
  warmupSeconds: number;
  /** HTTP connections, and raw pg pool size and loops. */
  connections: number;
  /** `BENCH_DATABASE_URL`: an external server to use instead of an embedded one. */
  databaseUrl?: string;
  /** `BENCH_CPU_PROFILE`: a folder to write a CPU profile of the gateway per HTTP scenario. */
  cpuProfileDir?: string;
}

/** The size of the seeded data set. */
export const dataset = {
  tenant: 'bench',
  practitioners: 20,
  patients: 2_000,
  appointments: 20_000,
  /** Entries per transaction Bundle while seeding. */
  bundleSize: 500,
  /** Appointments start within this many days either side of now. */
  spreadDays: 182,
} as const;

export function readOptions(env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const seconds = Number(env.BENCH_SECONDS ?? '10');
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 120) {
    throw new Error(
      `BENCH_SECONDS must be a number of seconds from 1 to 120, got "${String(env.BENCH_SECONDS)}"`,
    );
  }
  const databaseUrl = env.BENCH_DATABASE_URL ?? '';
  const cpuProfileDir = env.BENCH_CPU_PROFILE ?? '';
  return {
    seconds,
    warmupSeconds: 2,
    connections: 20,
    ...(databaseUrl === '' ? {} : { databaseUrl }),
    ...(cpuProfileDir === '' ? {} : { cpuProfileDir }),
  };
}
