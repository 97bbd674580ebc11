// Kernel test: TLS plaintext of connections paused over the segment budget is tallied in the
// kernel like a paused socket's segments (bpf/lib/l7_tls.bpf.h tls_tally). A Python client makes
// N requests over one keep-alive TLS connection to nginx (both through libssl's uprobes); with a
// budget of a few hundred segments per second most are paused, and parsed + tallied must still
// be exactly N on each side, the tallies marked TLS.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlowPipeline } from '../src/agent/flow-pipeline.js';
import { L7Pipeline } from '../src/agent/l7-pipeline.js';
import type { L7Exchange } from '../src/correlate/l7-exchange.js';
import { run } from './support/daemon.js';
import { kernelUnavailableReason, requireKernel } from './support/kernel.js';
import { startNginx, type NginxServer } from './support/nginx.js';
import { makeCertificate, type Certificate } from './support/tls.js';
import { waitFor } from './support/wait.js';

describe('TLS over budget: tallied from plaintext', () => {
  const exchanges: L7Exchange[] = [];
  const tallied: Array<{ x: L7Exchange; count: number }> = [];
  let flows: FlowPipeline | undefined;
  let l7: L7Pipeline | undefined;
  let nginx: NginxServer | undefined;
  let cert: Certificate | undefined;

  before(async () => {
    if (kernelUnavailableReason() !== null) return;
    cert = makeCertificate();
    nginx = await startNginx('tls tally\n', { tls: { cert: cert.cert, key: cert.key } });
    flows = await FlowPipeline.start({ tableSize: 65536, rules: [], onFlow: (r) => l7?.connectionClosed(r.socket_cookie) });
    l7 = L7Pipeline.start({
      flows: flows.correlator, captureBytes: 4096, maxSegmentsPerSecond: 200, redactSecrets: true,
      onExchange: (x) => exchanges.push(x), onTally: (x, count) => tallied.push({ x, count }),
    });
    const pipeline = l7;
    await waitFor('libssl probed', () => ((pipeline.tls?.attached().length ?? 0) > 0 ? true : undefined));
  });
  after(async () => {
    l7?.stop();
    flows?.stop();
    await nginx?.stop();
    cert?.remove();
  });

  it('Python http.client, one keep-alive TLS connection: parsed + tallied = N on both sides', async (t) => {
    if (!requireKernel(t) || l7 === undefined || nginx === undefined) return;
    const port = nginx.port;
    const N = 3000;
    const script = `
import http.client, ssl
ctx = ssl._create_unverified_context()
c = http.client.HTTPSConnection('127.0.0.1', ${port}, context=ctx)
ok = 0
for i in range(${N}):
    c.request('GET', '/t')
    r = c.getresponse()
    r.read()
    ok += r.status == 200
c.close()
print(ok)
`;
    const py = run('python3', ['-c', script]);
    assert.equal(py.stdout.trim(), String(N));
    // Let the last segments and tallies arrive, then drain every tally.
    await new Promise((r) => setTimeout(r, 1500));
    l7.stop();
    l7 = undefined;
    const sum = (ts: typeof tallied): number => ts.reduce((a, x) => a + x.count, 0);
    for (const side of ['server', 'client'] as const) {
      const mine = (x: L7Exchange): boolean => x.side === side && x.tls === true && (side === 'server' ? x.localPort === port : x.remotePort === port);
      const parsed = exchanges.filter(mine);
      const counted = tallied.filter((x) => mine(x.x));
      assert.ok(sum(counted) > 0, `${side}: TLS exchanges were tallied`);
      assert.equal(parsed.length + sum(counted), N, `${side}: ${parsed.length} parsed + ${sum(counted)} tallied`);
      for (const { x } of counted) {
        assert.equal(x.method, 'GET');
        assert.equal(x.status, 200);
        assert.equal(x.comm, side === 'server' ? 'nginx' : 'python3');
      }
    }
  });
});
