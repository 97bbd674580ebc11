// Which binaries carry TLS probes, and who keeps them there. Pure bookkeeping: discovery tells it
// what each process maps, it answers with attach and detach actions.
//
// A binary (a file: device + inode) is attached once, whatever the number of processes and paths
// that reach it, and stays attached while a process that maps it is alive. Pinned binaries (the
// system's TLS libraries) stay attached for the agent's life: a uprobe costs nothing until its
// function is called, and attaching only once a process maps the library would race short-lived
// clients (curl is done in milliseconds).

export type TlsLibraryKind = 'openssl' | 'gnutls';

export interface TlsBinary {
  /** Device and inode (fileKey()). */
  key: string;
  kind: TlsLibraryKind;
  /** A path to attach by, valid now (for a process's file: through /proc/<pid>/root). */
  path: string;
}

export type TlsAction = { op: 'attach'; binary: TlsBinary } | { op: 'detach'; key: string; path: string };

/** Functions a binary must define to be probed as this library. */
export const REQUIRED_FUNCTIONS: Readonly<Record<TlsLibraryKind, readonly string[]>> = {
  openssl: ['SSL_write', 'SSL_read'],
  gnutls: ['gnutls_record_send', 'gnutls_record_recv'],
};

/** Every function name discovery asks an ELF file about. */
export const TLS_FUNCTION_NAMES: ReadonlySet<string> = new Set([...REQUIRED_FUNCTIONS.openssl, ...REQUIRED_FUNCTIONS.gnutls]);

/** The library a file's name says it is (`libssl.so.3`, `libgnutls.so.30`, vendored `libssl-1a2b3c.so.3`). */
export function tlsLibraryByName(path: string): TlsLibraryKind | null {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (/^libssl(?:-[0-9a-f]+)?\.so(?:\.\d+)*$/.test(base)) return 'openssl';
  if (/^libgnutls(?:-[0-9a-f]+)?\.so(?:\.\d+)*$/.test(base)) return 'gnutls';
  return null;
}

/** What a file's exported functions make it, if anything. */
export function tlsLibraryByExports(functions: ReadonlySet<string>): TlsLibraryKind | null {
  for (const kind of ['openssl', 'gnutls'] as const) {
    if (REQUIRED_FUNCTIONS[kind].every((f) => functions.has(f))) return kind;
  }
  return null;
}

interface Target {
  binary: TlsBinary;
  pinned: boolean;
  pids: Set<number>;
}

export interface TlsTargetStats {
  attached: number;
  /** Binaries not attached because `maxTargets` were already. */
  refused: number;
  failed: number;
}

export class TlsTargets {
  readonly #targets = new Map<string, Target>();
  readonly #byPid = new Map<number, Set<string>>();
  /** Keys whose attach failed: not retried (bounded like the targets). */
  readonly #failed = new Set<string>();
  readonly #maxTargets: number;
  readonly stats: TlsTargetStats = { attached: 0, refused: 0, failed: 0 };

  /** `maxTargets`: binaries attached at once, at most (each is ~10 uprobes). */
  constructor(maxTargets = 256) {
    this.#maxTargets = maxTargets;
  }

  get size(): number {
    return this.#targets.size;
  }

  has(key: string): boolean {
    return this.#targets.has(key);
  }

  /** Processes keeping a binary attached, to check from time to time that they still exist. */
  trackedPids(): number[] {
    return [...this.#byPid.keys()];
  }

  /** Pids keeping `key` attached (empty for a pinned binary nobody maps). */
  usersOf(key: string): number[] {
    return [...(this.#targets.get(key)?.pids ?? [])];
  }

  /** A binary to keep attached for good. */
  pin(binary: TlsBinary): TlsAction[] {
    const existing = this.#targets.get(binary.key);
    if (existing) {
      existing.pinned = true;
      return [];
    }
    return this.#add(binary, true);
  }

  /** Everything `pid` maps now that carries a TLS library (replaces what it mapped before). */
  sawProcess(pid: number, binaries: readonly TlsBinary[]): TlsAction[] {
    const actions: TlsAction[] = [];
    const now = new Set<string>();
    for (const b of binaries) {
      if (now.has(b.key)) continue;
      let target = this.#targets.get(b.key);
      if (target === undefined) {
        actions.push(...this.#add(b, false));
        target = this.#targets.get(b.key);
      }
      if (target === undefined) continue;
      target.pids.add(pid);
      now.add(b.key);
    }
    const before = this.#byPid.get(pid);
    if (before) {
      for (const key of before) if (!now.has(key)) actions.push(...this.#release(key, pid));
    }
    if (now.size > 0) this.#byPid.set(pid, now);
    else this.#byPid.delete(pid);
    return actions;
  }

  /** The process exited (or exec'd another program): it keeps nothing attached any more. */
  processGone(pid: number): TlsAction[] {
    const keys = this.#byPid.get(pid);
    if (keys === undefined) return [];
    this.#byPid.delete(pid);
    const actions: TlsAction[] = [];
    for (const key of keys) actions.push(...this.#release(key, pid));
    return actions;
  }

  /** Attaching failed (the binary lacks a symbol, vanished...): forget it and do not retry it. */
  attachFailed(key: string): void {
    const target = this.#targets.get(key);
    if (target === undefined) return;
    this.#targets.delete(key);
    this.stats.attached--;
    this.stats.failed++;
    for (const pid of target.pids) {
      const keys = this.#byPid.get(pid);
      keys?.delete(key);
      if (keys?.size === 0) this.#byPid.delete(pid);
    }
    if (this.#failed.size >= this.#maxTargets * 4) this.#failed.clear();
    this.#failed.add(key);
  }

  #add(binary: TlsBinary, pinned: boolean): TlsAction[] {
    if (this.#failed.has(binary.key)) return [];
    if (this.#targets.size >= this.#maxTargets) {
      this.stats.refused++;
      return [];
    }
    this.#targets.set(binary.key, { binary, pinned, pids: new Set() });
    this.stats.attached++;
    return [{ op: 'attach', binary }];
  }

  #release(key: string, pid: number): TlsAction[] {
    const target = this.#targets.get(key);
    if (target === undefined) return [];
    target.pids.delete(pid);
    if (target.pids.size > 0 || target.pinned) return [];
    this.#targets.delete(key);
    this.stats.attached--;
    return [{ op: 'detach', key, path: target.binary.path }];
  }
}
