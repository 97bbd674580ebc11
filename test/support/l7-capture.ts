import { FlowPipeline } from '../../src/agent/flow-pipeline.js';
import { L7Pipeline } from '../../src/agent/l7-pipeline.js';
import type { L7Exchange } from '../../src/correlate/l7-exchange.js';
import type { FlowRecord } from '../../src/telemetry/flow-record.js';
import { kernelUnavailableReason } from './kernel.js';
import { waitFor } from './wait.js';

/**
 * After TCP reports a connection closed, L7Connections waits closeGraceMs (500) for segments
 * still in flight, then flushes it on a 50 ms sweep: past this, close-time exchanges are in.
 */
const FLUSH_MS = 1000;

export interface L7Capture {
  readonly exchanges: L7Exchange[];
  /** The pipeline under test (TLS discovery: `pipeline.tls`). */
  readonly pipeline: L7Pipeline;
  /** Exchanges of the server listening on `port`, server side (accepted sockets). */
  serverSide(port: number): L7Exchange[];
  /** Exchanges of local clients of the server on `port` (their connecting sockets). */
  clientSide(port: number): L7Exchange[];
  /** Waits until count() reaches n, failing with what capture lost. */
  atLeast(what: string, count: () => number, n: number, timeoutMs?: number): Promise<void>;
  /** Waits until every TCP connection of `port` that produced an exchange closed and was flushed. */
  settle(port: number): Promise<void>;
  lossReport(): string;
  stop(): void;
}

/** Flow + L7 pipelines as `sonde up` runs them, no shedding (tests assert exact counts). */
export async function startL7Capture(options: { dnsPort?: number; keepSqlLiterals?: boolean } = {}): Promise<L7Capture | null> {
  if (kernelUnavailableReason() !== null) return null;
  const exchanges: L7Exchange[] = [];
  const closed = new Set<number>();
  const errors: unknown[] = [];
  let l7: L7Pipeline | undefined;
  const flows = await FlowPipeline.start({
    tableSize: 65536,
    rules: [],
    onFlow: (r: FlowRecord) => {
      closed.add(r.socket_cookie);
      l7?.connectionClosed(r.socket_cookie);
    },
    onError: (e) => errors.push(e),
  });
  l7 = L7Pipeline.start({
    flows: flows.correlator,
    captureBytes: 4096,
    maxSegmentsPerSecond: 10_000_000,
    redactSecrets: true,
    keepSqlLiterals: options.keepSqlLiterals ?? false,
    dnsPort: options.dnsPort ?? 53,
    onExchange: (e) => exchanges.push(e),
    onError: (e) => errors.push(e),
  });
  const pipeline = l7;
  const lossReport = (): string => {
    const k = pipeline.probes.kernelStats();
    return `ringbuf dropped ${k.ringbufDropped}, load errors ${k.loadErrors}, queue dropped ${pipeline.queue.dropped}, ` +
      `connections ${JSON.stringify(pipeline.connections.stats)}, tls calls ${k.tlsCalls} unbound ${k.tlsUnbound} binds ${k.tlsBinds}, ` +
      `tls plaintext ${JSON.stringify(pipeline.tlsPlaintext.stats)}, errors ${errors.map(String).join('; ')}`;
  };
  return {
    exchanges,
    pipeline,
    serverSide: (port) => exchanges.filter((e) => e.side === 'server' && e.localPort === port),
    clientSide: (port) => exchanges.filter((e) => e.side === 'client' && e.remotePort === port),
    async atLeast(what, count, n, timeoutMs = 15_000) {
      try {
        await waitFor(`${what} (want ${n})`, () => (count() >= n ? true : undefined), timeoutMs);
      } catch (err) {
        throw new Error(`${(err as Error).message}; got ${count()}; ${lossReport()}`);
      }
    },
    async settle(port) {
      await waitFor(`TCP close of every connection of :${port}`, () => {
        for (const e of exchanges) {
          if ((e.localPort === port || e.remotePort === port) && !closed.has(e.socketCookie)) return undefined;
        }
        return true;
      }, 15_000);
      await new Promise((r) => setTimeout(r, FLUSH_MS));
    },
    lossReport,
    stop() {
      pipeline.stop();
      flows.stop();
    },
  };
}

/** Counts of `key(e)` over `list`, for exact per-operation assertions. */
export function countBy<T>(list: readonly T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of list) {
    const k = key(item);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
