/** The rate and latency of an operation run by concurrent loops for a fixed time. */
export interface LoopResult {
  operations: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  firstError?: string;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

async function loopsFor(
  concurrency: number,
  seconds: number,
  operation: () => Promise<unknown>,
): Promise<LoopResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const end = started + seconds * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      const t = performance.now();
      try {
        await operation();
        latencies.push(performance.now() - t);
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    operations: latencies.length,
    seconds: elapsed,
    perSecond: latencies.length / elapsed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    errors,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

/** Runs `operation` in `concurrency` loops: a warm-up, then the measured `seconds`. */
export async function measureLoops(
  concurrency: number,
  seconds: number,
  warmupSeconds: number,
  operation: () => Promise<unknown>,
): Promise<LoopResult> {
  if (warmupSeconds > 0) {
    await loopsFor(concurrency, warmupSeconds, operation);
  }
  return loopsFor(concurrency, seconds, operation);
}
