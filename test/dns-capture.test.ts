// Kernel test: DNS lookups captured from a real dnsmasq asked by dig (UDP and TCP) and by
// Node's resolver — name, type, response code and answers, on the asking side and the answering one.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import type { L7Exchange } from '../src/correlate/l7-exchange.js';
import { run, type Daemon } from './support/daemon.js';
import { requireKernel } from './support/kernel.js';
import { startL7Capture, type L7Capture } from './support/l7-capture.js';
import { startDnsmasq } from './support/dnsmasq.js';
import { freePort } from './support/nginx.js';

describe('DNS capture: dnsmasq with dig and node:dns', () => {
  let capture: L7Capture | null = null;
  let dns: Daemon | null = null;
  let port = 0;
  before(async () => {
    port = await freePort();
    capture = await startL7Capture({ dnsPort: port });
    if (capture !== null) dns = await startDnsmasq(port);
  });
  after(async () => {
    capture?.stop();
    await dns?.stop();
  });

  const dig = (...args: string[]) => run('dig', [`@127.0.0.1`, '-p', String(port), '+time=2', '+tries=1', ...args]);
  const lookups = (side: 'client' | 'server', name: string): L7Exchange[] =>
    capture!.exchanges.filter((e) => e.protocol === 'dns' && e.side === side && e.resource === name);

  it('dig over UDP: A, AAAA and a refused name, on both sides', async (t) => {
    if (!requireKernel(t) || capture === null || dns === null) return;
    const cap = capture;
    assert.match(dig('example.test', 'A').stdout, /10\.1\.2\.3/);
    dig('example.test', 'A');
    dig('v6.example.test', 'AAAA');
    assert.match(dig('outside.invalid', 'A').stdout, /status: (REFUSED|NXDOMAIN|SERVFAIL)/);
    await cap.atLeast('four lookups on each side', () => cap.exchanges.filter((e) => e.protocol === 'dns').length, 8);
    const a = lookups('client', 'example.test');
    assert.equal(a.length, 2);
    for (const e of a) {
      assert.equal(e.operation, 'A');
      assert.equal(e.statusText, 'NOERROR');
      assert.equal(e.failed, false);
      assert.equal(e.comm, 'dig');
      assert.equal(e.attributes['dns.answers.count'], 1);
      assert.equal(e.attributes['network.transport'], 'udp');
      assert.equal(e.remotePort, port);
    }
    assert.equal(lookups('client', 'v6.example.test')[0]?.operation, 'AAAA');
    const refused = lookups('client', 'outside.invalid');
    assert.equal(refused.length, 1);
    assert.equal(refused[0]?.failed, true);
    assert.notEqual(refused[0]?.statusText, 'NOERROR');
    const served = lookups('server', 'example.test');
    assert.equal(served.length, 2);
    assert.equal(served[0]?.comm, 'dnsmasq');
    assert.equal(served[0]?.peerService, 'dig');
  });

  it('dig +tcp and node:dns: the same records over TCP and from another client', async (t) => {
    if (!requireKernel(t) || capture === null || dns === null) return;
    const cap = capture;
    dig('+tcp', 'tcp.example.test', 'A');
    const resolver = new Resolver();
    resolver.setServers([`127.0.0.1:${port}`]);
    assert.deepEqual(await resolver.resolve4('node.example.test'), ['10.1.2.3']);
    await cap.atLeast('the TCP lookup', () => lookups('client', 'tcp.example.test').length, 1);
    await cap.atLeast('the node lookup', () => lookups('client', 'node.example.test').length, 1);
    const tcp = lookups('client', 'tcp.example.test')[0]!;
    assert.equal(tcp.statusText, 'NOERROR');
    assert.equal(tcp.attributes['network.transport'], 'tcp');
    const fromNode = lookups('client', 'node.example.test')[0]!;
    assert.equal(fromNode.pid, process.pid);
    assert.equal(fromNode.operation, 'A');
  });
});
