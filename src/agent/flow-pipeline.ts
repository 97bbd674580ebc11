import { FlowProbes, type DegradedProbe } from '../capture/flow-probes.js';
import { FlowCorrelator } from '../correlate/flow-correlator.js';
import type { ServiceRule } from '../correlate/service-name.js';
import type { DecodeProblem } from '../decode/batch.js';
import { decodeFlowBatch, type FlowKernelEvent } from '../decode/flow-events.js';
import { BoundedQueue } from '../lib/bounded-queue.js';
import { toFlowRecord, type FlowRecord } from '../telemetry/flow-record.js';

export interface FlowPipelineOptions {
  tableSize: number;
  rules: readonly ServiceRule[];
  onFlow: (record: FlowRecord) => void;
  onError?: (err: unknown) => void;
  /** Report owners of live connections (needed by L7 capture; one more event per connection). Default true. */
  ownerEvents?: boolean;
  /** Capacity of the decode -> correlate queue. */
  queueCapacity?: number;
}

/** capture (flow probes) -> decode -> queue "flow-events" -> correlate -> FlowRecord. */
export class FlowPipeline {
  readonly probes: FlowProbes;
  readonly queue: BoundedQueue<FlowKernelEvent>;
  /** Records the decoder refused, by reason (sonde_decode_errors_total). */
  readonly decodeProblems: ReadonlyMap<DecodeProblem, number>;
  /** Process identity of sockets, listeners and services, shared with L7 capture. */
  readonly correlator: FlowCorrelator;

  private constructor(probes: FlowProbes, queue: BoundedQueue<FlowKernelEvent>, decodeProblems: ReadonlyMap<DecodeProblem, number>, correlator: FlowCorrelator) {
    this.probes = probes;
    this.queue = queue;
    this.decodeProblems = decodeProblems;
    this.correlator = correlator;
  }

  static async start(options: FlowPipelineOptions): Promise<FlowPipeline> {
    const correlator = new FlowCorrelator({ rules: options.rules });
    const queue = new BoundedQueue<FlowKernelEvent>('flow-events', options.queueCapacity ?? 65536, (e) => {
      switch (e.kind) {
        case 'listen': correlator.onListen(e); break;
        case 'exec': correlator.onExec(e); break;
        case 'open': correlator.onOpen(e); break;
        case 'flow-close': options.onFlow(toFlowRecord(correlator.resolve(e))); break;
      }
    }, options.onError);
    const problems = new Map<DecodeProblem, number>();
    const probes = FlowProbes.start({
      tableSize: options.tableSize,
      emitExecEvents: true,
      emitOpenEvents: options.ownerEvents ?? true,
      onBatch: (batch) => decodeFlowBatch(batch, (e) => queue.push(e), (p) => problems.set(p, (problems.get(p) ?? 0) + 1)),
    });
    // After attaching, so a connection opened meanwhile is either in /proc or seen by the probes.
    try {
      await correlator.primeFromProc();
    } catch (err) {
      options.onError?.(err);
    }
    return new FlowPipeline(probes, queue, problems, correlator);
  }

  get degraded(): readonly DegradedProbe[] {
    return this.probes.degraded;
  }

  stop(): void {
    this.probes.close();
    this.queue.drain();
  }
}
