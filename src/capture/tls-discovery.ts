import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, realpathSync, statSync } from 'node:fs';
import { exportedFunctions, type ElfSource } from './elf-symbols.js';
import { deviceName, fileKey, parseProcMaps } from './proc-maps.js';
import type { TlsAttachment } from './tls-probes.js';
import { TLS_FUNCTION_NAMES, TlsTargets, tlsLibraryByExports, tlsLibraryByName, type TlsAction, type TlsBinary, type TlsLibraryKind } from './tls-targets.js';

export interface TlsDiscoveryOptions {
  /** Attaches a library's uprobes to a binary (attachTlsProbes); throws when it cannot. */
  attach: (binary: TlsBinary) => TlsAttachment;
  procRoot?: string;
  /** Where the system's TLS libraries are looked for at start (they stay attached). Default: the usual lib dirs and ld.so.conf.d's. */
  libraryDirs?: readonly string[];
  /** How often processes keeping a binary attached are checked for exit. Default 2 s. */
  livenessIntervalMs?: number;
  /** How often every process is scanned again (libraries loaded late, execs missed). Default 60 s. */
  rescanIntervalMs?: number;
  /** After an exec: scans of the new program at these delays (its loader maps libraries after exec). */
  execScanDelaysMs?: readonly number[];
  /** Binaries attached at once, at most. */
  maxTargets?: number;
  /** This process is never probed (its own TLS is not a workload's). */
  selfPid?: number;
  onError?: (err: unknown) => void;
}

export interface TlsDiscoveryStats {
  processScans: number;
  elfReads: number;
  attachFailures: number;
}

/** A binary with its probes, as `attached()` reports it. */
export interface AttachedTlsBinary {
  key: string;
  kind: TlsLibraryKind;
  path: string;
  pinned: boolean;
  pids: number[];
  functions: readonly string[];
}

/** Scans due within this much of each other run in one timer callback. */
const TICK_SLACK_MS = 20;
/** Processes waiting for a post-exec scan, at most (an exec storm drops the oldest). */
const MAX_SCHEDULED = 4096;
/** ELF verdicts remembered (per device+inode); cleared wholesale past it. */
const MAX_VERDICTS = 16384;

function fileSource(fd: number): ElfSource {
  return {
    size: fstatSync(fd).size,
    read(offset, length) {
      const b = Buffer.alloc(length);
      const n = readSync(fd, b, 0, length, offset);
      return n === length ? b : b.subarray(0, n);
    },
  };
}

/** The usual library directories, their multiarch subdirectories, and those of /etc/ld.so.conf.d. */
export function defaultLibraryDirs(): string[] {
  const dirs = new Set(['/lib', '/lib64', '/usr/lib', '/usr/lib64', '/usr/local/lib']);
  for (const base of [...dirs]) {
    try {
      for (const e of readdirSync(base)) if (/-linux-(gnu|musl)/.test(e)) dirs.add(`${base}/${e}`);
    } catch { /* absent */ }
  }
  try {
    for (const f of readdirSync('/etc/ld.so.conf.d')) {
      if (!f.endsWith('.conf')) continue;
      for (const line of readFileSync(`/etc/ld.so.conf.d/${f}`, 'utf8').split('\n')) {
        const dir = line.trim();
        if (dir.startsWith('/')) dirs.add(dir);
      }
    }
  } catch { /* none */ }
  return [...dirs];
}

/**
 * Finds the binaries that carry a TLS library and keeps their uprobes attached while they are
 * used: the system's libssl/libgnutls at start (kept for good: see tls-targets.ts), then every
 * process's mapped libssl/libgnutls copies and executables that export SSL_write (Node.js), at start,
 * after each exec (reported by the flow probes), and in a periodic rescan. A binary is read (its
 * ELF dynamic symbols) once per device+inode.
 */
