import { BpfObject } from '../kernel/bpf-object.js';
import { bpfObjectPath } from '../kernel/package-root.js';
import { possibleCpus } from '../kernel/cpus.js';
import type { Link } from '../kernel/link.js';
import type { BatchHandler, RingBuffer } from '../kernel/ring-buffer.js';
import { L7_STATS_SIZE, readL7Stats, readL7Tally, readL7TallyKey, type L7Stats, type L7Tally, type L7TallyKey } from '../decode/generated/l7.js';
import { readCgroup2Mount } from './doctor/system-facts.js';
import { sumPerCpuStats } from './per-cpu-stats.js';
import { CaptureError, explainBpfFailure } from './capture-error.js';
import { retryInterruptedLoad, retryInterruptedLoadAsync } from './load-retry.js';

/** Largest per-segment capture the BPF program supports (SONDE_L7_MAX_CAPTURE). */
export const MAX_CAPTURE_BYTES = 4096;

/** Records are exchanges, not connections: drain often enough that latency stays low. */
const DRAIN_INTERVAL_MS = 20;

export interface L7ProbeOptions {
  /** Payload bytes copied per segment (the rest is counted, not copied). */
  captureBytes: number;
  /** Segments per second sent to user space, whole host; past it connections are shed. */
  maxSegmentsPerSecond: number;
  /** DNS is recognised by this port on either end (UDP and TCP); 0 turns DNS capture off. */
  dnsPort?: number;
  /**
   * Load the TLS plaintext programs (uprobes, attached per binary with attachUprobe()) and attach
   * the socket tracepoints that tie TLS objects to sockets. Default false.
   */
  tls?: boolean;
  /**
   * Capture a connection between two local processes once, on its server socket, and report
   * its exchanges for both ends (l7.mirror_local_peers). Default true.
   */
  mirrorLocalPeers?: boolean;
  onBatch: BatchHandler;
}

/** The socket programs; everything else in the object is TLS. */
const SOCKET_PROGRAMS = ['l7_egress', 'l7_ingress'];
/** Tracepoints (in the caller's context) that tie a TLS object to the socket it sends or receives on. */
const TLS_SOCKET_PROGRAMS = ['l7_tls_sock_send', 'l7_tls_sock_recv'];

/** Exchanges of one kind on one paused socket, counted in the kernel (bpf/lib/l7_tally.bpf.h). */
export interface KernelTally {
  key: L7TallyKey;
  tally: L7Tally;
}

const viewOf = (b: Buffer): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** The L7 object loaded, not attached yet (L7Probes.loadAsync). */
export interface LoadedL7Probes {
  readonly object: BpfObject;
  /** Creates the ring buffer consumer and attaches the programs. On failure the object is closed. */
  attach(onBatch: BatchHandler): L7Probes;
}

/** Opened with its settings; attach after the load, saying why TLS is off when it was wanted. */
interface OpenedL7Object {
  readonly object: BpfObject;
  attach(onBatch: BatchHandler, tlsUnavailable?: string | null): L7Probes;
}

/** cgroup_skb ingress + egress at the cgroup v2 root: every TCP segment and DNS datagram of every process. */
export class L7Probes {
  readonly cgroup: string;
  /** Why TLS capture was asked for and is not running (its programs would not load or attach), else null. */
  readonly tlsUnavailable: string | null;
  readonly #object: BpfObject;
  readonly #events: RingBuffer;
  /** The epoch the programs write tallies under. */
  #tallyEpoch = 0;

  private constructor(object: BpfObject, events: RingBuffer, cgroup: string, tlsUnavailable: string | null) {
    this.#object = object;
    this.#events = events;
    this.cgroup = cgroup;
    this.tlsUnavailable = tlsUnavailable;
  }

