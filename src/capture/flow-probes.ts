import { existsSync } from 'node:fs';
import { BpfObject } from '../kernel/bpf-object.js';
import { bpfObjectPath } from '../kernel/package-root.js';
import type { RawBatch, RingBuffer } from '../kernel/ring-buffer.js';
import { FLOW_STATS_SIZE, readFlowStats, type FlowStats } from '../decode/generated/flows.js';
import { sumPerCpuStats } from './per-cpu-stats.js';
import { CaptureError, explainBpfFailure } from './capture-error.js';
import { retryInterruptedLoad } from './load-retry.js';

/**
 * How often the ring buffer is drained. The BPF side submits without waking us (until a quarter
 * of the ring is pending), so this bounds both the latency of a flow record and the number of
 * wake-ups per second, whatever the connection rate.
 */
const DRAIN_INTERVAL_MS = 50;

/** Programs of flows.bpf.o, and what is lost when an optional one cannot attach. */
const PROGRAMS: ReadonlyArray<{ name: string; required: boolean; lost: string }> = [
  { name: 'flow_set_state', required: true, lost: 'TCP flows' },
  { name: 'flow_first_read', required: false, lost: 'accepting process of inbound flows (the listener is used instead)' },
  { name: 'flow_retransmit', required: false, lost: 'live retransmit counts (totals at close still come from tcp_sock)' },
  { name: 'flow_receive_reset', required: false, lost: 'telling resets from normal closes' },
  { name: 'flow_send_reset', required: false, lost: 'telling resets we sent from normal closes' },
  { name: 'flow_exec', required: false, lost: 'executable names of processes that exit before their flows are reported' },
];

export interface FlowProbeOptions {
  /** Connections tracked at once in the kernel (flow_table max entries). */
  tableSize: number;
  emitExecEvents: boolean;
  /**
   * Owner-by-cookie events for live connections, with their ends: L7 capture needs them, and they
   * name the local client of an inbound flow (its peer). Off with L7 off, a measured saving.
   */
  emitOpenEvents: boolean;
  onBatch: (batch: RawBatch) => void;
}

export interface DegradedProbe {
  program: string;
  lost: string;
  reason: string;
}

/** The loaded and attached TCP flow probes. */
export class FlowProbes {
  readonly degraded: DegradedProbe[];
  readonly #object: BpfObject;
  readonly #events: RingBuffer;

  private constructor(object: BpfObject, events: RingBuffer, degraded: DegradedProbe[]) {
    this.#object = object;
    this.#events = events;
    this.degraded = degraded;
  }

  /** Loads and attaches; a load a signal interrupted (EAGAIN from the verifier) is tried again. */
  static start(options: FlowProbeOptions): FlowProbes {
    if (!existsSync('/sys/kernel/btf/vmlinux')) {
      throw new CaptureError('TCP flows need kernel BTF (/sys/kernel/btf/vmlinux is missing: a kernel built with CONFIG_DEBUG_INFO_BTF=y)');
    }
    return retryInterruptedLoad(() => FlowProbes.#start(options));
  }

  static #start(options: FlowProbeOptions): FlowProbes {
    let object: BpfObject;
    try {
      object = BpfObject.open(bpfObjectPath('flows'));
    } catch (err) {
      throw explainBpfFailure('opening bpf/build/flows.bpf.o (run `npm run build`)', err);
    }
    const degraded: DegradedProbe[] = [];
    let events: RingBuffer;
    try {
      object.setMaxEntries('flow_table', options.tableSize).setGlobalBool('emit_exec_events', options.emitExecEvents).setGlobalBool('emit_open_events', options.emitOpenEvents).load();
      for (const p of PROGRAMS) {
        try {
          object.attach(p.name);
        } catch (err) {
          if (p.required) throw err;
          degraded.push({ program: p.name, lost: p.lost, reason: (err as Error).message });
        }
      }
      events = object.ringBuffer('flow_events', options.onBatch, DRAIN_INTERVAL_MS);
    } catch (err) {
      object.close();
      throw explainBpfFailure('starting TCP flow probes', err);
    }
    return new FlowProbes(object, events, degraded);
  }

  /** The kernel-side counters, summed over CPUs. */
  kernelStats(): FlowStats {
    return sumPerCpuStats(this.#object.map('flow_stats_map'), FLOW_STATS_SIZE, readFlowStats);
  }


  /** Live connections tracked in the kernel, and the table's capacity. */
  tableOccupancy(): { entries: number; capacity: number } {
    const map = this.#object.map('flow_table');
    return { entries: map.count(), capacity: map.maxEntries };
  }

  /** What user space has received from the ring buffer (the kernel counts what it dropped). */
  ringBufferStats(): { name: string; records: number; batches: number } {
    const s = this.#events.stats();
    return { name: this.#events.name, records: s.records, batches: s.batches };
  }

  close(): void {
    this.#object.close();
  }
}
