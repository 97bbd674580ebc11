// Kernel test: with l7.parse_priority idle (the default), the agent's thread stays at SCHED_IDLE
// while L7 batches keep coming: it parses there, and stays there between batches (the watchdog,
// tested in l7-starved-parsing.test.ts, brings it back when the workload starves it). Once
// traffic stops, it sleeps at SCHED_OTHER. The policy is read from /proc/thread-self/sched while
// an exchange is being handed over (inside the parse) and between batches.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { FlowPipeline } from '../src/agent/flow-pipeline.js';
import { L7Pipeline } from '../src/agent/l7-pipeline.js';
import { runAsync } from './support/daemon.js';
import { kernelUnavailableReason, requireKernel } from './support/kernel.js';
import { startRedis } from './support/redis.js';

const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

function policyOf(schedFile: string): number {
  const m = /^policy\s+:\s+(\d+)$/m.exec(readFileSync(schedFile, 'utf8'));
  if (m === null) throw new Error(`no policy line in ${schedFile}`);
  return Number(m[1]);
}

function threadPolicy(): number {
  return policyOf('/proc/thread-self/sched');
}

/** Policies of this process's threads named `comm` (but the main one). */
function policiesOf(comm: string): number[] {
  const out: number[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    if (Number(tid) === process.pid) continue;
    if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== comm) continue;
    out.push(policyOf(`/proc/self/task/${tid}/sched`));
  }
  return out;
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

  it('redis-cli PINGs: parsed at SCHED_IDLE, the thread stays there between batches, and is back at SCHED_OTHER once traffic stops', async (t) => {
    if (!requireKernel(t) || l7 === undefined) return;
    const pipeline = l7;
    const redis = await startRedis();
    try {
      await runAsync('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), '-r', '50', 'PING']);
      for (let i = 0; i < 100 && policies.length < 50; i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(errors, []);
      assert.ok(policies.length >= 50, `PINGs parsed: ${policies.length}`);
      // Client and server side, each handed over from inside a batch's parse.
      assert.ok(policies.every((p) => p === SCHED_IDLE), JSON.stringify(policies));
      assert.equal(threadPolicy(), SCHED_IDLE, 'between batches');
      // Node's helpers move with it (this thread waits for them inside garbage collection), and
      // so do the ring buffer consumers (flows and L7); the watchdog stays to promote them all.
      const helpers = policiesOf('node');
      assert.ok(helpers.filter((p) => p === SCHED_IDLE).length >= 4, JSON.stringify(helpers));
      assert.deepEqual(policiesOf('sonde-ringbuf'), [SCHED_IDLE, SCHED_IDLE]);
      assert.deepEqual(policiesOf('sonde-watchdog'), [SCHED_OTHER]);
      // Beats kept it there (each re-enters SCHED_IDLE) without the watchdog, on an idle host.
      assert.equal(pipeline.parsePromotions, 0);
    } finally {
      await redis.stop();
    }
    // 750 ms without batches or closes: quiet.
    for (let i = 0; i < 60 && threadPolicy() !== SCHED_OTHER; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(threadPolicy(), SCHED_OTHER, 'quiet');
    assert.deepEqual(new Set(policiesOf('node')), new Set([SCHED_OTHER]));
    assert.deepEqual(policiesOf('sonde-ringbuf'), [SCHED_OTHER, SCHED_OTHER]);
  });
});
