import type { ExecKernelEvent, FlowCloseKernelEvent, ListenKernelEvent, OpenKernelEvent } from '../decode/flow-events.js';
import { MonotonicClock } from './clock.js';
import { LocalAddresses } from './local-addresses.js';
import { LocalClients } from './local-clients.js';
import { ProcessInfoCache } from './proc/process-info.js';
import { fourTupleKey, snapshotSocketOwners, type SocketOwners } from './proc/socket-owners.js';
import { deriveServiceName, type ServiceRule } from './service-name.js';
import { ExpiringMap } from '../lib/expiring-map.js';

/** How the owning process of a flow was found, best first. */
export type OwnerSource = 'connect' | 'accept' | 'listener' | 'proc-snapshot' | 'unknown';

/**
 * A closed TCP connection with its process identity resolved. The kernel event is kept as is
 * (composition, not a copy: this runs once per connection on busy hosts).
 */
export interface CorrelatedFlow {
  kernel: FlowCloseKernelEvent;
  direction: 'inbound' | 'outbound';
  pid: number;
  comm: string;
  startMs: number;
  durationMs: number;
  exe: string | null;
  containerId: string | null;
  serviceName: string;
  /** The service on the other end, when it is a local process we know. */
  peerService: string | null;
  ownerSource: OwnerSource;
}

interface Listener {
  pid: number;
  comm: string;
}

/** Who owns a live connection, by socket cookie. Shared between connections: never mutate one. */
export interface SocketOwner {
  readonly pid: number;
  readonly comm: string;
  readonly direction: 'inbound' | 'outbound';
}

/** Live connections whose owner is remembered; past this the oldest are forgotten. */
const MAX_OWNERS = 131072;
const CLOSED_OWNER_TTL_MS = 5_000;
/** Processes whose owner objects are kept for sharing; past this the table starts over. */
const MAX_INTERNED_OWNERS = 4096;

export interface FlowCorrelatorOptions {
  rules: readonly ServiceRule[];
  procRoot?: string;
  clock?: MonotonicClock;
  processes?: ProcessInfoCache;
}

/**
 * Gives kernel flow events their owners. The kernel knows pid/comm for connections it saw
 * open; this fills in exe and service names, and owners of connections it did not see open
 * (inbound flows no accept() claimed, connections older than the agent).
 */
export class FlowCorrelator {
  readonly #rules: readonly ServiceRule[];
  readonly #procRoot: string;
  readonly #clock: MonotonicClock;
  readonly #processes: ProcessInfoCache;
  readonly #local = new LocalAddresses();
  /** Listening ports -> the process that called listen(), from LISTEN events and /proc. */
  readonly #listeners = new Map<number, Listener>();
  #snapshot: SocketOwners | null = null;
  /** pid -> (port or -1) -> service name: naming reads /proc and parses argv, so do it once. */
  readonly #names = new Map<number, Map<number, string>>();
  readonly #owners = new Map<number, SocketOwner>();
  /**
   * Owners of connections that just closed, kept a few seconds: L7 records of a short
   * connection are often completed after its close event was processed.
   */
  readonly #closedOwners = new ExpiringMap<SocketOwner>(CLOSED_OWNER_TTL_MS, MAX_OWNERS);
  /** Who connected to local addresses: the clients of inbound flows (their peers). */
  readonly #localClients = new LocalClients(MAX_OWNERS);
  /**
   * One owner object per process, comm and direction, shared by all its connections. Under a
   * connection storm the closed owners alone were 80k objects (5 s of closes, both ends), old
   * enough to be promoted and marked by every collection: most of what the agent kept alive.
   */
  readonly #internedOwners = new Map<number, { inbound?: SocketOwner; outbound?: SocketOwner }>();
  readonly #startedMs: number;
  readonly #execListeners = new Set<(e: ExecKernelEvent) => void>();

