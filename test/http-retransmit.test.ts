// Kernel test: segments sent twice. A test-only cgroup_skb program (bpf/test_drop.bpf.c) drops
// the first transmission of some data segments sent to the server; TCP sends them again, so the
// client socket's egress shows the same sequence range twice. L7 capture must still give every
// request exactly once, with exact sizes, and nothing else. (Receiver-side reordering needs
// loss on the wire, which this kernel cannot simulate without netem; TcpStream's unit tests
// cover it.) Mirroring of local pairs is off here: the client socket must be captured itself, as
// a client of a remote server is, for its egress to show the resent segments.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request, Agent } from 'node:http';
import { join } from 'node:path';
import { FlowPipeline } from '../src/agent/flow-pipeline.js';
import { L7Pipeline } from '../src/agent/l7-pipeline.js';
import { readCgroup2Mount } from '../src/capture/doctor/system-facts.js';
import type { L7Exchange } from '../src/correlate/l7-exchange.js';
import { BpfObject } from '../src/kernel/bpf-object.js';
import { bpfObjectPath, packageRoot } from '../src/kernel/package-root.js';
import type { FlowRecord } from '../src/telemetry/flow-record.js';
import { startChildServer, type ChildServer } from './support/child-server.js';
import { kernelUnavailableReason, requireKernel } from './support/kernel.js';
import { waitFor } from './support/wait.js';

const NODE_SERVER = join(packageRoot(), 'test', 'support', 'node-http-server.mjs');
const BODY = 256 * 1024;
const UPLOADS = 8;

function post(port: number, agent: Agent, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/upload', method: 'POST', agent, headers: { 'content-length': body.length } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { text += d; });
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('L7 capture when segments are sent twice', () => {
  const exchanges: L7Exchange[] = [];
  const flows: FlowRecord[] = [];
  let flowPipeline: FlowPipeline | undefined;
  let l7: L7Pipeline | undefined;
  let server: ChildServer | undefined;
  let dropper: BpfObject | undefined;

  before(async () => {
    if (kernelUnavailableReason() !== null) return;
    server = await startChildServer(process.execPath, [NODE_SERVER]);
    flowPipeline = await FlowPipeline.start({ tableSize: 65536, rules: [], onFlow: (r) => { flows.push(r); l7?.connectionClosed(r.socket_cookie); } });
    l7 = L7Pipeline.start({ flows: flowPipeline.correlator, captureBytes: 4096, maxSegmentsPerSecond: 10_000_000, redactSecrets: true, mirrorLocalPeers: false, onExchange: (x) => exchanges.push(x) });
    const port = Buffer.alloc(2);
    port.writeUInt16LE(server.port);
    dropper = BpfObject.open(bpfObjectPath('test_drop')).setGlobal('target_port', port).load();
    dropper.attachCgroup('test_drop', readCgroup2Mount() ?? '/sys/fs/cgroup');
  });
  after(async () => {
    dropper?.close();
    l7?.stop();
    flowPipeline?.stop();
    await server?.stop();
  });

  it('every upload exactly once, exact sizes, no problems, though segments were dropped and resent', async (t) => {
    if (!requireKernel(t) || !server || !dropper) return;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const body = Buffer.alloc(BODY, 0x61);
    for (let i = 0; i < UPLOADS; i++) assert.equal(await post(server.port, agent, body), `received ${BODY}\n`);
    agent.destroy();

    const dropped = dropper.map('counters').lookup(Buffer.from([1, 0, 0, 0]))?.readBigUInt64LE(0) ?? 0n;
    assert.ok(dropped > 0n, 'the test program dropped segments (otherwise this test proves nothing)');

    const port = server.port;
    const serverSide = await waitFor(`${UPLOADS} server exchanges`, () => {
      const s = exchanges.filter((x) => x.side === 'server' && x.localPort === port);
      return s.length >= UPLOADS ? s : undefined;
    }, 20_000);
    const clientSide = await waitFor(`${UPLOADS} client exchanges`, () => {
      const c = exchanges.filter((x) => x.side === 'client' && x.remotePort === port);
      return c.length >= UPLOADS ? c : undefined;
    }, 20_000);
    // Let anything still in flight arrive: a ghost request would show up as an extra exchange.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(exchanges.filter((x) => x.side === 'server' && x.localPort === port).length, UPLOADS);
    assert.equal(exchanges.filter((x) => x.side === 'client' && x.remotePort === port).length, UPLOADS);
    for (const x of [...serverSide, ...clientSide]) {
      assert.equal(x.problem, null);
      assert.equal(x.method, 'POST');
      assert.equal(x.target, '/upload');
      assert.equal(x.status, 200);
      assert.equal(x.requestBodyBytes, BODY);
    }
    await waitFor('the client connection to close', () => flows.find((f) => f.remote_port === port && f.direction === 'outbound'));
    const duplicates = await waitFor('the finished streams to report duplicate segments', () => {
      const n = l7?.connections.stats.duplicateSegments ?? 0;
      return n > 0 ? n : undefined;
    });
    assert.ok(duplicates >= 1, `duplicates delivered once (${duplicates})`);
  });
});
