/** Memory of this process, sampled on a timer, in MB. */
export interface MemorySample {
  /** RSS at the first sample. */
  firstMb: number;
  /** Highest RSS: what the target is about; it follows V8's lazy collection, too. */
  peakMb: number;
  /** Highest V8 heap in use: the live objects plus garbage not yet collected. */
  peakHeapMb: number;
  samples: number;
}

export interface MemorySampler {
  stop(): MemorySample;
}

const mb = (bytes: number): number => bytes / 1024 / 1024;

export function sampleMemory(everyMs = 100): MemorySampler {
  const first = process.memoryUsage();
  let peak = first.rss;
  let peakHeap = first.heapUsed;
  let samples = 1;
  const sample = (): void => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    samples++;
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { firstMb: mb(first.rss), peakMb: mb(peak), peakHeapMb: mb(peakHeap), samples };
    },
  };
}
