// Kernel test: Redis calls captured from a real redis-server driven by redis-benchmark and
// redis-cli — exactly one record per command on each side, pipelined or not, and errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { L7Exchange } from '../src/correlate/l7-exchange.js';
import { run } from './support/daemon.js';
import { requireKernel } from './support/kernel.js';
import { countBy, startL7Capture, type L7Capture } from './support/l7-capture.js';
import { startRedis } from './support/redis.js';

describe('Redis capture: redis-server with redis-benchmark and redis-cli', () => {
  let capture: L7Capture | null = null;
  before(async () => {
    capture = await startL7Capture();
  });
  after(() => capture?.stop());

  const ops = (list: readonly L7Exchange[]): Record<string, number> => countBy(list, (e) => e.operation ?? '?');

  for (const pipeline of [1, 16]) {
    it(`redis-benchmark -n N -t set,get${pipeline > 1 ? ` -P ${pipeline}` : ''}: exactly N records per command on both sides`, async (t) => {
      if (!requireKernel(t) || capture === null) return;
      const cap = capture;
      const N = 2000;
      const redis = await startRedis();
      try {
        const bench = run('redis-benchmark', ['-h', '127.0.0.1', '-p', String(redis.port), '-n', String(N), '-c', '8', '-t', 'set,get', '-P', String(pipeline), '-q']);
        assert.match(bench.stdout, /SET/);
        const commands = (list: readonly L7Exchange[]): number => list.filter((e) => e.operation === 'SET' || e.operation === 'GET').length;
        await cap.atLeast('SET+GET on both sides', () => commands(cap.serverSide(redis.port)) + commands(cap.clientSide(redis.port)), 4 * N);
        await cap.settle(redis.port);
        for (const side of ['server', 'client'] as const) {
          const list = side === 'server' ? cap.serverSide(redis.port) : cap.clientSide(redis.port);
          const counts = ops(list);
          assert.equal(counts['SET'], N, `${side} SET: ${JSON.stringify(counts)}; ${cap.lossReport()}`);
          assert.equal(counts['GET'], N, `${side} GET: ${JSON.stringify(counts)}`);
          for (const e of list.filter((x) => x.operation === 'SET' || x.operation === 'GET')) {
            assert.equal(e.protocol, 'redis');
            assert.equal(e.failed, false);
            assert.equal(e.problem, null);
            assert.equal(e.statusText, 'OK');
            assert.equal(e.comm, side === 'server' ? 'redis-server' : 'redis-benchmark');
            assert.equal(e.attributes['db.system.name'], 'redis');
            assert.equal(e.attributes['db.query.text'], e.operation === 'SET' ? 'SET ? ?' : 'GET ?');
          }
        }
        const server = cap.serverSide(redis.port).find((e) => e.operation === 'SET');
        assert.equal(server?.peerService, 'redis-benchmark');
        assert.equal(server?.pid, redis.pid);
      } finally {
        await redis.stop();
      }
    });
  }

  it('errors: WRONGTYPE and an unknown command are failed records with the error prefix', async (t) => {
    if (!requireKernel(t) || capture === null) return;
    const cap = capture;
    const redis = await startRedis();
    try {
      const cli = (...args: string[]) => run('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), ...args]);
      cli('LPUSH', 'list', 'a');
      assert.match(cli('GET', 'list').stdout, /WRONGTYPE/);
      assert.match(cli('NOSUCHCOMMAND', 'x').stdout, /ERR/);
      const failed = (): L7Exchange[] => cap.clientSide(redis.port).filter((e) => e.failed === true);
      await cap.atLeast('two failed client records', () => failed().length, 2);
      await cap.settle(redis.port);
      const byOp = new Map(failed().map((e) => [e.operation, e]));
      assert.equal(byOp.get('GET')?.statusText, 'WRONGTYPE');
      assert.equal(byOp.get('NOSUCHCOMMAND')?.statusText, 'ERR');
      assert.equal(byOp.get('GET')?.attributes['db.response.status_code'], 'WRONGTYPE');
      const lpush = cap.clientSide(redis.port).filter((e) => e.operation === 'LPUSH');
      assert.equal(lpush.length, 1);
      assert.equal(lpush[0]?.failed, false);
      // The server saw the same failures.
      assert.equal(cap.serverSide(redis.port).filter((e) => e.failed === true).length, 2);
    } finally {
      await redis.stop();
    }
  });
});
