import { BpfObject } from '../kernel/bpf-object.js';
import { bpfObjectPath } from '../kernel/package-root.js';
import { possibleCpus } from '../kernel/cpus.js';
import type { RawBatch, RingBuffer } from '../kernel/ring-buffer.js';
import { L7_STATS_SIZE, readL7Stats, type L7Stats } from '../decode/generated/l7.js';
import { readCgroup2Mount } from './doctor/system-facts.js';
import { sumPerCpuStats } from './per-cpu-stats.js';
import { CaptureError, explainBpfFailure } from './capture-error.js';

/** Largest per-segment capture the BPF program supports (SONDE_L7_MAX_CAPTURE). */
export const MAX_CAPTURE_BYTES = 4096;

/** Records are exchanges, not connections: drain often enough that latency stays low. */
const DRAIN_INTERVAL_MS = 20;

export interface L7ProbeOptions {
  /** Payload bytes copied per segment (the rest is counted, not copied). */
  captureBytes: number;
  /** Segments per second sent to user space, whole host; past it connections are shed. */
  maxSegmentsPerSecond: number;
  onBatch: (batch: RawBatch) => void;
}

/** cgroup_skb ingress + egress at the cgroup v2 root: every TCP segment of every process. */
export class L7Probes {
  readonly cgroup: string;
  readonly #object: BpfObject;
  readonly #events: RingBuffer;

  private constructor(object: BpfObject, events: RingBuffer, cgroup: string) {
    this.#object = object;
    this.#events = events;
    this.cgroup = cgroup;
  }

  static start(options: L7ProbeOptions): L7Probes {
    const cgroup = readCgroup2Mount();
    if (cgroup === null) {
      throw new CaptureError('L7 capture needs a cgroup v2 hierarchy (none in /proc/mounts; mount one with `mount -t cgroup2 none /sys/fs/cgroup/unified`)');
    }
    if (!Number.isInteger(options.captureBytes) || options.captureBytes < 1 || options.captureBytes > MAX_CAPTURE_BYTES) {
      throw new CaptureError(`capture size must be 1..${MAX_CAPTURE_BYTES} bytes, got ${options.captureBytes}`);
    }
    let object: BpfObject;
    try {
      object = BpfObject.open(bpfObjectPath('l7'));
    } catch (err) {
      throw explainBpfFailure('opening bpf/build/l7.bpf.o (run `npm run build`)', err);
    }
    try {
      // The kernel's buckets are per CPU: split the host budget evenly.
      const perCpu = Math.max(1, Math.ceil(options.maxSegmentsPerSecond / possibleCpus()));
      object.setGlobalU32('capture_bytes', options.captureBytes).setGlobalU32('segments_per_sec_per_cpu', perCpu).load();
      const events = object.ringBuffer('l7_events', options.onBatch, DRAIN_INTERVAL_MS);
      object.attachCgroup('l7_egress', cgroup);
      object.attachCgroup('l7_ingress', cgroup);
      return new L7Probes(object, events, cgroup);
    } catch (err) {
      object.close();
      throw explainBpfFailure('starting L7 capture (cgroup_skb)', err);
    }
  }

  kernelStats(): L7Stats {
    return sumPerCpuStats(this.#object.map('l7_stats_map'), L7_STATS_SIZE, readL7Stats);
  }


  ringBufferStats(): { name: string; records: number; batches: number } {
    const s = this.#events.stats();
    return { name: this.#events.name, records: s.records, batches: s.batches };
  }

  close(): void {
    this.#object.close();
  }
}
