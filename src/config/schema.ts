export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

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

export interface SondeConfig {
  listen: { host: string; port: number };
  healthListen: { host: string; port: number };
  /** null = run until signalled. */
  durationMs: number | null;
  logLevel: LogLevel;
  flows: { recentLimit: number; tableSize: number };
  metrics: { maxSeriesPerMetric: number };
  services: ServiceRule[];
  configFile: string | null;
}

// The BPF flow map is hashed with a mask, so its size must be a power of two.
export const FLOW_TABLE_SIZE_MIN = 1024;
export const FLOW_TABLE_SIZE_MAX = 1_048_576;

/** Kernel comm names are TASK_COMM_LEN (16) bytes including the NUL. */
export const COMM_MAX_LENGTH = 15;

/** Node timers overflow above 2^31-1 ms and then fire immediately, so --duration is capped. */
export const DURATION_MAX_MS = 2_147_483_647;

/** A fresh copy each call so callers may mutate the result without aliasing. */
export function defaultConfig(): SondeConfig {
  return {
    listen: { host: '127.0.0.1', port: 8080 },
    healthListen: { host: '127.0.0.1', port: 8081 },
    durationMs: null,
    logLevel: 'info',
    flows: { recentLimit: 10_000, tableSize: 65_536 },
    metrics: { maxSeriesPerMetric: 2_000 },
    services: [],
    configFile: null,
  };
}
