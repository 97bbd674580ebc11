// Kernel test: an agent that stops reading (here: this thread blocked while redis-benchmark runs,
// as a saturated host would starve it) must lose nothing to the metrics. Once the l7_events ring
// is half full, the kernel sheds connections at their next request and tallies them, instead of
// losing segments to a full ring (bpf/l7.bpf.c take_request_token, docs/l7-capture.md).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FlowPipeline } from '../src/agent/flow-pipeline.js';
import { L7Pipeline } from '../src/agent/l7-pipeline.js';
import { serializePrometheus } from '../src/export/prometheus/serialize.js';
import { L7Telemetry } from '../src/telemetry/l7-telemetry.js';
import { MetricRegistry } from '../src/telemetry/metrics/registry.js';
import { run } from './support/daemon.js';
import { kernelUnavailableReason, requireKernel } from './support/kernel.js';
import { postgresBin, startPostgres, withPipelineScript } from './support/postgres.js';
import { startRedis } from './support/redis.js';

function operationCount(registry: MetricRegistry, service: string, operation: string): number {
  let total = 0;
  for (const line of serializePrometheus(registry.collect()).split('\n')) {
    if (!line.startsWith('db_client_operation_duration_seconds_count{')) continue;
    if (!line.includes(`service_name="${service}"`) || !line.includes(`db_operation_name="${operation}"`)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

describe('backpressure: a stalled agent sheds to kernel tallies instead of losing segments', () => {
  let flows: FlowPipeline | undefined;
  let l7: L7Pipeline | undefined;
  const registry = new MetricRegistry();
  const telemetry = new L7Telemetry(registry, { isLocalAddress: (a) => a.startsWith('127.') });

  before(async () => {
    if (kernelUnavailableReason() !== null) return;
    flows = await FlowPipeline.start({ tableSize: 65536, rules: [], onFlow: (r) => l7?.connectionClosed(r.socket_cookie) });
    // A budget it never reaches: only the ring's fill level can pause connections.
    l7 = L7Pipeline.start({
      flows: flows.correlator, captureBytes: 4096, maxSegmentsPerSecond: 10_000_000, redactSecrets: true,
      onExchange: (x) => telemetry.record(x),
      onTally: (x, count) => telemetry.recordTally(x, count),
    });
  });
  after(() => {
    l7?.stop();
    flows?.stop();
  });

  it('redis-benchmark while this thread is blocked: the ring never overflows, every command is counted', async (t) => {
    if (!requireKernel(t) || l7 === undefined) return;
    const redis = await startRedis();
    try {
      const N = 150_000;
      const shedBefore = l7.probes.kernelStats().connectionsShed;
      // spawnSync: this thread reads nothing until redis-benchmark is done (seconds), so the
      // native consumer's queue fills, then the ring.
      run('redis-benchmark', ['-h', '127.0.0.1', '-p', String(redis.port), '-n', String(N), '-c', '4', '-t', 'set', '-q']);
      await new Promise((r) => setTimeout(r, 3000));
      const stats = l7.probes.kernelStats();
      assert.equal(stats.ringbufDropped, 0, JSON.stringify(stats));
      assert.ok(stats.connectionsShed > shedBefore, `the ring's fill level paused connections: ${JSON.stringify(stats)}`);
      assert.equal(l7.queue.dropped, 0, 'the segment queue dropped nothing');
      assert.equal(operationCount(registry, 'redis-benchmark', 'SET'), N);
    } finally {
      await redis.stop();
    }
  });

  it('pgbench pipelines while this thread is blocked: batches are shed too, the ring never overflows, every statement is counted', async (t) => {
    if (!requireKernel(t) || l7 === undefined) return;
    // Connections are shed between batches (a Sync), and inside a long one past three quarters
    // of the ring (bpf/l7.bpf.c capture_continues_batch): never a segment lost, never a
    // statement in flight.
    const pg = await startPostgres();
    try {
      const pgbench = (args: string[]): void => {
        run(join(postgresBin(), 'pgbench'), args, { env: pg.clientEnv });
      };
      pgbench(['-i', '-n', '-s', '1', '-q']);
      await new Promise((r) => setTimeout(r, 2500));
      const before = operationCount(registry, 'pgbench', 'SELECT');
      const shedBefore = l7.probes.kernelStats().connectionsShed;
      const statements = 60;
      const clients = 2;
      const tx = 500;
      withPipelineScript(statements, (script) => pgbench(['-n', '-c', String(clients), '-t', String(tx), '-M', 'extended', '-f', script]));
      await new Promise((r) => setTimeout(r, 4000));
      const stats = l7.probes.kernelStats();
      assert.equal(stats.ringbufDropped, 0, JSON.stringify(stats));
      assert.ok(stats.connectionsShed > shedBefore, `the ring's fill level paused connections: ${JSON.stringify(stats)}`);
      assert.equal(l7.queue.dropped, 0, 'the segment queue dropped nothing');
      assert.equal(operationCount(registry, 'pgbench', 'SELECT') - before, clients * tx * statements);
    } finally {
      await pg.stop();
    }
  });
});