  /**
   * Loads and attaches. With `tls`, a kernel that cannot run the TLS programs (no
   * sock_send_length tracepoint before 6.3, no uprobes) still gets socket capture: the reason is
   * in `tlsUnavailable`.
   */
  static start(options: L7ProbeOptions): L7Probes {
    return L7Probes.#withFallback(options, (tls, unavailable) => retryInterruptedLoad(() => {
      const loading = L7Probes.#open(options, tls);
      try {
        loading.object.load();
      } catch (err) {
        loading.object.close();
        throw explainBpfFailure(L7Probes.#what(tls), err);
      }
      return loading.attach(options.onBatch, unavailable);
    }));
  }

  /**
   * start() in two steps: the load (the verifier's work, ~0.4 s) runs on another thread, so the
   * agent can load its flow probes meanwhile; attach once the parser is there to take batches.
   */
  static async loadAsync(options: Omit<L7ProbeOptions, 'onBatch'>): Promise<LoadedL7Probes> {
    const load = (tls: boolean): Promise<OpenedL7Object> => retryInterruptedLoadAsync(async () => {
      const loading = L7Probes.#open(options, tls);
      try {
        await loading.object.loadAsync();
        return loading;
      } catch (err) {
        loading.object.close();
        throw explainBpfFailure(L7Probes.#what(tls), err);
      }
    });
    if (options.tls !== true) return load(false);
    try {
      return await load(true);
    } catch (err) {
      const loaded = await load(false);
      const unavailable = err instanceof Error ? err.message : String(err);
      return { object: loaded.object, attach: (onBatch) => loaded.attach(onBatch, unavailable) };
    }
  }

  static #what(tls: boolean): string {
    return tls ? 'starting L7 capture with TLS' : 'starting L7 capture (cgroup_skb)';
  }

  static #withFallback(options: L7ProbeOptions, start: (tls: boolean, unavailable: string | null) => L7Probes): L7Probes {
    if (options.tls !== true) return start(false, null);
    try {
      return start(true, null);
    } catch (err) {
      return start(false, err instanceof Error ? err.message : String(err));
    }
  }

  /** Opens the object with its settings; `attach` (after the load) makes the running probes. */
  static #open(options: Omit<L7ProbeOptions, 'onBatch'>, tls: boolean): OpenedL7Object {
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
      object.setGlobalU32('capture_bytes', options.captureBytes).setGlobalU32('segments_per_sec_per_cpu', perCpu)
        .setGlobalU16('dns_port', options.dnsPort ?? 53)
        .setGlobalBool('mirror_local_peers', options.mirrorLocalPeers ?? true);
      if (tls) object.setGlobalU32('ignore_tgid', process.pid);
      else object.onlyPrograms(SOCKET_PROGRAMS);
    } catch (err) {
      object.close();
      throw explainBpfFailure(L7Probes.#what(tls), err);
    }
    const attach = (onBatch: BatchHandler, tlsUnavailable: string | null = null): L7Probes => {
      try {
        // At most four batches (of at most 1 MiB each) ahead of the parser, and a turn of the event
        // loop between them (flows, metrics and the API must not wait behind a backlog). A burst
        // waits here and in the ring; past half a ring, the kernel sheds to its tallies.
        const events = object.ringBuffer('l7_events', onBatch, DRAIN_INTERVAL_MS, 4, true);
        object.attachCgroup('l7_egress', cgroup);
        object.attachCgroup('l7_ingress', cgroup);
        if (tls) for (const p of TLS_SOCKET_PROGRAMS) object.attach(p);
        return new L7Probes(object, events, cgroup, tlsUnavailable);
      } catch (err) {
        object.close();
        throw explainBpfFailure(L7Probes.#what(tls), err);
      }
    };
    return { object, attach };
  }

  /** Attaches one of the TLS programs to a function of a binary (by symbol); needs `tls: true`. */
  attachUprobe(program: string, binary: string, func: string, retprobe: boolean): Link {
    return this.#object.attachUprobe(program, { binary, func, retprobe });
  }

  kernelStats(): L7Stats {
    return sumPerCpuStats(this.#object.map('l7_stats_map'), L7_STATS_SIZE, readL7Stats);
  }


  /**
   * Tallies of the epoch programs stopped writing to at the previous call (so none is still
   * being added to), removed from the kernel map; then the programs move to that epoch. Call
   * periodically: a tally reaches user space one to two periods after its exchange. `all` also
   * takes the epoch being written (agent stopping: a tally in flight may be cut short).
   */
  drainTallies(all = false): KernelTally[] {
    const map = this.#object.map('l7_tallies');
    const idle = this.#tallyEpoch ^ 1;
    const out: KernelTally[] = [];
    // Sized to what is there (counted natively): dump() allocates for `max` entries, and the
    // whole map (32k × 400 B) every second cost the agent more CPU than the tallies it read.
    // An entry added meanwhile waits for a later drain.
    const present = map.count();
    if (present === 0 && !all) {
      this.#flipTallyEpoch();
      return [];
    }
    for (const { key, value } of map.dump(Math.min(map.maxEntries, present + 64))) {
      const k = readL7TallyKey(viewOf(key), 0);
      if (k.epoch !== idle && !all) continue;
      out.push({ key: k, tally: readL7Tally(viewOf(value), 0) });
      map.delete(Buffer.from(key));
    }
    this.#flipTallyEpoch();
    return out;
  }

  /** Programs write tallies under the other epoch from now on. */
  #flipTallyEpoch(): void {
    const next = this.#tallyEpoch ^ 1;
    const value = Buffer.alloc(4);
    value.writeUInt32LE(next);
    this.#object.map('l7_tally_epoch').update(Buffer.alloc(4), value);
    this.#tallyEpoch = next;
  }

  ringBufferStats(): { name: string; records: number; batches: number } {
    const s = this.#events.stats();
    return { name: this.#events.name, records: s.records, batches: s.batches };
  }

  close(): void {
    this.#object.close();
  }
}
