// Kernel test: Redis calls captured from a real redis-server driven by redis-benchmark and
// redis-cli — exactly one record per command on each side, pipelined or not, and errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { L7Exchange } from '../src/correlate/l7-exchange.js';
import { run, runAsync } from './support/daemon.js';
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

  // -d 3000: 16 commands of ~3 KB fill a 48 KB segment, far past its 4 KiB capture prefix; the
  // kernel sends each command past the prefix as its own piece (docs/l7-capture.md). N = 512:
  // its ~6 MB of captured payload arrive in well under a second, within what the agent holds
  // as a burst (past it, connections are shed to the kernel tallies: no records).
  const cases = [
    { pipeline: 1, valueBytes: 3, clients: 8, n: 2000 },
    { pipeline: 16, valueBytes: 3, clients: 8, n: 2000 },
    { pipeline: 16, valueBytes: 3000, clients: 2, n: 512 },
  ];
  for (const { pipeline, valueBytes, clients, n } of cases) {
    it(`redis-benchmark -n N -t set,get${pipeline > 1 ? ` -P ${pipeline}` : ''} -d ${valueBytes}: exactly N records per command on both sides`, async (t) => {
      if (!requireKernel(t) || capture === null) return;
      const cap = capture;
      const N = n;
      const redis = await startRedis();
      try {
        // Not spawnSync: this thread is the agent, and must keep reading while the load runs.
        const bench = await runAsync('redis-benchmark', ['-h', '127.0.0.1', '-p', String(redis.port), '-n', String(N), '-c', String(clients), '-t', 'set,get', '-P', String(pipeline), '-d', String(valueBytes), '-q']);
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
            // Debian's redis-server is a link to redis-check-rdb: the service is named as started.
            assert.equal(e.serviceName, side === 'server' ? 'redis-server' : 'redis-benchmark');
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

  it('redis-cli --pipe over RESP3: large nested replies past the capture prefix, nulls and an error, each its own clean record', async (t) => {
    if (!requireKernel(t) || capture === null) return;
    const cap = capture;
    const redis = await startRedis();
    try {
      const cli = (...args: string[]) => run('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), ...args]);
      // Each LRANGE reply is ~3.1 KB, each HGETALL reply ~2.5 KB (both under the 4 KiB capture,
      // so each is whole in its piece): the pipeline's ~67 KB of replies come in segments cut
      // mid-reply, far past their 4 KiB prefix.
      cli('RPUSH', 'biglist', ...Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(300, 'v')));
      cli('HSET', 'hash', ...Array.from({ length: 8 }, (_, i) => [`f${i}`, `${i}`.padEnd(300, 'h')]).flat());
      const resp = (...args: string[]): string => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
      const commands = [resp('HELLO', '3')];
      for (let i = 0; i < 12; i++) commands.push(resp('LRANGE', 'biglist', '0', '-1'), resp('HGETALL', 'hash'), resp('GET', 'missing'));
      commands.push(resp('GET', 'biglist'));
      const piped = run('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), '--pipe'], { input: commands.join(''), allowFailure: true });
      // --pipe exits 1 for the one error reply.
      assert.match(piped.stdout, /errors: 1, replies: 38/);
      const clean = (e: L7Exchange): boolean => e.problem === null && e.comm === 'redis-cli';
      await cap.atLeast('every piped reply on the client side', () => cap.clientSide(redis.port).filter((e) => e.comm === 'redis-cli' && ['LRANGE', 'HGETALL', 'GET'].includes(e.operation ?? '')).length, 37);
      await cap.settle(redis.port);
      const piped3 = cap.clientSide(redis.port).filter((e) => e.comm === 'redis-cli' && e.pid === piped.pid);
      const counts = ops(piped3);
      assert.deepEqual({ LRANGE: counts['LRANGE'], HGETALL: counts['HGETALL'], GET: counts['GET'], HELLO: counts['HELLO'] }, { LRANGE: 12, HGETALL: 12, GET: 13, HELLO: 1 }, `${JSON.stringify(counts)}; ${cap.lossReport()}`);
      for (const e of piped3.filter((x) => x.operation === 'LRANGE' || x.operation === 'HGETALL')) {
        assert.ok(clean(e), `${e.operation}: ${e.problem}`);
        assert.equal(e.failed, false);
        assert.ok(e.responseBytes > 2400, `${e.operation} reply of ${e.responseBytes} bytes`);
      }
      const gets = piped3.filter((e) => e.operation === 'GET');
      assert.equal(gets.filter((e) => e.failed).length, 1);
      assert.equal(gets.find((e) => e.failed)?.statusText, 'WRONGTYPE');
      assert.ok(gets.every(clean), JSON.stringify(gets.map((e) => e.problem)));
    } finally {
      await redis.stop();
    }
  });

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