  constructor(options: FlowCorrelatorOptions) {
    this.#rules = options.rules;
    this.#procRoot = options.procRoot ?? '/proc';
    this.#clock = options.clock ?? new MonotonicClock();
    this.#processes = options.processes ?? new ProcessInfoCache({ procRoot: this.#procRoot });
    this.#startedMs = Date.now();
  }

  /** Reads owners of sockets that already exist, so flows older than the agent get names. */
  async primeFromProc(): Promise<void> {
    const snapshot = await snapshotSocketOwners(this.#procRoot);
    this.#snapshot = snapshot;
    for (const [key, pid] of snapshot.listeners) {
      if (!/^\d+$/.test(key)) continue;
      const port = Number(key);
      if (!this.#listeners.has(port)) this.#listeners.set(port, { pid, comm: this.#processes.get(pid)?.comm ?? '' });
    }
  }

  onListen(e: ListenKernelEvent): void {
    this.#listeners.set(e.localPort, { pid: e.pid, comm: e.comm });
  }

  onOpen(e: OpenKernelEvent): void {
    if (this.#owners.size >= MAX_OWNERS) {
      const oldest = this.#owners.keys().next();
      if (oldest.done !== true) this.#owners.delete(oldest.value);
    }
    const owner = this.#internOwner(e.pid, e.comm, e.direction === 'inbound' ? 'inbound' : 'outbound');
    this.#owners.set(e.socketCookie, owner);
    const t = e.tuple;
    if (e.direction === 'outbound' && t !== null && this.#local.has(t.remoteAddr)) {
      this.#localClients.remember(t.localAddr, t.localPort, t.remoteAddr, t.remotePort, owner);
    }
  }

  #internOwner(pid: number, comm: string, direction: 'inbound' | 'outbound'): SocketOwner {
    let byDirection = this.#internedOwners.get(pid);
    if (byDirection === undefined) {
      if (this.#internedOwners.size >= MAX_INTERNED_OWNERS) this.#internedOwners.clear();
      byDirection = {};
      this.#internedOwners.set(pid, byDirection);
    }
    const known = byDirection[direction];
    // A reused pid, or a process that renamed itself: a new object, so a cached identity is not taken for it.
    if (known !== undefined && known.comm === comm) return known;
    const owner: SocketOwner = { pid, comm, direction };
    byDirection[direction] = owner;
    return owner;
  }

  /** The owner of an open connection, if connect() or accept() has been seen for it. */
  ownerOf(socketCookie: number): SocketOwner | undefined {
    return this.#owners.get(socketCookie) ?? this.#closedOwners.get(socketCookie);
  }

  /** Executable path of a process, from /proc or its exec event. */
  exeOf(pid: number): string | null {
    return this.#processes.get(pid)?.exe ?? null;
  }

  /** Command name of a process ("" when it is gone). */
  commOf(pid: number): string {
    return this.#processes.get(pid)?.comm ?? '';
  }

  /** The process listening on a local port, if known. */
  listenerOf(port: number): { pid: number; comm: string } | undefined {
    return this.#listeners.get(port);
  }

  /** Service name of a process (rules, unit, script, exe), cached per pid and port. */
  serviceOf(pid: number, comm: string, localPort: number | null): string {
    return this.#serviceName(pid, comm, localPort);
  }

  /** The local service listening on addr:port, when addr is this host. */
  localServiceAt(addr: string, port: number): string | null {
    if (!this.#local.has(addr)) return null;
    const listener = this.#listeners.get(port);
    return listener ? this.#serviceName(listener.pid, listener.comm, port) : null;
  }

  onExec(e: ExecKernelEvent): void {
    this.#names.delete(e.pid);
    this.#processes.remember(e.pid, { exe: e.filename || null, comm: e.comm, cmdline: e.args });
    for (const fn of this.#execListeners) {
      try {
        fn(e);
      } catch {
        // A listener's failure (TLS discovery reading /proc) must not stop identity tracking.
      }
    }
  }

  /** Told of every exec the flow probes report (TLS discovery probes new programs); returns the unsubscribe. */
  addExecListener(fn: (e: ExecKernelEvent) => void): () => void {
    this.#execListeners.add(fn);
    return () => {
      this.#execListeners.delete(fn);
    };
  }

  resolve(e: FlowCloseKernelEvent): CorrelatedFlow {
    this.#retireOwner(e.socketCookie);
    const listener = this.#listeners.get(e.localPort);
    let direction = e.direction;
    // Only flows older than the agent lack a direction: a local port that is listening means accepted.
    if (direction === 'unknown') direction = listener ? 'inbound' : 'outbound';

    let pid = e.pid;
    let comm = e.comm;
    let ownerSource: OwnerSource = pid === 0 ? 'unknown' : e.accepted ? 'accept' : direction === 'outbound' ? 'connect' : 'unknown';
    if (pid === 0 && this.#snapshot) {
      const owner = this.#snapshot.connections.get(fourTupleKey(e.localAddr, e.localPort, e.remoteAddr, e.remotePort));
      if (owner) {
        pid = owner.pid;
        comm = '';
        ownerSource = 'proc-snapshot';
      }
    }
    if (pid === 0 && direction === 'inbound' && listener) {
      pid = listener.pid;
      comm = listener.comm;
      ownerSource = 'listener';
    }

    const proc = pid > 0 ? this.#processes.get(pid) : null;
    // The kernel reports the name of the thread that connected or accepted (memcached's
    // `mc-worker`); a record names the process, as /proc/<pid>/comm and exec events do.
    if (proc && proc.comm !== '') comm = proc.comm;
    const serviceName = this.#serviceName(pid, comm, direction === 'inbound' ? e.localPort : null);

    const endMs = this.#clock.toWallMs(e.endNs);
    const startMs = e.partial || e.startNs === 0 ? this.#startedMs : this.#clock.toWallMs(e.startNs);
    return {
      kernel: e,
      direction,
      pid,
      comm,
      startMs,
      durationMs: Math.max(0, endMs - startMs),
      exe: proc?.exe ?? null,
      containerId: proc?.containerId ?? null,
      serviceName,
      peerService: this.#peerService(e, direction),
      ownerSource,
    };
  }

  /**
   * For outbound flows to a local listener, that listener's service; for inbound flows from a
   * local client whose connect() was seen, the client's service.
   */
  #peerService(e: FlowCloseKernelEvent, direction: 'inbound' | 'outbound'): string | null {
    if (direction === 'outbound') return this.localServiceAt(e.remoteAddr, e.remotePort);
    if (!this.#local.has(e.remoteAddr)) return null;
    const client = this.#localClients.ownerOf(e.remoteAddr, e.remotePort, e.localAddr, e.localPort);
    return client === undefined ? null : this.#serviceName(client.pid, client.comm, null);
  }

  #retireOwner(cookie: number): void {
    const owner = this.#owners.get(cookie);
    if (owner === undefined) return;
    this.#owners.delete(cookie);
    this.#closedOwners.set(cookie, owner, Date.now());
  }

  #serviceName(pid: number, comm: string, port: number | null): string {
    // The agent's own connections (scrapes of /metrics, the UI) should read as sonde, not "node".
    if (pid === process.pid) return 'sonde';
    let byPort = this.#names.get(pid);
    const cached = byPort?.get(port ?? -1);
    if (cached !== undefined) return cached;
    const proc = pid > 0 ? this.#processes.get(pid) : null;
    const name = deriveServiceName(
      { comm: proc?.comm ?? comm, exe: proc?.exe ?? null, cmdline: proc?.cmdline ?? [], containerId: proc?.containerId ?? null, systemdUnit: proc?.systemdUnit ?? null },
      port,
      this.#rules as ServiceRule[],
    );
    // pid 0 (unknown owner) is never cached: its name depends only on comm, which varies.
    if (pid > 0) {
      if (this.#names.size >= 8192) this.#names.clear();
      if (!byPort) this.#names.set(pid, (byPort = new Map()));
      byPort.set(port ?? -1, name);
    }
    return name;
  }
}
