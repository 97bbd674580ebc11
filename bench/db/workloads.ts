/**
 * The two workloads of bench/db, each a real server driven by its own benchmark client:
 * redis-benchmark against redis-server, pgbench (TPC-B-like, simple protocol) against PostgreSQL.
 * Each reports operations issued and throughput as the client measured them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { postgresBin } from '../../test/support/postgres.js';

export interface WorkloadResult {
  /** Operations per second as the benchmark client reports them. */
  opsPerSecond: number;
  /** Operations the client issued (what sonde should have one client-side record each of). */
  operations: number;
}

/** Parses `redis-benchmark --csv` output: "test","rps",... lines → summed requests per second. */
export function parseRedisBenchmarkCsv(csv: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of csv.split('\n')) {
    const cells = line.split(',').map((c) => c.replace(/^"|"$/g, ''));
    const name = cells[0];
    const rps = Number(cells[1]);
    if (name === undefined || name === 'test' || !Number.isFinite(rps) || cells.length < 2) continue;
    out.set(name, rps);
  }
  return out;
}

/** From pgbench's report: transactions processed and tps (without initial connection time). */
export function parsePgbenchReport(text: string): { transactions: number; tps: number } | null {
  const tx = /number of transactions actually processed: (\d+)/.exec(text);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(text);
  if (tx === null || tps === null) return null;
  return { transactions: Number(tx[1]), tps: Number(tps[1]) };
}

/** `pipeline` > 1: that many commands per write (-P), the kernel's walk path for paused segments. */
function redisBenchmarkCommand(port: number, requests: number, cpu: number | null, pipeline = 1): [string, string[]] {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-n', String(requests), '-c', '20', '-t', 'set,get', '--csv', ...(pipeline > 1 ? ['-P', String(pipeline)] : [])];
  return cpu === null ? ['redis-benchmark', args] : ['taskset', ['-c', String(cpu), 'redis-benchmark', ...args]];
}

/** What `redis-benchmark -n requests -t set,get --csv` printed, as operations and their combined rate. */
export function redisBenchmarkResult(csv: string, requests: number): WorkloadResult {
  const rps = parseRedisBenchmarkCsv(csv);
  const set = rps.get('SET');
  const get = rps.get('GET');
  if (set === undefined || get === undefined) throw new Error(`redis-benchmark printed no SET/GET rates: ${csv}`);
  // Both tests issue `requests` each; their combined rate is the harmonic combination.
  return { opsPerSecond: (2 * requests) / (requests / set + requests / get), operations: 2 * requests };
}

export function runRedisBenchmark(port: number, requests: number, cpu: number | null): WorkloadResult {
  const [command, args] = redisBenchmarkCommand(port, requests, cpu);
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`redis-benchmark exited ${r.status}: ${r.stderr}`);
  return redisBenchmarkResult(r.stdout, requests);
}

/** A client's stdout, run without blocking the event loop (ring buffers are drained on it meanwhile). */
function runAsync(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err}`));
      else resolve(out);
    });
  });
}

/** runRedisBenchmark that leaves the event loop running meanwhile. */
export async function runRedisBenchmarkAsync(port: number, requests: number, cpu: number | null, pipeline = 1): Promise<WorkloadResult> {
  const [command, args] = redisBenchmarkCommand(port, requests, cpu, pipeline);
  return redisBenchmarkResult(await runAsync(command, args), requests);
}

/** Statements per pgbench TPC-B transaction: BEGIN, 3 UPDATEs, SELECT, INSERT, END. */
export const PGBENCH_STATEMENTS_PER_TRANSACTION = 7;

function pgbenchCommand(seconds: number, cpu: number | null): [string, string[]] {
  const bin = join(postgresBin(), 'pgbench');
  const args = ['-n', '-c', '4', '-j', '1', '-T', String(seconds), '-M', 'simple'];
  return cpu === null ? [bin, args] : ['taskset', ['-c', String(cpu), bin, ...args]];
}

function pgbenchResult(stdout: string): WorkloadResult {
  const report = parsePgbenchReport(stdout);
  if (report === null) throw new Error(`pgbench printed no report: ${stdout}`);
  return { opsPerSecond: report.tps * PGBENCH_STATEMENTS_PER_TRANSACTION, operations: report.transactions * PGBENCH_STATEMENTS_PER_TRANSACTION };
}

export function runPgbench(env: NodeJS.ProcessEnv, seconds: number, cpu: number | null): WorkloadResult {
  const [command, args] = pgbenchCommand(seconds, cpu);
  const r = spawnSync(command, args, { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`pgbench exited ${r.status}: ${r.stderr}`);
  return pgbenchResult(r.stdout);
}

/** runPgbench that leaves the event loop running meanwhile. */
export async function runPgbenchAsync(env: NodeJS.ProcessEnv, seconds: number, cpu: number | null): Promise<WorkloadResult> {
  const [command, args] = pgbenchCommand(seconds, cpu);
  return pgbenchResult(await runAsync(command, args, env));
}
