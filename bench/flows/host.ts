/** What the host says about a process and about loaded BPF programs. */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { sleep } from './processes.js';
import { parseSchedstatNs } from './schedstat.js';

const clockTicks = ((): number => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(out.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** The fields of /proc/<pid>/stat after comm, the state first. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // comm may hold spaces and parentheses; the fields after the last ')' are unambiguous.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User + system CPU of a process so far, from /proc/<pid>/stat (all of its threads). */
export function procCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / clockTicks; // utime, stime: fields 14 and 15
}

/**
 * CPU of a process and of the children it has waited for (/proc/<pid>/stat utime, stime,
 * cutime, cstime): a PostgreSQL postmaster's includes its backends once they exited.
 */
export function procTreeCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  // utime, stime, cutime, cstime: fields 14 to 17
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / clockTicks;
}

/**
 * Time a thread has spent on a CPU so far, in ns, from /proc/<tid>/schedstat: exact, where
 * /proc/<pid>/stat counts whole clock ticks. It includes what the kernel did in its context (the
 * BPF programs run on its sends, softirq work it picked up), which is the point when it is the
 * server under test.
 */
export function onCpuNs(tid: number): number {
  return parseSchedstatNs(readFileSync(`/proc/${tid}/schedstat`, 'utf8'));
}

/**
 * CPU used so far by each user-space process on the host (kernel threads left out: kworkers
 * freeing sockets and ksoftirqd are busy *because of* the workload). A process that starts and
 * ends between two calls is missed, so the difference of two calls is a lower bound.
 */
export function userProcessesCpuSeconds(): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    if (pid === 2 || fields[1] === '2') continue; // kthreadd and its children
    cpu.set(pid, (Number(fields[11]) + Number(fields[12])) / clockTicks);
  }
  return cpu;
}

/** CPU used between two snapshots by processes not in `exclude`. */
export function otherCpuSeconds(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>, exclude: ReadonlySet<number>): number {
  let total = 0;
  for (const [pid, cpu] of after) if (!exclude.has(pid)) total += cpu - (before.get(pid) ?? 0);
  return total;
}

/**
 * Waits, up to `timeoutMs`, for a second in which other processes use at most `maxCpus` and no
 * BPF program but the `resident` ones is loaded: a round started in the middle of someone's build
 * or kernel test measures that too. Says whether the host went quiet.
 */
export async function waitForQuiet(exclude: ReadonlySet<number>, maxCpus: number, resident: ReadonlySet<number>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const before = userProcessesCpuSeconds();
    await sleep(1000);
    const cpuQuiet = otherCpuSeconds(before, userProcessesCpuSeconds(), exclude) <= maxCpus;
    if (cpuQuiet && !(loadedBpfPrograms() ?? []).some((p) => !resident.has(p.id))) return true;
    if (Date.now() >= deadline) return false;
  }
}

/** IDs of the BPF programs a process holds open (its own, not anyone else's on the host). */
export function ownedBpfProgIds(pid: number): number[] {
  const ids = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fdinfo`);
  } catch {
    return [];
  }
  for (const fd of fds) {
    let info: string;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // closed meanwhile
    }
    const m = /^prog_id:\s*(\d+)$/m.exec(info);
    if (m) ids.add(Number(m[1]));
  }
  return [...ids].sort((a, b) => a - b);
}

/** Every BPF program loaded on the host, or null when bpftool cannot tell. */
export function loadedBpfPrograms(): { id: number; name: string }[] | null {
  const out = spawnSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' });
  if (out.status !== 0) return null;
  return (JSON.parse(out.stdout) as { id: number; name?: string }[]).map((p) => ({ id: p.id, name: p.name ?? `#${p.id}` }));
}

function loadedBpfProgIds(): Set<number> | null {
  const programs = loadedBpfPrograms();
  return programs === null ? null : new Set(programs.map((p) => p.id));
}

/**
 * Waits until none of `ids` is loaded any more (the kernel frees programs shortly after the last
 * reference goes). Throws if some still are; says 'unverified' when bpftool is missing.
 */
export async function waitDetached(what: string, ids: readonly number[]): Promise<'verified' | 'unverified'> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const loaded = loadedBpfProgIds();
    if (loaded === null) return 'unverified';
    const left = ids.filter((id) => loaded.has(id));
    if (left.length === 0) return 'verified';
    if (Date.now() > deadline) throw new Error(`${what}: BPF programs ${left.join(', ')} still loaded after it exited`);
    await sleep(100);
  }
}
