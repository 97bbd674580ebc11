import { L7Probes, type LoadedL7Probes } from '../capture/l7-probes.js';
import type { RawBatch } from '../kernel/ring-buffer.js';
import { TlsDiscovery } from '../capture/tls-discovery.js';
import { attachTlsProbes } from '../capture/tls-probes.js';
import { MonotonicClock } from '../correlate/clock.js';
import type { FlowCorrelator } from '../correlate/flow-correlator.js';
import { L7Connections } from '../correlate/l7-connections.js';
import type { L7Exchange } from '../correlate/l7-exchange.js';
import { TlsPlaintext } from '../correlate/tls-plaintext.js';
import type { DecodeProblem } from '../decode/batch.js';
import { decodeL7Batch, type L7Event } from '../decode/l7-events.js';
import { BoundedQueue } from '../lib/bounded-queue.js';
import { idlePromotions, setOwnThreadIdle, setThreadIdle, setWatchdogCompanions, startIdleWatchdog } from '../kernel/thread-class.js';
import { helperThreads, IdleRest, mayLeaveIdleClass, ownThreads } from './idle-parsing.js';
import { HelperThreads } from './helper-threads.js';
import { SlicedBatches } from './sliced-batches.js';
import { readPrivileges } from '../capture/doctor/system-facts.js';

export interface L7PipelineOptions {
  flows: FlowCorrelator;
  captureBytes: number;
  /** Segments per second the kernel may send (whole host); past it, connections are shed. */
  maxSegmentsPerSecond: number;
  redactSecrets: boolean;
  keepSqlLiterals?: boolean;
  /** DNS is recognised by this port (UDP and TCP). Default 53. */
  dnsPort?: number;
  /** TLS plaintext from OpenSSL and GnuTLS by uprobes (docs/tls.md). Default true. */
  tls?: boolean;
  /** One capture for a connection between two local processes (L7ProbeOptions.mirrorLocalPeers, default true). */
  mirrorLocalPeers?: boolean;
  /**
   * Keep this thread at SCHED_IDLE while batches or closes keep coming (config l7.parse_priority:
   * idle): all its work, flows and the API included, then runs on CPU time the workload leaves,
   * and the watchdog brings it back to the normal class when the workload starves it
   * (idle-parsing.ts). Needs CAP_SYS_NICE to come back; without it, the thread stays at the
   * normal class and onError says so. stop() puts it back at the normal class.
   */
  parseAtIdle?: boolean;
  /**
   * The probes, loaded already (L7Probes.loadAsync, with the same capture settings): attached
   * here. Without it they are loaded here.
   */
  loaded?: LoadedL7Probes;
  onExchange: (exchange: L7Exchange) => void;
  /**
   * `count` exchanges alike that the kernel counted on paused connections (over the segment
   * budget): metrics, not records. Without it they are drained and dropped.
   */
  onTally?: (exchange: L7Exchange, count: number) => void;
  onError?: (err: unknown) => void;
  queueCapacity?: number;
}

// Also how often exchanges waiting for their owner are re-checked.
const SWEEP_INTERVAL_MS = 50;
/**
 * Sweeps run every SWEEP_INTERVAL_MS until this many in a row saw no batch or close (750 ms): a
 * closed connection's grace (500 ms) and an owner wait (200 ms) end within them.
 */
const SWEEP_QUIET_SWEEPS = 15;
/** Then, while connections or DNS conversations remain (idle timeouts, unanswered queries). */
const SWEEP_QUIET_INTERVAL_MS = 1000;
/** Kernel tallies reach metrics one to two of these after their exchange. */
const TALLY_INTERVAL_MS = 1000;
/** Wall time one parse slice may take before the event loop's turn. */
const PARSE_SLICE_MS = 10;
/**
 * Longest time the thread may miss its beats (one per fast sweep, SWEEP_INTERVAL_MS) at
 * SCHED_IDLE before the watchdog brings it back.
 */
const IDLE_WATCHDOG_MS = 250;

/**
 * capture (cgroup_skb, TLS uprobes) -> decode -> queue "l7-segments" -> TLS plaintext tied to
 * its socket -> streams + protocol parsers -> L7Exchange.
 */
export class L7Pipeline {
  readonly probes: L7Probes;
  readonly queue: BoundedQueue<L7Event>;
  readonly connections: L7Connections;
  readonly tlsPlaintext: TlsPlaintext;
  /** null when TLS capture is off. */
  readonly tls: TlsDiscovery | null;
  readonly decodeProblems: ReadonlyMap<DecodeProblem, number>;
  readonly #clock: MonotonicClock;
  readonly #sweepNow: () => void;
  /** Armed while there is something to sweep; none on an agent that has seen no L7 traffic lately. */
  #sweepTimer: NodeJS.Timeout | null = null;
  /** The timer armed is the SWEEP_INTERVAL_MS one. */
  #sweepFast = false;
  /** A batch or close since the last sweep. Flags, not clock reads: closes come for every TCP flow. */
  #active = false;
  #quietSweeps = 0;
  #stopped = false;
  readonly #tallyTimer: NodeJS.Timeout;
  readonly #onTally: ((exchange: L7Exchange, count: number) => void) | undefined;
  readonly #onError: ((err: unknown) => void) | undefined;
  readonly #unsubscribe: () => void;
  /** Segments per second the kernel may hand over, whole host (null: no limit). */
  readonly segmentsPerSecond: number | null;
  /** The last batch was cut short: segments still wait in the ring (a backlog). */
  #behind = false;
  readonly #idle: IdleRest;
  readonly #batches: SlicedBatches;
  /** The watchdog runs (it started with idle parsing, and stays if parsing falls back). */
  readonly #watchdog: boolean;