export class TlsDiscovery {
  readonly targets: TlsTargets;
  readonly stats: TlsDiscoveryStats = { processScans: 0, elfReads: 0, attachFailures: 0 };
  readonly #options: TlsDiscoveryOptions;
  readonly #procRoot: string;
  readonly #selfPid: number;
  readonly #attachments = new Map<string, TlsAttachment>();
  readonly #verdicts = new Map<string, TlsLibraryKind | null>();
  readonly #pinned = new Set<string>();
  /** pid -> wall-clock ms of the scans still due after its exec. */
  readonly #scheduled = new Map<number, number[]>();
  /** Armed for the next scan or check due (none due: liveness, every livenessIntervalMs). */
  #timer: NodeJS.Timeout | null = null;
  #timerDueMs = Infinity;
  #lastLiveness = Date.now();
  #lastRescan = Date.now();
  #stopped = false;

  private constructor(options: TlsDiscoveryOptions) {
    this.#options = options;
    this.#procRoot = options.procRoot ?? '/proc';
    this.#selfPid = options.selfPid ?? process.pid;
    this.targets = new TlsTargets(options.maxTargets ?? 256);
  }

  static start(options: TlsDiscoveryOptions): TlsDiscovery {
    const d = new TlsDiscovery(options);
    d.#guard(() => d.#pinSystemLibraries(options.libraryDirs ?? defaultLibraryDirs()));
    d.#guard(() => d.scanAll());
    d.#arm();
    return d;
  }

  /** A process exec'd a program: what it mapped before is gone; look at the new program now and again shortly. */
  processStarted(pid: number): void {
    if (this.#stopped || pid === this.#selfPid) return;
    this.#apply(this.targets.processGone(pid));
    const now = Date.now();
    const delays = this.#options.execScanDelaysMs ?? [0, 250, 2000];
    const later = delays.filter((d) => d > 0).map((d) => now + d);
    if (delays.includes(0)) this.#guard(() => this.scanProcess(pid));
    if (later.length === 0) return;
    if (this.#scheduled.size >= MAX_SCHEDULED && !this.#scheduled.has(pid)) {
      const oldest = this.#scheduled.keys().next();
      if (oldest.done !== true) this.#scheduled.delete(oldest.value);
    }
    this.#scheduled.set(pid, later);
    this.#arm();
  }

  /** Every process, now. */
  scanAll(): void {
    let entries: string[];
    try {
      entries = readdirSync(this.#procRoot);
    } catch {
      return;
    }
    for (const e of entries) {
      if (!/^\d+$/.test(e)) continue;
      const pid = Number(e);
      if (pid !== this.#selfPid) this.#guard(() => this.scanProcess(pid));
    }
  }

  /** What one process maps now: attach what is new, release what it no longer maps. */
  scanProcess(pid: number): void {
    if (this.#stopped) return;
    let maps: string;
    try {
      maps = readFileSync(`${this.#procRoot}/${pid}/maps`, 'utf8');
    } catch {
      this.#apply(this.targets.processGone(pid));
      return;
    }
    this.stats.processScans++;
    let exe: string | null = null;
    try {
      exe = readlinkSync(`${this.#procRoot}/${pid}/exe`);
    } catch { /* kernel thread, or gone */ }
    const found: TlsBinary[] = [];
    for (const f of parseProcMaps(maps)) {
      const byName = tlsLibraryByName(f.path);
      if (byName === null && f.path !== exe) continue;
      const key = fileKey(f.dev, f.inode);
      // Through the process's root: the path is in its mount namespace (containers).
      const path = `${this.#procRoot}/${pid}/root${f.path}`;
      const kind = this.#verdict(key, path, byName);
      if (kind !== null) found.push({ key, kind, path });
    }
    this.#apply(this.targets.sawProcess(pid, found));
  }

  /** Binaries probed now, with who keeps them. */
  attached(): AttachedTlsBinary[] {
    const out: AttachedTlsBinary[] = [];
    for (const [key, a] of this.#attachments) {
      const users = this.targets.usersOf(key);
      out.push({ key, kind: a.binary.kind, path: a.binary.path, pinned: this.#pinned.has(key), pids: users, functions: a.functions });
    }
    return out;
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    // The uprobes stay for the BPF object's close, which detaches them all in the background
    // (one by one here, each waiting for the kernel, took seconds).
    this.#attachments.clear();
  }

  #pinSystemLibraries(dirs: readonly string[]): void {
    for (const dir of dirs) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        const byName = tlsLibraryByName(name);
        if (byName === null) continue;
        this.#guard(() => {
          const real = realpathSync(`${dir}/${name}`);
          const st = statSync(real);
          if (!st.isFile()) return;
          const key = fileKey(deviceName(st.dev), st.ino);
          const kind = this.#verdict(key, real, byName);
          if (kind === null) return;
          this.#pinned.add(key);
          this.#apply(this.targets.pin({ key, kind, path: real }));
        });
      }
    }
  }

  /** What a binary is, from its exported functions (read once per file). */
  #verdict(key: string, path: string, byName: TlsLibraryKind | null): TlsLibraryKind | null {
    const known = this.#verdicts.get(key);
    if (known !== undefined) return known;
    let kind: TlsLibraryKind | null = null;
    let fd: number | null = null;
    try {
      fd = openSync(path, 'r');
      this.stats.elfReads++;
      const r = exportedFunctions(fileSource(fd), TLS_FUNCTION_NAMES);
      if (r.ok) {
        const exported = tlsLibraryByExports(r.functions);
        // A library named libssl must really be OpenSSL (and not, say, a stub).
        kind = byName === null || exported === byName ? exported : null;
      }
    } catch {
      return null; // unreadable now (gone, permissions): asked again next time
    } finally {
      if (fd !== null) closeSync(fd);
    }
    if (this.#verdicts.size >= MAX_VERDICTS) this.#verdicts.clear();
    this.#verdicts.set(key, kind);
    return kind;
  }

  #apply(actions: readonly TlsAction[]): void {
    for (const a of actions) {
      if (a.op === 'detach') {
        this.#attachments.get(a.key)?.destroy();
        this.#attachments.delete(a.key);
        continue;
      }
      try {
        this.#attachments.set(a.binary.key, this.#options.attach(a.binary));
      } catch (err) {
        this.stats.attachFailures++;
        this.targets.attachFailed(a.binary.key);
        this.#options.onError?.(err);
      }
    }
  }

