// Kernel test: a connection between two local processes (l7.mirror_local_peers, on by default).
// The client socket's first request links it to the server socket, which then captures for both:
// curl against a Node server must still give one record per request on each side, the client's
// named by curl's own pid, with its own ends of the connection, over IPv4 (which the dual-stack
// server sees as ::ffff:127.0.0.1) and IPv6.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { FlowPipeline } from '../src/agent/flow-pipeline.js';
import { L7Pipeline } from '../src/agent/l7-pipeline.js';
import type { L7Exchange } from '../src/correlate/l7-exchange.js';
import { packageRoot } from '../src/kernel/package-root.js';
import { startChildServer, type ChildServer } from './support/child-server.js';
import { kernelUnavailableReason, requireKernel } from './support/kernel.js';
import { waitFor } from './support/wait.js';

const NODE_SERVER = join(packageRoot(), 'test', 'support', 'node-http-server.mjs');
const N = 5;

/** curl fetching /p1../pN over one keep-alive connection; resolves to curl's pid once it exited 0. */
function curl(host: string, port: number): Promise<number> {
  const urls = Array.from({ length: N }, (_, i) => `http://${host}:${port}/p${i + 1}`);
  const child = spawn('curl', ['-sS', '-g', '-o', '/dev/null', ...urls], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(child.pid!) : reject(new Error(`curl exited ${code}: ${stderr}`))));
  });
}

describe('L7 capture of a local client and server, captured once on the server socket', () => {
  const exchanges: L7Exchange[] = [];
  let flowPipeline: FlowPipeline | undefined;
  let l7: L7Pipeline | undefined;
  let server: ChildServer | undefined;

  before(async () => {
    if (kernelUnavailableReason() !== null) return;
    server = await startChildServer(process.execPath, [NODE_SERVER]);
    flowPipeline = await FlowPipeline.start({ tableSize: 65536, rules: [], onFlow: (r) => l7?.connectionClosed(r.socket_cookie) });
    l7 = L7Pipeline.start({ flows: flowPipeline.correlator, captureBytes: 4096, maxSegmentsPerSecond: 10_000_000, redactSecrets: true, onExchange: (x) => exchanges.push(x) });
  });
  after(async () => {
    l7?.stop();
    flowPipeline?.stop();
    await server?.stop();
  });

  for (const [name, host, clientAddr] of [['IPv4', '127.0.0.1', '127.0.0.1'], ['IPv6', '[::1]', '::1']] as const) {
    it(`${name}: one record per request on each side; the client's names curl and its own end`, async (t) => {
      if (!requireKernel(t) || !server || !l7) return;
      const port = server.port;
      const mirroredBefore = l7.probes.kernelStats().connectionsMirrored;
      const pid = await curl(host, port);
      const isOurs = (x: L7Exchange): boolean => (x.side === 'server' ? x.localPort === port : x.remotePort === port) && x.target !== null && /^\/p\d$/.test(x.target);
      const sideOf = (side: 'server' | 'client', clientPort: number): L7Exchange[] =>
        exchanges.filter((x) => isOurs(x) && x.side === side && (side === 'server' ? x.remotePort : x.localPort) === clientPort);
      // The client's ephemeral port: the one its mirrored records carry.
      const client = await waitFor(`${N} client records of curl ${pid}`, () => {
        const c = exchanges.filter((x) => isOurs(x) && x.side === 'client' && x.pid === pid);
        return c.length >= N ? c : undefined;
      });
      const clientPort = client[0]!.localPort;
      const serverSide = await waitFor(`${N} server records`, () => {
        const s = sideOf('server', clientPort);
        return s.length >= N ? s : undefined;
      });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(sideOf('client', clientPort).length, N, 'no client record twice');
      assert.equal(sideOf('server', clientPort).length, N);
      assert.deepEqual(client.map((x) => x.target).sort(), serverSide.map((x) => x.target).sort());
      for (const x of client) {
        assert.equal(x.comm, 'curl');
        assert.equal(x.serviceName, 'curl');
        assert.equal(x.status, 200);
        assert.equal(x.localAddr, clientAddr);
        assert.equal(x.remoteAddr, clientAddr);
        assert.equal(x.family, name === 'IPv4' ? 4 : 6);
        assert.notEqual(x.socketCookie, serverSide[0]!.socketCookie, 'the client record names the client socket');
      }
      for (const x of serverSide) {
        assert.equal(x.pid, server.pid);
        assert.equal(x.peerService, 'curl');
      }
      assert.ok(l7.probes.kernelStats().connectionsMirrored > mirroredBefore, 'the kernel linked the two sockets');
      assert.ok(l7.connections.stats.exchangesMirrored >= N);
    });
  }
});
