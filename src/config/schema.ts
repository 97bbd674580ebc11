export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
export type L7ParsePriority = 'idle' | 'normal';
export const L7_PARSE_PRIORITIES: readonly L7ParsePriority[] = ['idle', 'normal'];

/**
 * Names a group of processes as one service. Every matcher present must match; `exe`
 * and `comm` may contain `*` globs. Several rules may share a name to express "any of".
 */
export interface ServiceRule {
  name: string;
  exe?: string;
  comm?: string;
  port?: number;
  container?: string;
}

/** L7 (per-request) capture: what is copied from the kernel, kept, and exported. */
export interface L7Config {
  enabled: boolean;
  /** Payload bytes copied per TCP segment; the rest is counted, not copied (1..4096). */
  captureBytes: number;
  /** Authorization, Cookie and Set-Cookie values are replaced by "[REDACTED]". */
  redactSecrets: boolean;
  /** Keep query strings in url.path (they often carry tokens). */
  keepQuery: boolean;
  /** Keep SQL literals in db.query.text (they carry user data; normalised to `?` by default). */
  keepSqlLiterals: boolean;
  /** DNS (UDP and TCP) is recognised by this port on either end. */
  dnsPort: number;
  /** TLS plaintext by uprobes on OpenSSL/GnuTLS (each SSL call then costs a uprobe trap, ~10 µs here). */
  tls: boolean;
  /**
   * A connection between two local processes is captured once, on its server socket, and its
   * exchanges are reported for both ends; the client's record then carries the server's timing
   * (docs/l7-capture.md, "Local pairs").
   */
  mirrorLocalPeers: boolean;
  /** Records kept for /api/v1/requests. */
  recentLimit: number;
  /**
   * TCP segments per second the kernel may hand to user space for parsing (whole host). Past
   * it, connections are shed at a request boundary for a second at a time, so an agent that
   * cannot keep up never slows the workload; sheds are counted in sonde_l7_*_shed_total.
   */
  maxSegmentsPerSecond: number;
  /**
   * Scheduling class of the agent's work while L7 traffic flows: `idle` runs parsing, flows and
   * the API on CPU time the workload leaves idle (Linux SCHED_IDLE), so a busy host keeps its CPU
   * and the kernel tallies what is not parsed; `normal` competes with the workload for CPU like
   * any process.
   */
  parsePriority: L7ParsePriority;
  /** Sustained records/s past which records (never metrics) are sampled. */
  recordBudgetPerSecond: number;
  maxRoutesPerService: number;
  /** Route patterns that win over automatic id folding, e.g. "/users/:id/orders". */
  routes: string[];
}

/** The embedded store behind the UI and history (SQLite). */
export interface StoreConfig {
  /** Database file; ":memory:" keeps nothing on disk. */
  path: string;
  /** Records older than this are deleted. */
  retentionMs: number;
  /** The file (with its WAL) is kept under this many bytes by deleting the oldest records. */
  maxBytes: number;
  /** Span rows written per second; past it spans count in the rollups only. */
  maxSpanRowsPerSecond: number;
  /** Flow rows written per second; past it flows count in the rollups only. */
  maxFlowRowsPerSecond: number;
}

export interface SondeConfig {
  listen: { host: string; port: number };
  /** Required on the API and UI when `listen` is not a loopback address; null = none. */
  authToken: string | null;
  store: StoreConfig;
  healthListen: { host: string; port: number };
  /** null = run until signalled. */
  durationMs: number | null;
  logLevel: LogLevel;
  flows: { recentLimit: number; tableSize: number };
  metrics: { maxSeriesPerMetric: number; maxPeersPerService: number };
  l7: L7Config;
  services: ServiceRule[];
  configFile: string | null;
}

// The BPF flow map is hashed with a mask, so its size must be a power of two.
export const FLOW_TABLE_SIZE_MIN = 1024;
export const FLOW_TABLE_SIZE_MAX = 1_048_576;

/** Largest per-segment capture the L7 probe supports (SONDE_L7_MAX_CAPTURE in bpf/l7.h). */
export const L7_CAPTURE_BYTES_MAX = 4096;

/** Kernel comm names are TASK_COMM_LEN (16) bytes including the NUL. */
export const COMM_MAX_LENGTH = 15;

/** Node timers overflow above 2^31-1 ms and then fire immediately, so --duration is capped. */
export const DURATION_MAX_MS = 2_147_483_647;

/** A fresh copy each call so callers may mutate the result without aliasing. */
export function defaultConfig(): SondeConfig {
  return {
    listen: { host: '127.0.0.1', port: 8080 },
    authToken: null,
    store: { path: '/var/lib/sonde/sonde.db', retentionMs: 24 * 3600_000, maxBytes: 1024 ** 3, maxSpanRowsPerSecond: 1000, maxFlowRowsPerSecond: 1000 },
    healthListen: { host: '127.0.0.1', port: 8081 },
    durationMs: null,
    logLevel: 'info',
    flows: { recentLimit: 10_000, tableSize: 65_536 },
    metrics: { maxSeriesPerMetric: 2_000, maxPeersPerService: 100 },
    l7: {
      enabled: true,
      captureBytes: 4096,
      // Matches the record budget (10k/s): a local pair is 4 segments and 2 records (2 segments
      // counted twice when mirrored), a remote peer 2 segments and 1 record. Past it the kernel
      // tallies, so parsing more segments would only make records the sampler drops (metrics
      // count every exchange either way).
      maxSegmentsPerSecond: 20_000,
      parsePriority: 'idle',
      redactSecrets: true,
      keepQuery: false,
      keepSqlLiterals: false,
      dnsPort: 53,
      tls: true,
      mirrorLocalPeers: true,
      // /api/v1/requests only (the UI reads the store): see DEFAULT_RECENT_SPANS.
      recentLimit: 2_000,
      recordBudgetPerSecond: 10_000,
      maxRoutesPerService: 100,
      routes: [],
    },
    services: [],
    configFile: null,
  };
}