  /**
   * A timer for the earliest of: a post-exec scan, the liveness check, the rescan. Woken only
   * when something is due (an idle host: every livenessIntervalMs), not on a fixed tick.
   */
  #arm(): void {
    if (this.#stopped) return;
    let due = Math.min(this.#lastLiveness + (this.#options.livenessIntervalMs ?? 2000), this.#lastRescan + (this.#options.rescanIntervalMs ?? 60_000));
    for (const times of this.#scheduled.values()) due = Math.min(due, times[0] ?? Infinity);
    if (this.#timer !== null && this.#timerDueMs <= due) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timerDueMs = due;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerDueMs = Infinity;
      this.#guard(() => this.#tick());
      this.#arm();
    }, Math.max(0, due - Date.now()));
    this.#timer.unref();
  }

  #tick(): void {
    const now = Date.now() + TICK_SLACK_MS;
    for (const [pid, due] of this.#scheduled) {
      while (due.length > 0 && (due[0] ?? Infinity) <= now) {
        due.shift();
        this.#guard(() => this.scanProcess(pid));
      }
      if (due.length === 0) this.#scheduled.delete(pid);
    }
    if (now - this.#lastLiveness >= (this.#options.livenessIntervalMs ?? 2000)) {
      this.#lastLiveness = Date.now();
      for (const pid of this.targets.trackedPids()) {
        let alive = true;
        try {
          statSync(`${this.#procRoot}/${pid}`);
        } catch {
          alive = false;
        }
        if (!alive) this.#apply(this.targets.processGone(pid));
      }
    }
    if (now - this.#lastRescan >= (this.#options.rescanIntervalMs ?? 60_000)) {
      this.#lastRescan = Date.now();
      this.#guard(() => this.scanAll());
    }
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#options.onError?.(err);
    }
  }
}