  private constructor(probes: L7Probes, queue: BoundedQueue<L7Event>, connections: L7Connections, tlsPlaintext: TlsPlaintext, tls: TlsDiscovery | null, unsubscribe: () => void, problems: ReadonlyMap<DecodeProblem, number>, clock: MonotonicClock, idle: IdleRest, batches: SlicedBatches, options: L7PipelineOptions) {
    this.probes = probes;
    this.queue = queue;
    this.connections = connections;
    this.tlsPlaintext = tlsPlaintext;
    this.tls = tls;
    this.#unsubscribe = unsubscribe;
    this.decodeProblems = problems;
    this.#clock = clock;
    this.#idle = idle;
    this.#batches = batches;
    this.#watchdog = idle.enabled;
    // Sweeps hand over exchanges too (those that waited for their owner, or for a close); with
    // nothing to walk, one is not worth two scheduler calls.
    const sweep = (): void => {
      try {
        const now = clock.nowMonotonicNs();
        const behind = this.#behind || batches.backlog > 0;
        connections.sweep(now, behind ? connections.newestSegmentNs : now);
      } catch (err) {
        options.onError?.(err);
      }
    };
    this.#sweepNow = sweep;
    this.#onTally = options.onTally;
    this.#onError = options.onError;
    this.segmentsPerSecond = options.maxSegmentsPerSecond > 0 ? options.maxSegmentsPerSecond : null;
    this.#tallyTimer = setInterval(() => this.#drainTallies(false), TALLY_INTERVAL_MS);
    this.#tallyTimer.unref();
  }

