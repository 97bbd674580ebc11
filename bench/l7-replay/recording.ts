/**
 * A recording of what the kernel hands sonde's user space under bench/http's workload (or
 * bench/db's Redis one): every ring-buffer batch of the flow and L7 probes (copied, with the monotonic time it arrived) and
 * every tally drain. Replayed by replay.ts, it lets the user-space pipeline be measured without
 * the kernel, the workload or the scheduler in the numbers.
 */
import { FlowProbes } from '../../src/capture/flow-probes.js';
import { L7Probes, type KernelTally } from '../../src/capture/l7-probes.js';
import { defaultConfig } from '../../src/config/schema.js';
import type { RawBatch } from '../../src/kernel/ring-buffer.js';
import { startLoadServer, type LoadWorkload } from '../load-servers.js';

export type Ring = 'flow' | 'l7';

/** What drives the traffic (bench/load-servers.ts): nginx under wrk, or redis-server under redis-benchmark. */
export type Workload = LoadWorkload;

export interface RecordedBatch {
  ring: Ring;
  /** process.hrtime (CLOCK_MONOTONIC, the kernel's bpf_ktime_get_ns) when it arrived. */
  atNs: number;
  buffer: ArrayBuffer;
  index: Uint32Array;
  count: number;
  /** Replayed whole: there is never more behind it. */
  drained: true;
}

export interface RecordedTallies {
  atNs: number;
  entries: KernelTally[];
}

export interface Recording {
  /** Absent in files saved before there was a choice: http. */
  workload?: Workload;
  batches: RecordedBatch[];
  tallies: RecordedTallies[];
  /** Requests (wrk) or operations (redis-benchmark) the client completed while recording. */
  requests: number;
  seconds: number;
  startNs: number;
  endNs: number;
}

const monotonicNs = (): number => Number(process.hrtime.bigint());

/** A batch outlives its callback only as a copy: the native side reuses its memory. */
export function copyBatch(ring: Ring, batch: RawBatch, atNs: number): RecordedBatch {
  return { ring, atNs, buffer: batch.buffer.slice(0), index: batch.index.slice(0, batch.count * 2), count: batch.count, drained: true };
}

/** Tallies are drained as often as the agent drains them (L7Pipeline's TALLY_INTERVAL_MS). */
const TALLY_INTERVAL_MS = 1000;

/**
 * The workload for about `seconds` (the server on CPU 0, its client on CPU 1), with sonde's flow
 * and L7 probes loaded as `sonde up` loads them by default (TLS off: nothing here speaks it).
 */
export async function recordTraffic(workload: Workload, seconds: number): Promise<Recording> {
  const defaults = defaultConfig();
  const batches: RecordedBatch[] = [];
  const tallies: RecordedTallies[] = [];
  const server = await startLoadServer(workload);
  let flows: FlowProbes | null = null;
  let l7: L7Probes | null = null;
  let timer: NodeJS.Timeout | null = null;
  try {
    flows = FlowProbes.start({
      tableSize: defaults.flows.tableSize,
      emitExecEvents: true,
      emitOpenEvents: true,
      onBatch: (b) => void batches.push(copyBatch('flow', b, monotonicNs())),
    });
    l7 = L7Probes.start({
      captureBytes: defaults.l7.captureBytes,
      maxSegmentsPerSecond: defaults.l7.maxSegmentsPerSecond,
      dnsPort: defaults.l7.dnsPort,
      tls: false,
      mirrorLocalPeers: defaults.l7.mirrorLocalPeers,
      onBatch: (b) => void batches.push(copyBatch('l7', b, monotonicNs())),
    });
    const probes = l7;
    timer = setInterval(() => tallies.push({ atNs: monotonicNs(), entries: probes.drainTallies(false) }), TALLY_INTERVAL_MS);
    const startNs = monotonicNs();
    const { requests } = await server.drive(seconds);
    // The last segments and closes are still on their way (drain intervals), and the last tallies.
    await new Promise((resolve) => setTimeout(resolve, 300));
    tallies.push({ atNs: monotonicNs(), entries: probes.drainTallies(true) });
    return { workload, batches, tallies, requests, seconds, startNs, endNs: monotonicNs() };
  } finally {
    if (timer !== null) clearInterval(timer);
    l7?.close();
    flows?.close();
    await server.stop();
  }
}
