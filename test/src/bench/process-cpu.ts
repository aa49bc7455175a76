import { readdirSync, readFileSync } from 'node:fs';

// Linux reports process times in clock ticks of 1/100 s (USER_HZ) on every platform it runs on.
const ticksPerSecond = 100;

interface ProcStat {
  ppid: number;
  /** utime + stime of the process itself, in ticks. */
  own: number;
  /** cutime + cstime: what its exited, reaped children used, in ticks. */
  reaped: number;
}

function statOf(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may hold spaces; fields follow the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const at = (i: number): number => Number(fields[i] ?? 0);
  return { ppid: at(1), own: at(11) + at(12), reaped: at(13) + at(14) };
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** CPU of a process tree at one moment, in ticks: all of it, and per matching live process. */
export interface TreeSnapshot {
  total: number;
  matching: Map<number, number>;
}

/**
 * CPU used so far by a process and all its descendants (live ones, and exited ones its tree
 * has reaped), read from /proc, with the share of each live descendant whose command line
 * matches `matching`. PostgreSQL serves each connection from a child of its postmaster (titled
 * `postgres: user database host(port) state`), so `total` is the whole server and the matches
 * can be its connections, apart from autovacuum and the writers.
 */
export function snapshotTree(rootPid: number, matching?: RegExp): TreeSnapshot {
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry)) {
      const stat = statOf(Number(entry));
      if (stat) {
        stats.set(Number(entry), stat);
      }
    }
  }
  const children = new Map<number, number[]>();
  for (const [pid, stat] of stats) {
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  let total = 0;
  const matched = new Map<number, number>();
  const root = stats.get(rootPid);
  if (root) {
    total += root.own + root.reaped;
  }
  const stack = [...(children.get(rootPid) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    const stat = stats.get(pid);
    if (stat) {
      total += stat.own + stat.reaped;
      if (matching?.test(commandOf(pid))) {
        matched.set(pid, stat.own);
      }
      stack.push(...(children.get(pid) ?? []));
    }
  }
  return { total, matching: matched };
}

/**
 * CPU seconds between two snapshots of one tree: all of it, and that of the matching
 * processes. A matching process that exited in between moves its CPU into its parent's reaped
 * time, so the total stays right; what it used in between (its last moments) then counts as
 * not matching.
 */
export function treeCpuBetween(
  before: TreeSnapshot,
  after: TreeSnapshot,
): { total: number; matching: number } {
  let matching = 0;
  for (const [pid, ticks] of after.matching) {
    matching += ticks - (before.matching.get(pid) ?? 0);
  }
  return {
    total: (after.total - before.total) / ticksPerSecond,
    matching: matching / ticksPerSecond,
  };
}

/** CPU seconds used so far by a process and all its descendants. */
export function cpuSecondsOfTree(rootPid: number): number {
  return snapshotTree(rootPid).total / ticksPerSecond;
}

/** CPU seconds used so far by this process (user and system). */
export function cpuSecondsOfSelf(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** The pid in the first line of a pid file (PostgreSQL's postmaster.pid, Redis's pidfile). */
export function pidFromFile(path: string): number {
  const pid = Number(readFileSync(path, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) {
    throw new Error(`${path} holds no pid`);
  }
  return pid;
}