  /** Segments arrived or a connection closed: sweeps are due every SWEEP_INTERVAL_MS for a while. */
  #noteActivity(): void {
    this.#active = true;
    if (!this.#sweepFast) {
      this.#idle.beat();
      this.#armSweep(true);
    }
  }

  #armSweep(fast: boolean): void {
    if (this.#stopped) return;
    if (this.#sweepTimer !== null) clearTimeout(this.#sweepTimer);
    this.#sweepFast = fast;
    this.#sweepTimer = setTimeout(() => this.#onSweepTimer(), fast ? SWEEP_INTERVAL_MS : SWEEP_QUIET_INTERVAL_MS);
    this.#sweepTimer.unref();
  }

  #onSweepTimer(): void {
    this.#sweepTimer = null;
    this.#sweepFast = false;
    this.#sweepNow();
    if (this.#active) {
      this.#active = false;
      this.#quietSweeps = 0;
      this.#idle.beat();
      this.#armSweep(true);
    } else if (++this.#quietSweeps < SWEEP_QUIET_SWEEPS) {
      this.#idle.beat();
      this.#armSweep(true);
    } else {
      this.#idle.quiet();
      if (this.connections.pending > 0) this.#armSweep(false);
    }
  }

  /** Kernel tallies -> exchanges with identity -> onTally. Segments queued before are handled first (owners, routes). */
  #drainTallies(all: boolean): void {
    try {
      const entries = this.probes.drainTallies(all);
      if (entries.length === 0) return;
      for (const t of this.connections.tallied(entries, Date.now())) this.#onTally?.(t.exchange, t.count);
    } catch (err) {
      this.#onError?.(err);
    }
  }

  static start(options: L7PipelineOptions): L7Pipeline {
    const clock = new MonotonicClock();
    const tlsEnabled = options.tls ?? true;
    const connections = new L7Connections({
      flows: options.flows,
      clock,
      redactSecrets: options.redactSecrets,
      keepSqlLiterals: options.keepSqlLiterals ?? false,
      dnsPort: options.dnsPort ?? 53,
      onExchange: options.onExchange,
    });
    const plaintext = new TlsPlaintext({ emit: (s) => connections.segment(s) });
    const queue = new BoundedQueue<L7Event>('l7-segments', options.queueCapacity ?? 65536, (e) => {
      switch (e.kind) {
        case 'segment': connections.segment(e); break;
        case 'shed': connections.shed(e.socketCookie); break;
        case 'tls-data': plaintext.data(e); break;
        case 'tls-bind': plaintext.bind(e); break;
        case 'tls-free': plaintext.free(e); break;
      }
    }, options.onError);
    const problems = new Map<DecodeProblem, number>();
    let pipeline: L7Pipeline | undefined;
    let idleWanted = options.parseAtIdle ?? false;
    if (idleWanted && !mayLeaveIdleClass(readPrivileges())) {
      idleWanted = false;
      options.onError?.(new Error('l7.parse_priority: idle needs CAP_SYS_NICE (to return to the normal class after each parse slice); parsing at the normal class'));
    }
    if (idleWanted) {
      try {
        startIdleWatchdog(IDLE_WATCHDOG_MS);
      } catch (err) {
        idleWanted = false;
        options.onError?.(new Error(`l7.parse_priority: idle needs its watchdog thread, parsing at the normal class: ${(err as Error).message}`));
      }
    }
    // Node's helper threads (GC, compiler, libuv pool) and the ring buffer consumers work for this
    // thread, and it waits for the helpers inside GC: they move with it (helper-threads.ts).
    const helpers = idleWanted
      ? new HelperThreads(() => helperThreads(process.pid, ownThreads()), { setClass: setThreadIdle, setWatchdogCompanions }, (e) => options.onError?.(e))
      : null;
    const idle = new IdleRest({
      enabled: idleWanted,
      setIdle: setOwnThreadIdle,
      promotions: idlePromotions,
      onError: (e) => options.onError?.(e),
      onClassChange: (atIdle) => helpers?.move(atIdle),
    });
    const batches = new SlicedBatches({
      runSlice: (work) => {
        idle.sliceStarting();
        work();
      },
      sliceMs: PARSE_SLICE_MS,
      onError: (err) => options.onError?.(err),
      handle: (batch, from, to) => {
        decodeL7Batch(batch, (s) => queue.push(s), (p) => problems.set(p, (problems.get(p) ?? 0) + 1), from, to);
        // Parsed before the next records are taken: after a stall the native queue hands over
        // its batches back to back, and they must wait in the kernel's ring (which sheds to
        // tallies when half full), not overflow this queue.
        queue.drain();
      },
    });
    const onBatch = (batch: RawBatch, release: () => void): boolean => {
      if (pipeline !== undefined) {
        pipeline.#behind = !batch.drained;
        pipeline.#noteActivity();
      }
      batches.add(batch, release);
      return true;
    };
    const probes = options.loaded !== undefined
      ? options.loaded.attach(onBatch)
      : L7Probes.start({
        captureBytes: options.captureBytes,
        maxSegmentsPerSecond: options.maxSegmentsPerSecond,
        dnsPort: options.dnsPort ?? 53,
        tls: tlsEnabled,
        mirrorLocalPeers: options.mirrorLocalPeers,
        onBatch,
      });
    let tls: TlsDiscovery | null = null;
    let unsubscribe = (): void => {};
    if (tlsEnabled && probes.tlsUnavailable !== null) {
      options.onError?.(new Error(`TLS plaintext capture is off: ${probes.tlsUnavailable}`));
    } else if (tlsEnabled) {
      try {
        const discovery = TlsDiscovery.start({
          attach: (binary) => attachTlsProbes((program, path, func, ret) => probes.attachUprobe(program, path, func, ret), binary),
          ...(options.onError === undefined ? {} : { onError: options.onError }),
        });
        tls = discovery;
        unsubscribe = options.flows.addExecListener((e) => discovery.processStarted(e.pid));
      } catch (err) {
        // Plaintext capture still works without TLS.
        options.onError?.(err);
      }
    }
    pipeline = new L7Pipeline(probes, queue, connections, plaintext, tls, unsubscribe, problems, clock, idle, batches, options);
    return pipeline;
  }

  /** Whether this thread works at SCHED_IDLE (it falls back to the normal class on a failed switch). */
  get parsesAtIdle(): boolean {
    return this.#idle.enabled;
  }

  /** Parse slices run so far (sliced-batches.ts). */
  get parseSlices(): number {
    return this.#batches.slices;
  }

  /** Times the watchdog gave the thread, starved at SCHED_IDLE, a turn at the normal class. */
  get parsePromotions(): number {
    return this.#watchdog ? idlePromotions() : 0;
  }

  /** TCP reported this connection closed (from the flow probes). */
  connectionClosed(socketCookie: number): void {
    this.connections.closed(socketCookie, this.#clock.nowMonotonicNs());
    this.#noteActivity();
  }

  stop(): void {
    this.#stopped = true;
    // The last flushes are not left to idle CPU time.
    this.#idle.stop();
    if (this.#sweepTimer !== null) clearTimeout(this.#sweepTimer);
    clearInterval(this.#tallyTimer);
    this.#unsubscribe();
    this.tls?.stop();
    // Segments already taken are parsed before the last tallies (they may name their routes).
    this.#batches.flush();
    this.#drainTallies(true);
    this.probes.close();
    this.#batches.flush();
    this.queue.drain();
    this.connections.flushAll(this.#clock.nowMonotonicNs());
  }
}
