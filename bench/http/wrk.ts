/**
 * The load: `wrk -t1 -c20 -d<S>s --latency` against nginx, pinned to CPU 1, and a parser for what
 * it prints. wrk keeps its 20 connections alive, so connection hooks rarely fire: this measures
 * the per-request cost of HTTP capture.
 */
import { spawn, spawnSync } from 'node:child_process';
import { collectOutput, track } from '../flows/processes.js';

export const WRK = process.env.WRK ?? 'wrk';
export const LOAD = { threads: 1, connections: 20 } as const;

export interface WrkResult {
  /** Responses wrk read completely within the run ("N requests in Ts"). */
  requests: number;
  /** The run's length as wrk measured it. */
  seconds: number;
  requestsPerSecond: number;
  /** Latency percentiles from --latency, in milliseconds. */
  latencyMs: { p50: number; p75: number; p90: number; p99: number };
  /** "Socket errors: ..." when wrk printed it (connect/read/write/timeout), else null. */
  socketErrors: { connect: number; read: number; write: number; timeout: number } | null;
  /** "Non-2xx or 3xx responses: N", 0 when absent. */
  non2xx3xx: number;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function durationMs(value: string, unit: string): number {
  if (unit === 'us') return Number(value) / 1000; // divided, so 239us is exactly 0.239 ms
  const scale = UNIT_MS[unit];
  if (scale === undefined) throw new Error(`wrk: unknown time unit '${unit}'`);
  return Number(value) * scale;
}

/** Parses wrk's report (run with --latency). Throws when a number the bench needs is missing. */
export function parseWrk(text: string): WrkResult {
  const total = /^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h),/m.exec(text);
  if (!total) throw new Error(`wrk: no "N requests in T" line in:\n${text}`);
  const percentile = (p: number): number => {
    const m = new RegExp(`^\\s*${p}(?:\\.0+)?%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm').exec(text);
    if (!m) throw new Error(`wrk: no ${p}% latency in its output (was --latency given?):\n${text}`);
    return durationMs(m[1]!, m[2]!);
  };
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  const requests = Number(total[1]);
  const seconds = durationMs(total[2]!, total[3]!) / 1000;
  return {
    requests,
    seconds,
    requestsPerSecond: requests / seconds,
    latencyMs: { p50: percentile(50), p75: percentile(75), p90: percentile(90), p99: percentile(99) },
    socketErrors: errors ? { connect: Number(errors[1]), read: Number(errors[2]), write: Number(errors[3]), timeout: Number(errors[4]) } : null,
    non2xx3xx: non2xx ? Number(non2xx[1]) : 0,
  };
}

/** Why wrk cannot run here, or null. */
export function wrkUnavailable(): string | null {
  const v = spawnSync(WRK, ['-v'], { encoding: 'utf8' });
  // wrk -v prints its version and usage and exits 1; only a spawn error means it is missing.
  if (v.error) return `${WRK} not found (Debian package wrk; WRK=path for another)`;
  return null;
}

export function wrkVersion(): string {
  return (spawnSync(WRK, ['-v'], { encoding: 'utf8' }).stdout ?? '').split('\n')[0]?.trim() ?? '';
}

/** One run of wrk against `url` for `seconds` on `cpu` (null: unpinned), with `connections` kept open. */
export async function runWrk(url: string, seconds: number, cpu: number | null, connections: number = LOAD.connections): Promise<WrkResult & { output: string }> {
  const args = [`-t${LOAD.threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', url];
  const child = track(cpu === null ? spawn(WRK, args, { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn('taskset', ['-c', String(cpu), WRK, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const { code, stdout, stderr } = await collectOutput(child);
  if (code !== 0) throw new Error(`wrk exited ${code}: ${stderr.trim() || stdout.trim()}`);
  return { ...parseWrk(stdout), output: stdout };
}
