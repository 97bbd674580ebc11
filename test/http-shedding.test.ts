// Kernel test: when the host sends more HTTP segments than the agent's budget, the kernel sheds
// whole connections at request boundaries (for a second at a time) instead of making the
// workload wait on the agent — what is shed never turns into false failed requests, and the
// kernel's tallies of paused connections make the counts exact again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { FlowPipeline } from '../src/agent/flow-pipeline.js';
import { L7Pipeline } from '../src/agent/l7-pipeline.js';
import type { L7Exchange } from '../src/correlate/l7-exchange.js';
import { kernelUnavailableReason, requireKernel } from './support/kernel.js';
import { startNginx, type NginxServer } from './support/nginx.js';
import { waitFor } from './support/wait.js';

describe('L7 capture over budget', () => {
  const exchanges: L7Exchange[] = [];
  const tallied: Array<{ x: L7Exchange; count: number }> = [];
  let flows: FlowPipeline | undefined;
  let l7: L7Pipeline | undefined;
  let nginx: NginxServer | undefined;

  before(async () => {
    if (kernelUnavailableReason() !== null) return;
    nginx = await startNginx();
    flows = await FlowPipeline.start({ tableSize: 65536, rules: [], onFlow: (r) => l7?.connectionClosed(r.socket_cookie) });
    // A tiny budget: a few hundred segments per second for the whole host.
    l7 = L7Pipeline.start({ flows: flows.correlator, captureBytes: 4096, maxSegmentsPerSecond: 200, redactSecrets: true, onExchange: (x) => exchanges.push(x), onTally: (x, count) => tallied.push({ x, count }) });
  });
  after(async () => {
    l7?.stop();
    flows?.stop();
    await nginx?.stop();
  });

  it('sheds keep-alive connections instead of sending every segment, and reports no false failures', async (t) => {
    if (!requireKernel(t) || !nginx || !l7) return;
    const port = nginx.port;
    const requests = 4000;
    const ab = spawnSync('ab', ['-q', '-k', '-n', String(requests), '-c', '2', `http://127.0.0.1:${port}/items/42?color=red`], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(ab.status, 0, ab.stderr);
    assert.match(ab.stdout, new RegExp(`Complete requests:\\s+${requests}`));

    const kernel = await waitFor('the kernel to report shed connections', () => {
      const k = l7?.probes.kernelStats();
      return k && k.connectionsShed > 0 ? k : undefined;
    });
    assert.ok(kernel.segmentsShed > 0, 'segments were shed');
    await waitFor('the shed to reach user space', () => ((l7?.connections.stats.shed ?? 0) > 0 ? true : undefined));

    const server = (): L7Exchange[] => exchanges.filter((x) => x.side === 'server' && x.localPort === port);
    // Connections close when ab ends; give their last exchanges time to be flushed.
    await new Promise((r) => setTimeout(r, 1500));
    const seen = server();
    assert.ok(seen.length > 0, 'some exchanges were still captured');
    assert.ok(seen.length < requests, `shedding left out exchanges (${seen.length} of ${requests} captured)`);
    for (const x of seen) {
      assert.equal(x.problem, null, `a shed connection must not produce ${x.problem} records`);
      assert.equal(x.status, 200);
    }
    const clients = exchanges.filter((x) => x.side === 'client' && x.remotePort === port);
    for (const x of clients) assert.equal(x.problem, null, `client record with ${x.problem}`);

    // Stopping drains every tally: parsed + tallied is every request, on both ends.
    l7.stop();
    l7 = undefined;
    const serverTallies = tallied.filter((t) => t.x.side === 'server' && t.x.localPort === port);
    const clientTallies = tallied.filter((t) => t.x.side === 'client' && t.x.remotePort === port);
    const sum = (ts: typeof tallied): number => ts.reduce((a, t) => a + t.count, 0);
    assert.ok(sum(serverTallies) > 0, 'the kernel tallied exchanges of paused connections');
    assert.equal(server().length + sum(serverTallies), requests, `server: ${server().length} parsed + ${sum(serverTallies)} tallied`);
    assert.equal(clients.length + sum(clientTallies), requests, `client: ${clients.length} parsed + ${sum(clientTallies)} tallied`);
    for (const { x } of [...serverTallies, ...clientTallies]) {
      assert.equal(x.method, 'GET');
      assert.equal(x.status, 200);
      assert.ok(x.durationMs >= 0 && x.durationMs < 1000, `latency ${x.durationMs} ms`);
    }
    for (const { x } of serverTallies) assert.equal(x.comm, 'nginx', 'server tallies carry the server process');
    for (const { x } of clientTallies) assert.equal(x.comm, 'ab', 'client tallies carry the client process');
    // The kernel's path hash is the parsed path's (src/correlate/tally-key.ts): same key.
    const { pathTallyKey } = await import('../src/correlate/tally-key.js');
    assert.equal(serverTallies[0]?.x.tallyKey, pathTallyKey(seen[0]?.target ?? ''));
  });
});
