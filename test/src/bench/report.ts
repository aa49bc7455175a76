import type { HttpResult } from './http-scenarios.js';
import type { LoopResult } from './loops.js';
import type { MemorySample } from './memory.js';
import { dataset } from './options.js';
import { parallelBundles } from './seed.js';

/** The targets the figures are compared with (the benchmark asserts none of them). */
export const targets = {
  read: { perSecond: 6_500, ofRaw: 0.35 },
  search: { perSecond: 2_000 },
  create: { perSecond: 1_650 },
  p99Ms: 30,
  rssMb: 300,
  /** Partitioned read by id within 20% of the flat table's rate. */
  partitionedOfFlat: 0.8,
} as const;

export interface ScenarioFigures {
  name: 'read' | 'search' | 'create';
  http: HttpResult;
  raw: LoopResult;
}

export interface Figures {
  scenarios: ScenarioFigures[];
  /** The gateway process during the HTTP scenarios, and over the whole run. */
  memory: { http: MemorySample; lifetime: MemorySample };
  partition: { partitioned: LoopResult; flat: LoopResult; rows: number; partitions: number };
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => (n < 10 ? n.toFixed(1) : n.toFixed(0));
const pct = (n: number): string => `${(n * 100).toFixed(0)}%`;
const mark = (ok: boolean): string => (ok ? 'met' : 'MISSED');

function table(rows: string[][], rightAligned: ReadonlySet<number>): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  const line = (r: string[]): string =>
    r
      .map((cell, c) =>
        rightAligned.has(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const [head, ...body] = rows;
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(head ?? []), rule, ...body.map(line)].join('\n');
}

function targetOf(s: ScenarioFigures): { text: string; met: boolean } {
  const ratio = s.http.perSecond / s.raw.perSecond;
  const p99 = s.http.p99 <= targets.p99Ms;
  switch (s.name) {
    case 'read':
      return {
        text: `>= ${int(targets.read.perSecond)}/s, >= ${pct(targets.read.ofRaw)} of raw, p99 <= ${targets.p99Ms}`,
        met: s.http.perSecond >= targets.read.perSecond && ratio >= targets.read.ofRaw && p99,
      };
    case 'search':
      return {
        text: `>= ${int(targets.search.perSecond)}/s, p99 <= ${targets.p99Ms}`,
        met: s.http.perSecond >= targets.search.perSecond && p99,
      };
    case 'create':
      return {
        text: `>= ${int(targets.create.perSecond)}/s, p99 <= ${targets.p99Ms}`,
        met: s.http.perSecond >= targets.create.perSecond && p99,
      };
  }
}

/** The final table, as text. */
export function renderReport(f: Figures): string {
  const rows = [
    [
      'scenario',
      'gateway req/s',
      'p50 ms',
      'p99 ms',
      'non-2xx',
      'errors',
      'raw pg q/s',
      'raw p50',
      'raw p99',
      'gateway/raw',
      'target',
      '',
    ],
  ];
  for (const s of f.scenarios) {
    const target = targetOf(s);
    rows.push([
      s.name,
      int(s.http.perSecond),
      ms(s.http.p50),
      ms(s.http.p99),
      int(s.http.non2xx),
      int(s.http.errors),
      int(s.raw.perSecond),
      ms(s.raw.p50),
      ms(s.raw.p99),
      pct(s.http.perSecond / s.raw.perSecond),
      target.text,
      mark(target.met),
    ]);
  }
  const { partitioned, flat } = f.partition;
  const m = f.memory;
  const partitionRatio = partitioned.perSecond / flat.perSecond;
  const lines = [
    table(rows, new Set([1, 2, 3, 4, 5, 6, 7, 8, 9])),
    '',
    `partitioning  read by id, raw pg: partitioned via locator ${int(partitioned.perSecond)} q/s ` +
      `(p50 ${ms(partitioned.p50)} ms, p99 ${ms(partitioned.p99)} ms) vs flat ${int(flat.perSecond)} q/s ` +
      `(p50 ${ms(flat.p50)} ms, p99 ${ms(flat.p99)} ms) = ${pct(partitionRatio)} of flat ` +
      `[target >= ${pct(targets.partitionedOfFlat)}: ${mark(partitionRatio >= targets.partitionedOfFlat)}]` +
      ` (${int(f.partition.rows)} rows, ${f.partition.partitions} partitions in use)`,
    `memory        gateway process RSS peak ${m.http.peakMb.toFixed(0)} MB during the HTTP scenarios ` +
      `(${m.http.firstMb.toFixed(0)} MB at their start; V8 heap in use peaked at ${m.http.peakHeapMb.toFixed(0)} MB; ` +
      `${m.http.samples} samples every 100 ms) [target <= ${targets.rssMb} MB: ${mark(m.http.peakMb <= targets.rssMb)}]`,
    '              autocannon ran in a child process, so this is the gateway alone (plus the bench',
    '              driver that shares its process: seeded ids, an idle raw pg pool).',
    `              over the whole run (start-up loading FHIR definitions, seeding ${parallelBundles} ` +
      `Bundles of ${dataset.bundleSize} at a time): RSS peak ${m.lifetime.peakMb.toFixed(0)} MB, ` +
      `heap peak ${m.lifetime.peakHeapMb.toFixed(0)} MB.`,
  ];
  const failures = f.scenarios.filter(
    (s) => s.http.errors > 0 || s.http.non2xx > 0 || s.raw.errors > 0,
  );
  for (const s of failures) {
    lines.push(
      `warning       ${s.name}: statuses ${JSON.stringify(s.http.statuses)}, ${s.http.errors} errors ` +
        `(${s.http.timeouts} timeouts); raw errors ${s.raw.errors}${s.raw.firstError ? ` (${s.raw.firstError})` : ''}`,
    );
  }
  return lines.join('\n');
}
