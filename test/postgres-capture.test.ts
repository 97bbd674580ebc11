// Kernel test: PostgreSQL calls captured from a real server driven by pgbench, psql and the
// `pg` npm client — exact counts per statement (pipelines longer than the capture too),
// SQLSTATEs of failures, prepared statements re-executed without their SQL on the wire still
// named by it, and no literal leaves the host.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { L7Exchange } from '../src/correlate/l7-exchange.js';
import { packageRoot } from '../src/kernel/package-root.js';
import { run } from './support/daemon.js';
import { requireKernel } from './support/kernel.js';
import { countBy, startL7Capture, type L7Capture } from './support/l7-capture.js';
import { postgresBin, startPostgres, withPipelineScript, type Postgres } from './support/postgres.js';

describe('PostgreSQL capture: real server, pgbench, psql and node-pg', () => {
  let capture: L7Capture | null = null;
  let pg: Postgres | null = null;
  before(async () => {
    capture = await startL7Capture();
    if (capture !== null) pg = await startPostgres();
  });
  after(async () => {
    capture?.stop();
    await pg?.stop();
  });

  const pgbench = (args: string[]): void => {
    run(join(postgresBin(), 'pgbench'), args, { env: pg!.clientEnv });
  };
  const statement = (e: L7Exchange): string => `${e.operation ?? '?'} ${e.resource ?? ''}`.trim();

  for (const mode of ['simple', 'prepared'] as const) {
    it(`pgbench -M ${mode}: exactly one record per statement of every transaction, both sides`, async (t) => {
      if (!requireKernel(t) || capture === null || pg === null) return;
      const cap = capture;
      pgbench(['-i', '-n', '-s', '1', '-q']);
      await cap.settle(pg.port);
      const before = cap.exchanges.length;
      const clients = 2;
      const tx = 25;
      pgbench(['-n', '-c', String(clients), '-t', String(tx), '-M', mode]);
      const N = clients * tx;
      const mine = (side: 'client' | 'server'): L7Exchange[] => cap.exchanges.slice(before).filter((e) => e.side === side && (side === 'client' ? e.remotePort : e.localPort) === pg!.port && e.comm !== 'psql');
      await cap.atLeast('every INSERT on both sides', () => mine('client').filter((e) => e.operation === 'INSERT').length + mine('server').filter((e) => e.operation === 'INSERT').length, 2 * N);
      await cap.settle(pg.port);
      for (const side of ['client', 'server'] as const) {
        const counts = countBy(mine(side), statement);
        const detail = `${side}: ${JSON.stringify(counts)}; ${cap.lossReport()}`;
        assert.equal(counts['UPDATE pgbench_accounts'], N, detail);
        assert.equal(counts['SELECT pgbench_accounts'], N, detail);
        assert.equal(counts['UPDATE pgbench_tellers'], N, detail);
        assert.equal(counts['UPDATE pgbench_branches'], N, detail);
        assert.equal(counts['INSERT pgbench_history'], N, detail);
        assert.equal(counts['BEGIN'], N, detail);
        for (const e of mine(side).filter((x) => x.resource?.startsWith('pgbench_'))) {
          assert.equal(e.protocol, 'postgresql');
          assert.equal(e.failed, false);
          assert.equal(e.statusText, '00000');
          assert.equal(e.attributes['db.system.name'], 'postgresql');
          assert.equal(e.attributes['db.namespace'], 'postgres');
          const text = String(e.attributes['db.query.text']);
          assert.doesNotMatch(text, /\d{2,}/, `no literal values in db.query.text: ${text}`);
          assert.equal(e.comm, side === 'client' ? 'pgbench' : 'postgres');
        }
      }
      const update = mine('client').find((e) => e.resource === 'pgbench_accounts' && e.operation === 'UPDATE');
      assert.equal(update?.attributes['db.query.summary'], 'UPDATE pgbench_accounts');
    });
  }

  it('pgbench pipelines longer than the capture: every statement is a record with its rows', async (t) => {
    if (!requireKernel(t) || capture === null || pg === null) return;
    const cap = capture;
    pgbench(['-i', '-n', '-s', '1', '-q']);
    await cap.settle(pg.port);
    // 60 statements behind one Sync: libpq writes them as ~8 KiB segments, and their answers
    // come back as segments of several KiB, both past the 4 KiB capture of a segment.
    const statements = 60;
    const before = cap.exchanges.length;
    const tx = 5;
    withPipelineScript(statements, (script) => pgbench(['-n', '-c', '1', '-t', String(tx), '-M', 'extended', '-f', script]));
    const N = statements * tx;
    const mine = (side: 'client' | 'server'): L7Exchange[] => cap.exchanges.slice(before)
      .filter((e) => e.side === side && (side === 'client' ? e.remotePort : e.localPort) === pg!.port && e.resource === 'pgbench_branches');
    await cap.atLeast('every pipelined SELECT on both sides', () => mine('client').length + mine('server').length, 2 * N);
    await cap.settle(pg.port);
    for (const side of ['client', 'server'] as const) {
      const got = mine(side);
      const detail = `${side}: ${got.length} records; ${cap.lossReport()}`;
      assert.equal(got.length, N, detail);
      for (const e of got) {
        assert.equal(e.operation, 'SELECT', detail);
        assert.equal(e.failed, false, detail);
        assert.equal(e.statusText, '00000', detail);
        assert.equal(e.attributes['db.response.returned_rows'], 1, detail);
      }
    }
  });

  it('a long result stays a prefix per segment: its rows are not sent as pieces', async (t) => {
    if (!requireKernel(t) || capture === null || pg === null) return;
    const cap = capture;
    const psql = join(postgresBin(), 'psql');
    const before = cap.pipeline.probes.kernelStats();
    const exchangesBefore = cap.exchanges.length;
    // ~8 MB of DataRows in the server's 8 KiB writes: each segment is longer than the capture.
    run(psql, ['-X', '-q', '-o', '/dev/null', '-c', "SELECT g, repeat('x', 400) FROM generate_series(1, 20000) g"], { env: pg.clientEnv });
    const mine = (): L7Exchange[] => cap.exchanges.slice(exchangesBefore).filter((e) => e.side === 'client' && e.comm === 'psql' && e.operation === 'SELECT');
    await cap.atLeast('the long SELECT', () => mine().length, 1);
    await cap.settle(pg.port);
    const after = cap.pipeline.probes.kernelStats();
    const seen = after.segmentsSeen - before.segmentsSeen;
    const sent = after.segmentsCaptured - before.segmentsCaptured;
    // Cut into pieces at DataRows, each segment (8 KiB or more) would be sent as two or more;
    // a few segments holding the end of the answer (CommandComplete, ReadyForQuery) are.
    // How many segments the 8 MB take depends on how fast psql reads: loopback coalesces the
    // server's writes into segments of up to 64 KiB or more (97 in one CI run, ~580 in another).
    assert.ok(seen > 32, `the result took many segments (${seen})`);
    assert.ok(sent < seen * 1.1 + 4, `${sent} events sent for ${seen} segments`);
    assert.equal(mine().length, 1);
  });

  it('psql errors carry their SQLSTATE', async (t) => {
    if (!requireKernel(t) || capture === null || pg === null) return;
    const cap = capture;
    const psql = join(postgresBin(), 'psql');
    // This test's clients only: a psql record of an earlier test, delivered late, once failed
    // this test in CI with a third failure (status null) that could not be reproduced.
    const before = cap.exchanges.length;
    const failing = (sql: string): void => {
      const r = run(psql, ['-X', '-c', sql], { env: pg!.clientEnv, allowFailure: true });
      assert.notEqual(r.status, 0, `psql should fail on ${sql}`);
    };
    failing('SELEC 1');
    failing('SELECT * FROM no_such_table');
    const failed = (): L7Exchange[] => cap.exchanges.slice(before)
      .filter((e) => e.side === 'client' && e.remotePort === pg!.port && e.comm === 'psql' && e.failed === true);
    await cap.atLeast('two failed psql records', () => failed().length, 2);
    const states = failed().map((e) => e.statusText).sort();
    assert.deepEqual(states, ['42601', '42P01'],
      JSON.stringify(failed().map((e) => [e.operation, e.resource, e.statusText, e.problem, e.socketCookie])));
    const missing = failed().find((e) => e.statusText === '42P01');
    assert.equal(missing?.operation, 'SELECT');
    assert.equal(missing?.resource, 'no_such_table');
    assert.equal(missing?.attributes['db.response.status_code'], '42P01');
  });

  it('node-pg: a named prepared statement executed twice is two records with its SQL', async (t) => {
    if (!requireKernel(t) || capture === null || pg === null) return;
    const cap = capture;
    const script = join(packageRoot(), 'test', 'support', 'pg-prepared.mjs');
    run(process.execPath, [script], { env: pg.clientEnv });
    const prepared = (): L7Exchange[] => cap.clientSide(pg!.port).filter((e) => e.attributes['db.query.text'] === 'SELECT $1::int + ? AS x');
    await cap.atLeast('two executions of the prepared statement', () => prepared().length, 2);
    await cap.settle(pg.port);
    assert.equal(prepared().length, 2);
    for (const e of prepared()) {
      assert.equal(e.operation, 'SELECT');
      assert.equal(e.failed, false);
      assert.equal(e.attributes['db.response.returned_rows'], 1);
    }
  });
});
