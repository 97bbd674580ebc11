// Kernel test: memcached calls captured from a real memcached (Debian's) driven by a Python
// client over the text protocol — exactly one record per command on each side, with each
// command's operation, outcome and exact sizes, including a pipelined write and an error.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { L7Exchange } from '../src/correlate/l7-exchange.js';
import { runAsync } from './support/daemon.js';
import { requireKernel } from './support/kernel.js';
import { countBy, startL7Capture, type L7Capture } from './support/l7-capture.js';
import { startMemcached } from './support/memcached.js';

const CLIENT = fileURLToPath(new URL('../../test/support/memcached-client.py', import.meta.url));

describe('memcached capture: memcached with a text-protocol client', () => {
  let capture: L7Capture | null = null;
  before(async () => {
    capture = await startL7Capture();
  });
  after(() => capture?.stop());

  it('N rounds of set, get, get of a missing key, incr, delete, an unknown command and three pipelined gets', async (t) => {
    if (!requireKernel(t) || capture === null) return;
    const cap = capture;
    const N = 40;
    const memcached = await startMemcached();
    try {
      const client = await runAsync('python3', [CLIENT, String(memcached.port), String(N)]);
      assert.match(client.stdout, /ok/);
      // Nine commands a round; quit gets no reply and is reported as soon as it is read.
      const perSide = 9 * N + 1;
      await cap.atLeast('memcached records on both sides', () => cap.serverSide(memcached.port).length + cap.clientSide(memcached.port).length, 2 * perSide);
      await cap.settle(memcached.port);
      for (const side of ['server', 'client'] as const) {
        const list = side === 'server' ? cap.serverSide(memcached.port) : cap.clientSide(memcached.port);
        const counts = countBy(list, (e: L7Exchange) => `${e.operation ?? '(unknown)'} ${e.statusText ?? '-'}`);
        assert.deepEqual(counts, {
          'SET STORED': N,
          'GET END': 5 * N,
          'INCR NOT_FOUND': N,
          'DELETE DELETED': N,
          '(unknown) ERROR': N,
          'QUIT -': 1,
        }, `${side}: ${cap.lossReport()}`);
        for (const e of list) {
          assert.equal(e.protocol, 'memcached');
          assert.equal(e.problem, null, JSON.stringify(e));
          assert.equal(e.failed, e.statusText === 'ERROR', `${side} ${e.operation}: failed only for the unknown command`);
          assert.equal(e.comm, side === 'server' ? 'memcached' : 'python3');
          assert.equal(e.attributes['db.system.name'], 'memcached');
        }
        const set = list.find((e) => e.operation === 'SET');
        assert.equal(set?.attributes['db.query.text'], 'set ? ? ? ?', 'keys and values never leave the host');
        assert.deepEqual([set?.requestBytes, set?.responseBytes], [21, 8]);
        const hit = list.filter((e) => e.operation === 'GET' && e.responseBytes === 26);
        assert.equal(hit.length, N, 'the get that found its value carries the whole VALUE block');
      }
      const server = cap.serverSide(memcached.port)[0];
      assert.equal(server?.pid, memcached.pid);
      assert.equal(server?.peerService, 'memcached-client');
    } finally {
      await memcached.stop();
    }
  });
});
