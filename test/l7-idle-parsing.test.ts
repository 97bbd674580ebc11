// Kernel test: with l7.parse_priority idle (the default), the agent's thread parses each L7
// batch at SCHED_IDLE and is back at SCHED_OTHER between batches, where flows, metrics and the
// API run. The policy is read from /proc/thread-self/sched while an exchange is being handed over
// (inside the parse) and after.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FlowPipeline } from '../src/agent/flow-pipeline.js';
import { L7Pipeline } from '../src/agent/l7-pipeline.js';
import { runAsync } from './support/daemon.js';
import { kernelUnavailableReason, requireKernel } from './support/kernel.js';
import { startRedis } from './support/redis.js';

const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

function threadPolicy(): number {
  const m = /^policy\s+:\s+(\d+)$/m.exec(readFileSync('/proc/thread-self/sched', 'utf8'));
  if (m === null) throw new Error('no policy line in /proc/thread-self/sched');
  return Number(m[1]);
}

describe('L7 parsing at SCHED_IDLE', () => {
  let flows: FlowPipeline | undefined;
  let l7: L7Pipeline | undefined;
  const policies: number[] = [];
  const errors: string[] = [];

  before(async () => {
    if (kernelUnavailableReason() !== null) return;
    // Owner events: an exchange whose owner is not known yet waits for a sweep (a timer).
    flows = await FlowPipeline.start({ tableSize: 65536, rules: [], ownerEvents: true, onFlow: (r) => l7?.connectionClosed(r.socket_cookie) });
    l7 = L7Pipeline.start({
      flows: flows.correlator, captureBytes: 4096, maxSegmentsPerSecond: 10_000_000, redactSecrets: true, parseAtIdle: true,
      onExchange: (x) => {
        if (x.protocol === 'redis' && x.operation === 'PING') policies.push(threadPolicy());
      },
      onError: (e) => errors.push((e as Error).message),
    });
  });
  after(() => {
    l7?.stop();
    flows?.stop();
  });

  it('redis-cli PINGs: parsed at SCHED_IDLE, and the thread is back at SCHED_OTHER after', async (t) => {
    if (!requireKernel(t) || l7 === undefined) return;
    assert.equal(threadPolicy(), SCHED_OTHER);
    const redis = await startRedis();
    try {
      await runAsync('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), '-r', '50', 'PING']);
      for (let i = 0; i < 100 && policies.length < 50; i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(errors, []);
      assert.ok(policies.length >= 50, `PINGs parsed: ${policies.length}`);
      // Client and server side, each handed over from inside a batch's parse.
      assert.ok(policies.every((p) => p === SCHED_IDLE), JSON.stringify(policies));
      assert.equal(threadPolicy(), SCHED_OTHER);
    } finally {
      await redis.stop();
    }
  });
});
