/**
 * The servers the per-build benches drive (bench/l7-ab, bench/l7-replay): nginx (`return 200`)
 * under wrk as bench/http runs it, redis-server under redis-benchmark (SET/GET, 20 clients; or
 * `redis-pipelined`, 16 commands per write) or
 * PostgreSQL under pgbench (TPC-B-like, 4 clients, simple protocol) as bench/db runs them. The
 * server is on CPU 0, its client on CPU 1.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { postgresBin, startPostgres } from '../test/support/postgres.js';
import { startRedis } from '../test/support/redis.js';
import { runPgbenchAsync, runRedisBenchmarkAsync } from './db/workloads.js';
import { nginxUnavailable, startNginx } from './http/nginx.js';
import { runWrk, wrkUnavailable } from './http/wrk.js';

export const LOAD_WORKLOADS = ['http', 'redis', 'redis-pipelined', 'postgresql'] as const;
export type LoadWorkload = (typeof LOAD_WORKLOADS)[number];

export interface LoadRun {
  /** Requests (wrk) or operations (redis-benchmark, pgbench statements) completed. */
  requests: number;
  perSecond: number;
  unit: 'req/s' | 'ops/s';
}

export interface LoadServer {
  /** Drives the server for about `seconds` (redis-benchmark has no duration: its -n is sized for it). */
  drive(seconds: number): Promise<LoadRun>;
  stop(): Promise<void>;
}

/** Why `workload` cannot run on this machine (a server or client missing), or null. */
export function loadWorkloadUnavailable(workload: LoadWorkload): string | null {
  if (workload === 'http') return nginxUnavailable() ?? wrkUnavailable();
  if (workload === 'redis' || workload === 'redis-pipelined') {
    for (const tool of ['redis-server', 'redis-benchmark']) {
      if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0) return `${tool} is not installed (Debian: apt-get install redis-server redis-tools)`;
    }
    return null;
  }
  try {
    const pgbench = join(postgresBin(), 'pgbench');
    if (spawnSync(pgbench, ['--version'], { stdio: 'ignore' }).status !== 0) return `${pgbench} does not run`;
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** redis-benchmark's SET/GET rate on this VM without sonde, to size -n for a run of about `seconds`. */
const REDIS_OPS_PER_SECOND = 80_000;
/** Commands per write of `redis-pipelined`, and its rate (a guess: about 5x, sized as above). */
const REDIS_PIPELINE = 16;
const REDIS_PIPELINED_OPS_PER_SECOND = 400_000;

export async function startLoadServer(workload: LoadWorkload): Promise<LoadServer> {
  if (workload === 'http') {
    const nginx = await startNginx(0);
    return {
      drive: async (seconds) => {
        const r = await runWrk(`http://127.0.0.1:${nginx.port}/`, seconds, 1);
        return { requests: r.requests, perSecond: r.requestsPerSecond, unit: 'req/s' };
      },
      stop: () => nginx.stop(),
    };
  }
  if (workload === 'postgresql') {
    const pg = await startPostgres();
    // Backends are forked from the postmaster and inherit its CPU.
    spawnSync('taskset', ['-a', '-p', '-c', '0', String(pg.pid)]);
    const init = spawnSync(join(postgresBin(), 'pgbench'), ['-i', '-n', '-q', '-s', '4'], { env: pg.clientEnv, encoding: 'utf8' });
    if (init.status !== 0) {
      await pg.stop();
      throw new Error(`pgbench -i failed: ${init.stderr}`);
    }
    return {
      drive: async (seconds) => {
        const r = await runPgbenchAsync(pg.clientEnv, Math.max(1, Math.round(seconds)), 1);
        return { requests: r.operations, perSecond: r.opsPerSecond, unit: 'ops/s' };
      },
      stop: () => pg.stop(),
    };
  }
  const redis = await startRedis();
  spawnSync('taskset', ['-a', '-p', '-c', '0', String(redis.pid)]);
  const pipelined = workload === 'redis-pipelined';
  const rate = pipelined ? REDIS_PIPELINED_OPS_PER_SECOND : REDIS_OPS_PER_SECOND;
  return {
    drive: async (seconds) => {
      // -n is per test (SET, then GET).
      const r = await runRedisBenchmarkAsync(redis.port, Math.round((rate * seconds) / 2), 1, pipelined ? REDIS_PIPELINE : 1);
      return { requests: r.operations, perSecond: r.opsPerSecond, unit: 'ops/s' };
    },
    stop: () => redis.stop(),
  };
}
