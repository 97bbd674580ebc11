// Kernel test: past the segment budget the kernel stops capturing connections and tallies their
// exchanges instead (bpf/lib/l7_tally.bpf.h). Against real redis-server and PostgreSQL, the
// client-side db metrics must still count every operation, under the operation and table the
// parsed exchanges taught (the kernel's hash and src/correlate/tally-key.ts must agree for that).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FlowPipeline } from '../src/agent/flow-pipeline.js';
import { L7Pipeline } from '../src/agent/l7-pipeline.js';
import { serializePrometheus } from '../src/export/prometheus/serialize.js';
import { L7Telemetry } from '../src/telemetry/l7-telemetry.js';
import { MetricRegistry } from '../src/telemetry/metrics/registry.js';
import { packageRoot } from '../src/kernel/package-root.js';
import { run } from './support/daemon.js';
import { kernelUnavailableReason, requireKernel } from './support/kernel.js';
import { postgresBin, startPostgres, withPipelineScript, type Postgres } from './support/postgres.js';
import { startRedis } from './support/redis.js';

/** db_client_operation_duration_seconds_count by label set, for one system and client service. */
function dbCounts(registry: MetricRegistry, system: string, service: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of serializePrometheus(registry.collect()).split('\n')) {
    if (!line.startsWith('db_client_operation_duration_seconds_count{')) continue;
    if (!line.includes(`db_system_name="${system}"`) || !line.includes(`service_name="${service}"`)) continue;
    const label = (name: string): string => new RegExp(`${name}="([^"]*)"`).exec(line)?.[1] ?? '';
    const key = [label('db_operation_name'), label('db_collection_name'), label('db_response_status_code')].filter((v) => v !== '').join(' ');
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

describe('kernel tallies of paused connections: redis-server and PostgreSQL over budget', () => {
  let flows: FlowPipeline | undefined;
  let l7: L7Pipeline | undefined;
  let pg: Postgres | undefined;
  const registry = new MetricRegistry();
  const telemetry = new L7Telemetry(registry, { isLocalAddress: (a) => a.startsWith('127.') });

  before(async () => {
    if (kernelUnavailableReason() !== null) return;
    pg = await startPostgres();
    flows = await FlowPipeline.start({ tableSize: 65536, rules: [], onFlow: (r) => l7?.connectionClosed(r.socket_cookie) });
    // A small budget: most of what follows is paused, and tallied.
    l7 = L7Pipeline.start({
      flows: flows.correlator, captureBytes: 4096, maxSegmentsPerSecond: 2000, redactSecrets: true,
      onExchange: (x) => telemetry.record(x),
      onTally: (x, count) => telemetry.recordTally(x, count),
    });
  });
  after(async () => {
    l7?.stop();
    flows?.stop();
    await pg?.stop();
  });

  const tallied = (): number => l7?.connections.stats.exchangesTallied ?? 0;
  const settle = async (): Promise<void> => {
    // Tallies reach user space one to two drain periods (1 s) after their exchange.
    await new Promise((r) => setTimeout(r, 2500));
  };

  it('redis-benchmark and redis-cli: every SET and GET counted, and every WRONGTYPE failure', async (t) => {
    if (!requireKernel(t) || l7 === undefined) return;
    const redis = await startRedis();
    try {
      const N = 5000;
      const before = tallied();
      run('redis-benchmark', ['-h', '127.0.0.1', '-p', String(redis.port), '-n', String(N), '-c', '4', '-t', 'set,get', '-q']);
      run('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), 'LPUSH', 'alist', 'a']);
      // redis-benchmark stops at an error reply; redis-cli -r goes on (one connection, in sequence).
      run('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), '-r', String(N), 'GET', 'alist']);
      await settle();
      assert.ok(tallied() - before > N, `most operations were tallied (${tallied() - before})`);
      const counts = dbCounts(registry, 'redis', 'redis-benchmark');
      assert.equal(counts.get('SET'), N, JSON.stringify([...counts]));
      assert.equal(counts.get('GET'), N, JSON.stringify([...counts]));
      // Parsed failures carry the error prefix, tallied ones only that they failed.
      const cli = dbCounts(registry, 'redis', 'redis-cli');
      assert.equal((cli.get('GET WRONGTYPE') ?? 0) + (cli.get('GET ERROR') ?? 0), N, JSON.stringify([...cli]));
      assert.ok((cli.get('GET ERROR') ?? 0) > 0, `tallied failures are counted as failed: ${JSON.stringify([...cli])}`);
    } finally {
      await redis.stop();
    }
  });

  // -P 2 -d 3: two commands in one segment short enough to be counted from the bytes the tally
  // already read; -P 16: a segment walked from the skb; -d 3000: commands cut across segments.
  for (const [pipeline, valueBytes] of [[2, 3], [16, 3], [16, 3000]] as const) {
    it(`redis-benchmark -P ${pipeline} -d ${valueBytes}: every pipelined command counted, not one per segment`, async (t) => {
      if (!requireKernel(t) || l7 === undefined) return;
      const redis = await startRedis();
      try {
        const N = 20000;
        const start = dbCounts(registry, 'redis', 'redis-benchmark');
        const before = tallied();
        // With 3 KB values, the captured share's segments are sent in pieces
        // (docs/l7-capture.md), the paused share's walked across segments.
        run('redis-benchmark', ['-h', '127.0.0.1', '-p', String(redis.port), '-n', String(N), '-c', '4', '-P', String(pipeline), '-d', String(valueBytes), '-t', 'set,get', '-q']);
        await settle();
        assert.ok(tallied() - before > N, `most commands were tallied (${tallied() - before})`);
        const counts = dbCounts(registry, 'redis', 'redis-benchmark');
        const added = (key: string): number => (counts.get(key) ?? 0) - (start.get(key) ?? 0);
        assert.equal(added('SET'), N, JSON.stringify([...counts]));
        assert.equal(added('GET'), N, JSON.stringify([...counts]));
      } finally {
        await redis.stop();
      }
    });
  }

  // A transaction pipelined in one write: four different commands. Paused, each must still count
  // under its own name, not all under MULTI. `short` is counted from the bytes the tally already
  // read; `long` (a 300-byte value) is walked from the packet.
  for (const shape of ['short', 'long'] as const) {
    it(`a pipelined MULTI/SET/INCR/EXEC (${shape}): each command counted under its own name`, async (t) => {
      if (!requireKernel(t) || l7 === undefined) return;
      const redis = await startRedis();
      try {
        const N = 4000;
        const service = 'redis-mixed-pipeline';
        const start = dbCounts(registry, 'redis', service);
        const before = tallied();
        run(process.execPath, [join(packageRoot(), 'test', 'support', 'redis-mixed-pipeline.mjs'), String(redis.port), String(N), shape]);
        await settle();
        assert.ok(tallied() - before > N, `most commands were tallied (${tallied() - before})`);
        const counts = dbCounts(registry, 'redis', service);
        const added = (key: string): number => (counts.get(key) ?? 0) - (start.get(key) ?? 0);
        const detail = JSON.stringify([...counts]);
        for (const command of ['MULTI', 'SET', 'INCR', 'EXEC']) assert.equal(added(command), N, `${command}: ${detail}`);
      } finally {
        await redis.stop();
      }
    });
  }

  /**
   * pgbench -i, then `drive` (given pgbench against the test's server): what it added to the
   * pgbench service's db metrics, by "operation table", and how many exchanges were tallied.
   */
  const pgbenchAdded = async (drive: (pgbench: (args: string[]) => void) => void): Promise<{ added: (key: string) => number; tallied: number; detail: string }> => {
    const pgbench = (args: string[]): void => {
      run(join(postgresBin(), 'pgbench'), args, { env: pg!.clientEnv });
    };
    pgbench(['-i', '-n', '-s', '1', '-q']);
    await settle();
    const start = dbCounts(registry, 'postgresql', 'pgbench');
    const before = tallied();
    drive(pgbench);
    await settle();
    const counts = dbCounts(registry, 'postgresql', 'pgbench');
    return { added: (key) => (counts.get(key) ?? 0) - (start.get(key) ?? 0), tallied: tallied() - before, detail: JSON.stringify([...counts]) };
  };

  // 8 statements behind one Sync fit one segment of whole messages; 60 make ~8 KiB segments
  // that cut messages, walked across segments (docs/l7-capture.md).
  for (const statements of [8, 60]) {
    it(`pgbench pipelines of ${statements} statements: every pipelined statement counted, not one per segment`, async (t) => {
      if (!requireKernel(t) || l7 === undefined || pg === undefined) return;
      const clients = 2;
      const tx = 200;
      const r = await pgbenchAdded((pgbench) => withPipelineScript(statements, (script) =>
        pgbench(['-n', '-c', String(clients), '-t', String(tx), '-M', 'extended', '-f', script])));
      const N = clients * tx * statements;
      assert.ok(r.tallied > N / 4, `a good share of the statements were tallied (${r.tallied} of ${N})`);
      // Counted under the batch's first statement, whether a segment starts at a Parse, at a
      // Bind that names no statement, or mid-message; and a pipelining connection is paused and
      // resumed only between batches, so no statement in flight is lost.
      assert.equal(r.added('SELECT pgbench_branches'), N, r.detail);
    });
  }

  it('pgbench: every statement counted under its operation and table', async (t) => {
    if (!requireKernel(t) || l7 === undefined || pg === undefined) return;
    const clients = 2;
    const tx = 1000;
    const r = await pgbenchAdded((pgbench) => pgbench(['-n', '-c', String(clients), '-t', String(tx), '-M', 'simple']));
    assert.ok(r.tallied > clients * tx, `most statements were tallied (${r.tallied})`);
    for (const statement of ['UPDATE pgbench_accounts', 'SELECT pgbench_accounts', 'UPDATE pgbench_tellers', 'UPDATE pgbench_branches', 'INSERT pgbench_history', 'BEGIN']) {
      assert.equal(r.added(statement), clients * tx, `${statement}: ${r.detail}`);
    }
  });
});
