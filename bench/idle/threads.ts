/**
 * Per-thread CPU time and wake-ups of a process, from /proc/<pid>/task: what an idle agent
 * spends, and which of its threads spend it. Pure functions over the files' text, and one reader.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** What the agent's threads are, by the name each carries (comm). */
export type ThreadKind = 'main' | 'ring buffer' | 'watchdog' | 'node helpers' | 'other';

export interface ThreadSample {
  tid: number;
  comm: string;
  /** Time on CPU, ns (schedstat's first field). */
  cpuNs: number;
  /** Voluntary context switches: each is a sleep, so each is one wake-up after it. */
  wakeups: number;
}

/** Null when a file does not look like the kernel's (a thread that exited mid-read). */
export function parseThread(tid: number, comm: string, schedstat: string, status: string): ThreadSample | null {
  const cpu = /^(\d+)\s/.exec(schedstat);
  const m = /^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status);
  if (cpu === null || m === null) return null;
  return { tid, comm: comm.trim(), cpuNs: Number(cpu[1]), wakeups: Number(m[1]) };
}

export function threadKind(pid: number, t: Pick<ThreadSample, 'tid' | 'comm'>): ThreadKind {
  if (t.tid === pid) return 'main';
  if (t.comm === 'sonde-ringbuf') return 'ring buffer';
  if (t.comm === 'sonde-watchdog') return 'watchdog';
  if (t.comm === 'node') return 'node helpers';
  return 'other';
}

export interface KindUsage {
  kind: ThreadKind;
  threads: number;
  cpuMsPerSecond: number;
  wakeupsPerSecond: number;
}

/** CPU ms and wake-ups per second of each kind of thread between two samples (threads in both). */
export function usageByKind(pid: number, before: readonly ThreadSample[], after: readonly ThreadSample[], seconds: number): KindUsage[] {
  const earlier = new Map(before.map((t) => [t.tid, t]));
  const byKind = new Map<ThreadKind, KindUsage>();
  for (const t of after) {
    const b = earlier.get(t.tid);
    if (b === undefined) continue;
    const kind = threadKind(pid, t);
    const u = byKind.get(kind) ?? { kind, threads: 0, cpuMsPerSecond: 0, wakeupsPerSecond: 0 };
    u.threads++;
    u.cpuMsPerSecond += (t.cpuNs - b.cpuNs) / 1e6 / seconds;
    u.wakeupsPerSecond += (t.wakeups - b.wakeups) / seconds;
    byKind.set(kind, u);
  }
  const order: ThreadKind[] = ['main', 'ring buffer', 'watchdog', 'node helpers', 'other'];
  return order.flatMap((k) => byKind.get(k) ?? []);
}

/** The process's threads now (those that exit meanwhile are left out). */
export function readThreads(pid: number, procRoot = '/proc'): ThreadSample[] {
  const out: ThreadSample[] = [];
  for (const name of readdirSync(`${procRoot}/${pid}/task`)) {
    const dir = `${procRoot}/${pid}/task/${name}`;
    try {
      const t = parseThread(Number(name), readFileSync(`${dir}/comm`, 'utf8'), readFileSync(`${dir}/schedstat`, 'utf8'), readFileSync(`${dir}/status`, 'utf8'));
      if (t !== null) out.push(t);
    } catch {
      // exited between the listing and the read
    }
  }
  return out;
}

/** Busy (non-idle, non-iowait) CPU time of the whole host, ms, from /proc/stat's first line. */
export function hostBusyMs(procStat: string, ticksPerSecond = 100): number | null {
  const line = procStat.split('\n', 1)[0] ?? '';
  if (!line.startsWith('cpu ')) return null;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 5 || f.some((x) => !Number.isFinite(x))) return null;
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return ((total - idle) * 1000) / ticksPerSecond;
}
