/**
 * The servers the per-build benches drive (bench/l7-ab, bench/l7-replay): nginx (`return 200`)
 * under wrk as bench/http runs it, or redis-server under redis-benchmark (SET/GET, 20 clients)
 * as bench/db runs it. The server is on CPU 0, its client on CPU 1.
 */
import { spawnSync } from 'node:child_process';
import { startRedis } from '../test/support/redis.js';
import { runRedisBenchmarkAsync } from './db/workloads.js';
import { startNginx } from './http/nginx.js';
import { runWrk } from './http/wrk.js';

export const LOAD_WORKLOADS = ['http', 'redis'] as const;
export type LoadWorkload = (typeof LOAD_WORKLOADS)[number];

export interface LoadRun {
  /** Requests (wrk) or operations (redis-benchmark) completed. */
  requests: number;
  perSecond: number;
  unit: 'req/s' | 'ops/s';
}

export interface LoadServer {
  /** Drives the server for about `seconds` (redis-benchmark has no duration: its -n is sized for it). */
  drive(seconds: number): Promise<LoadRun>;
  stop(): Promise<void>;
}

/** redis-benchmark's SET/GET rate on this VM without sonde, to size -n for a run of about `seconds`. */
const REDIS_OPS_PER_SECOND = 80_000;

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
  const redis = await startRedis();
  spawnSync('taskset', ['-a', '-p', '-c', '0', String(redis.pid)]);
  return {
    drive: async (seconds) => {
      // -n is per test (SET, then GET).
      const r = await runRedisBenchmarkAsync(redis.port, Math.round((REDIS_OPS_PER_SECOND * seconds) / 2), 1);
      return { requests: r.operations, perSecond: r.opsPerSecond, unit: 'ops/s' };
    },
    stop: () => redis.stop(),
  };
}
