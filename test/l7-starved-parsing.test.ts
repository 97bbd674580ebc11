// Kernel test: with every CPU kept busy by normal-class work, the agent's idle-class thread gets
// almost no CPU time. The agent must still answer /metrics while the load runs (the parse is cut
// into slices, and a watchdog puts the thread back at the normal class once it has missed its
// beats for 250 ms), and still count every command once the load is over. Before slicing, one
// /metrics scrape waited for the whole of a 10 s load.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { kernelUnavailableReason, requireKernel } from './support/kernel.js';
import { startRedis } from './support/redis.js';
import { startSondeUp, type SondeProcess } from './support/sonde-process.js';
import type { Daemon } from './support/daemon.js';

function metricSum(text: string, name: string, labels: readonly string[] = []): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!labels.every((l) => line.includes(l))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

describe('L7 parsing on CPUs the workload keeps busy', () => {
  let sonde: SondeProcess | undefined;
  let redis: Daemon | undefined;
  const hogs: ChildProcess[] = [];

  before(async () => {
    if (kernelUnavailableReason() !== null) return;
    redis = await startRedis();
    sonde = await startSondeUp([]);
  });
  after(async () => {
    for (const h of hogs) h.kill('SIGKILL');
    await sonde?.stop();
    await redis?.stop();
  });

  it('/metrics answers during the load, and every SET is counted after it', async (t) => {
    if (!requireKernel(t) || sonde === undefined || redis === undefined) return;
    // One busy loop per CPU, at the normal class like the workload.
    for (let cpu = 0; cpu < availableParallelism(); cpu++) {
      hogs.push(spawn('taskset', ['-c', String(cpu), process.execPath, '-e', 'for (;;) {}'], { stdio: 'ignore' }));
    }
    const N = 100_000;
    const bench = spawn('redis-benchmark', ['-h', '127.0.0.1', '-p', String(redis.port), '-n', String(N), '-c', '4', '-t', 'set', '-q'], { stdio: 'ignore' });
    const benchDone = new Promise<number | null>((resolve) => bench.once('exit', (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(bench.exitCode, null, 'redis-benchmark is still running (raise N if this machine is faster)');
    const scrape = await fetch(`http://${sonde.api}/metrics`);
    await scrape.text();
    const answeredDuringLoad = bench.exitCode === null;
    assert.equal(await benchDone, 0);
    for (const h of hogs) h.kill('SIGKILL');
    assert.equal(scrape.status, 200);
    assert.ok(answeredDuringLoad, '/metrics answered only after the load was over');

    let text = '';
    for (let i = 0; i < 100; i++) {
      text = await (await fetch(`http://${sonde.api}/metrics`)).text();
      if (metricSum(text, 'db_client_operation_duration_seconds_count', ['service_name="redis-benchmark"', 'db_operation_name="SET"']) >= N) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(metricSum(text, 'db_client_operation_duration_seconds_count', ['service_name="redis-benchmark"', 'db_operation_name="SET"']), N);
    assert.equal(metricSum(text, 'sonde_ringbuf_dropped_total'), 0);
    assert.equal(metricSum(text, 'sonde_pipeline_dropped_total'), 0);
    assert.ok(metricSum(text, 'sonde_l7_parse_slices_total') > 1, 'parsing ran in slices');
    assert.ok(metricSum(text, 'sonde_l7_parse_promotions_total') > 0, 'the watchdog brought a starved slice back');
  });
});
