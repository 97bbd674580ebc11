import { readFileSync, readlinkSync } from 'node:fs';
import { parseCgroup } from './cgroup.js';

export interface ProcessInfo {
  pid: number;
  comm: string;
  exe: string | null;
  cmdline: string[];
  containerId: string | null;
  systemdUnit: string | null;
  /** Clock ticks after boot (field 22 of /proc/<pid>/stat); tells a reused pid apart. */
  startTime?: number;
}

/** Pure: `/usr/bin/foo (deleted)` → `/usr/bin/foo` (the binary was replaced after exec). */
export function stripDeleted(exe: string): string {
  return exe.endsWith(' (deleted)') ? exe.slice(0, -' (deleted)'.length) : exe;
}

/** Pure: NUL-separated /proc/<pid>/cmdline → argv. */
export function parseCmdline(raw: string): string[] {
  if (raw === '') return [];
  const args = raw.split('\0');
  if (args[args.length - 1] === '') args.pop();
  return args;
}

/** Pure: starttime from /proc/<pid>/stat, or undefined. comm may hold spaces and parentheses. */
export function parseStatStartTime(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  // Fields after comm start at field 3 (state); starttime is field 22.
  const rest = stat.slice(close + 1).trim().split(/\s+/);
  const value = rest[22 - 3];
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Reads a process's identity from /proc. Returns null when the process is gone. Fields the
 * reader may not see (exe of another user's process without privileges, kernel threads) are
 * null or empty rather than failing the whole read.
 */
export function readProcessInfo(pid: number, procRoot = '/proc'): ProcessInfo | null {
  const dir = `${procRoot}/${pid}`;
  const comm = readText(`${dir}/comm`);
  if (comm === null) return null;
  let exe: string | null = null;
  try {
    exe = stripDeleted(readlinkSync(`${dir}/exe`));
  } catch {
    exe = null;
  }
  const cgroup = parseCgroup(readText(`${dir}/cgroup`) ?? '');
  const stat = readText(`${dir}/stat`);
  const info: ProcessInfo = {
    pid,
    comm: comm.replace(/\n$/, ''),
    exe,
    cmdline: parseCmdline(readText(`${dir}/cmdline`) ?? ''),
    containerId: cgroup.containerId,
    systemdUnit: cgroup.systemdUnit,
  };
  const startTime = stat === null ? undefined : parseStatStartTime(stat);
  if (startTime !== undefined) info.startTime = startTime;
  return info;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export interface ProcessInfoCacheOptions {
  maxEntries?: number;
  procRoot?: string;
}

/** How long "no such process" is believed: flows of an exited pid then cost no /proc reads. */
const NEGATIVE_TTL_MS = 5_000;

interface CacheEntry {
  info: ProcessInfo;
  /** Set by remember(): /proc has not been consulted yet for the remaining fields. */
  partial: boolean;
}

/**
 * Bounded LRU of process identity keyed by pid. Exec events feed it through remember(), so a
 * process that exited before anyone asked still has a name; everything else is read from /proc
 * on first use.
 */
export class ProcessInfoCache {
  readonly maxEntries: number;
  readonly procRoot: string;
  // Map keeps insertion order: re-inserting on access makes the first key the least recent.
  private readonly entries = new Map<number, CacheEntry>();
  private readonly missing = new Map<number, number>();

  constructor(options: ProcessInfoCacheOptions = {}) {
    this.maxEntries = Math.max(1, Math.floor(options.maxEntries ?? 4096));
    this.procRoot = options.procRoot ?? '/proc';
  }

  get size(): number {
    return this.entries.size;
  }

  /** Cached identity, read from /proc on a miss; null when unknown and no longer running. */
  get(pid: number): ProcessInfo | null {
    const entry = this.entries.get(pid);
    if (entry !== undefined) {
      if (entry.partial) this.complete(entry);
      this.touch(pid, entry);
      return entry.info;
    }
    const missingSince = this.missing.get(pid);
    if (missingSince !== undefined && Date.now() - missingSince < NEGATIVE_TTL_MS) return null;
    const info = readProcessInfo(pid, this.procRoot);
    if (info === null) {
      if (this.missing.size >= this.maxEntries) this.missing.clear();
      this.missing.set(pid, Date.now());
      return null;
    }
    this.missing.delete(pid);
    this.touch(pid, { info, partial: false });
    return info;
  }

  /**
   * Records what an exec event said. It replaces anything cached for the pid, since an exec
   * means a new program (or a reused pid). The rest is filled in from /proc lazily, on the
   * next get(), so a burst of execs costs no reads.
   */
  remember(pid: number, seen: { exe: string | null; comm: string; cmdline?: string[] }): void {
    const info: ProcessInfo = {
      pid,
      comm: seen.comm,
      exe: seen.exe === null ? null : stripDeleted(seen.exe),
      cmdline: seen.cmdline ?? [],
      containerId: null,
      systemdUnit: null,
    };
    this.entries.delete(pid);
    this.missing.delete(pid);
    this.touch(pid, { info, partial: true });
  }

  /** Drops a pid, e.g. on its exit event once its last records are labelled. */
  forget(pid: number): void {
    this.entries.delete(pid);
  }

  private complete(entry: CacheEntry): void {
    entry.partial = false;
    const fresh = readProcessInfo(entry.info.pid, this.procRoot);
    if (fresh === null) return;
    // The exec event is authoritative for what ran; /proc may only add what it did not carry.
    entry.info = {
      ...fresh,
      comm: entry.info.comm || fresh.comm,
      exe: entry.info.exe ?? fresh.exe,
      // The kernel copies at most 256 bytes of argv; /proc has all of it while the process lives.
      cmdline: fresh.cmdline.length > 0 ? fresh.cmdline : entry.info.cmdline,
    };
  }

  private touch(pid: number, entry: CacheEntry): void {
    this.entries.delete(pid);
    this.entries.set(pid, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }
}
