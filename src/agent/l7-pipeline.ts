import { L7Probes } from '../capture/l7-probes.js';
import { MonotonicClock } from '../correlate/clock.js';
import type { FlowCorrelator } from '../correlate/flow-correlator.js';
import { L7Connections } from '../correlate/l7-connections.js';
import type { L7Exchange } from '../correlate/l7-exchange.js';
import type { DecodeProblem } from '../decode/batch.js';
import { decodeL7Batch, type L7Event } from '../decode/l7-events.js';
import { BoundedQueue } from '../lib/bounded-queue.js';

export interface L7PipelineOptions {
  flows: FlowCorrelator;
  captureBytes: number;
  /** Segments per second the kernel may send (whole host); past it, connections are shed. */
  maxSegmentsPerSecond: number;
  redactSecrets: boolean;
  onExchange: (exchange: L7Exchange) => void;
  onError?: (err: unknown) => void;
  queueCapacity?: number;
}

// Also how often exchanges waiting for their owner are re-checked.
const SWEEP_INTERVAL_MS = 50;

/** capture (cgroup_skb) -> decode -> queue "l7-segments" -> streams + HTTP/1 parser -> L7Exchange. */
export class L7Pipeline {
  readonly probes: L7Probes;
  readonly queue: BoundedQueue<L7Event>;
  readonly connections: L7Connections;
  readonly decodeProblems: ReadonlyMap<DecodeProblem, number>;
  readonly #clock: MonotonicClock;
  readonly #sweep: NodeJS.Timeout;

  private constructor(probes: L7Probes, queue: BoundedQueue<L7Event>, connections: L7Connections, problems: ReadonlyMap<DecodeProblem, number>, clock: MonotonicClock) {
    this.probes = probes;
    this.queue = queue;
    this.connections = connections;
    this.decodeProblems = problems;
    this.#clock = clock;
    this.#sweep = setInterval(() => connections.sweep(clock.nowMonotonicNs()), SWEEP_INTERVAL_MS);
    this.#sweep.unref();
  }

  static start(options: L7PipelineOptions): L7Pipeline {
    const clock = new MonotonicClock();
    const connections = new L7Connections({ flows: options.flows, clock, redactSecrets: options.redactSecrets, onExchange: options.onExchange });
    const queue = new BoundedQueue<L7Event>('l7-segments', options.queueCapacity ?? 65536, (e) => (e.kind === 'segment' ? connections.segment(e) : connections.shed(e.socketCookie)), options.onError);
    const problems = new Map<DecodeProblem, number>();
    const probes = L7Probes.start({
      captureBytes: options.captureBytes,
      maxSegmentsPerSecond: options.maxSegmentsPerSecond,
      onBatch: (batch) => decodeL7Batch(batch, (s) => queue.push(s), (p) => problems.set(p, (problems.get(p) ?? 0) + 1)),
    });
    return new L7Pipeline(probes, queue, connections, problems, clock);
  }

  /** TCP reported this connection closed (from the flow probes). */
  connectionClosed(socketCookie: number): void {
    this.connections.closed(socketCookie, this.#clock.nowMonotonicNs());
  }

  stop(): void {
    clearInterval(this.#sweep);
    this.probes.close();
    this.queue.drain();
    this.connections.flushAll(this.#clock.nowMonotonicNs());
  }
}
