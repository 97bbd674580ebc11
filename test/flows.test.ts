// Kernel test: the TCP flow probes watch real connections made by real programs (Python, nginx,
// curl) and must report exact byte counts, owners on both sides, directions and failures.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FlowPipeline } from '../src/agent/flow-pipeline.js';
import { packageRoot } from '../src/kernel/package-root.js';
import type { FlowRecord } from '../src/telemetry/flow-record.js';
import { kernelUnavailableReason, requireKernel } from './support/kernel.js';
import { freePort, startNginx } from './support/nginx.js';
import { waitFor } from './support/wait.js';

const PYTHON = '/usr/bin/python3';
const XFER = join(packageRoot(), 'test', 'support', 'xfer.py');

describe('TCP flows from tracepoints', () => {
  const records: FlowRecord[] = [];
  let pipeline: FlowPipeline | undefined;

  before(async () => {
    if (kernelUnavailableReason() !== null) return;
    pipeline = await FlowPipeline.start({ tableSize: 65536, rules: [], onFlow: (r) => records.push(r) });
  });
  after(() => pipeline?.stop());

  /** The two records of one loopback connection, found by its ports. */
  async function connection(serverPort: number, clientPort: number): Promise<{ server: FlowRecord; client: FlowRecord }> {
    return waitFor(`both sides of 127.0.0.1:${clientPort} -> :${serverPort}`, () => {
      const server = records.find((r) => r.local_port === serverPort && r.remote_port === clientPort);
      const client = records.find((r) => r.local_port === clientPort && r.remote_port === serverPort);
      return server && client ? { server, client } : undefined;
    });
  }

  function xfer(family: '4' | '6', clientSends: number, serverSends: number): { pid: number; server_port: number; client_port: number } {
    const out = execFileSync(PYTHON, [XFER, family, String(clientSends), String(serverSends)], { encoding: 'utf8', timeout: 30_000 });
    return JSON.parse(out) as { pid: number; server_port: number; client_port: number };
  }

  for (const family of ['4', '6'] as const) {
    it(`IPv${family}: exact odd byte counts each way, owner and direction on both sides`, async (t) => {
      if (!requireKernel(t)) return;
      const run = xfer(family, 123457, 7654321);
      const { server, client } = await connection(run.server_port, run.client_port);
      const loopback = family === '4' ? '127.0.0.1' : '::1';

      assert.equal(client.direction, 'outbound');
      assert.equal(server.direction, 'inbound');
      assert.equal(client.bytes_sent, 123457);
      assert.equal(client.bytes_received, 7654321);
      assert.equal(server.bytes_sent, 7654321);
      assert.equal(server.bytes_received, 123457);
      for (const r of [client, server]) {
        assert.equal(r.pid, run.pid, `pid of the ${r.direction} side`);
        assert.equal(r.comm, 'python3');
        assert.match(r.exe ?? '', /python3/);
        assert.equal(r.status, 'closed');
        assert.equal(r.family, `ipv${family}`);
        assert.equal(r.local_addr, loopback);
        assert.equal(r.remote_addr, loopback);
        assert.equal(r.partial, false);
        assert.ok(r.srtt_us > 0, 'smoothed RTT measured');
        assert.ok(r.segments_sent > 0 && r.segments_received > 0, 'segments counted');
        assert.ok(!Number.isNaN(Date.parse(r.start)), 'start is RFC 3339');
        assert.ok(r.duration_ms >= 0);
      }
      assert.equal(server.owner_source, 'accept');
      assert.equal(client.owner_source, 'connect');
      assert.equal(client.service_name, 'xfer', 'service named after the script, not "python3"');
      assert.equal(client.peer_service, 'xfer', 'the local listener is the peer');
      assert.equal(server.peer_service, 'xfer', 'the local client is the peer of the inbound side');
    });
  }

  it('accepted sockets closed before any read do not stop later ones from being claimed', async (t) => {
    if (!requireKernel(t) || !pipeline) return;
    // flow_first_read skips its lookup while no accepted socket waits for its first read; each
    // of these is marked at accept and must be unmarked by its close, or the count goes wrong.
    const unread = [
      'import socket',
      "srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(64); port = srv.getsockname()[1]",
      "clients = [socket.create_connection(('127.0.0.1', port)) for _ in range(20)]",
      "[c.sendall(b'x') for c in clients]",
      '[srv.accept()[0].close() for _ in range(20)]',
      '[c.close() for c in clients]',
      'print(port)',
    ].join('\n');
    const port = Number(execFileSync(PYTHON, ['-c', unread], { encoding: 'utf8', timeout: 30_000 }).trim());
    await waitFor('the 20 unread inbound sockets closed', () => (records.filter((r) => r.local_port === port && r.direction === 'inbound').length >= 20 ? true : undefined));
    const claimedBefore = pipeline.probes.kernelStats().ownersClaimed;
    const run = xfer('4', 1000, 1000);
    const { server } = await connection(run.server_port, run.client_port);
    assert.equal(server.owner_source, 'accept');
    assert.equal(server.pid, run.pid);
    assert.ok(pipeline.probes.kernelStats().ownersClaimed > claimedBefore, 'the later socket was claimed at its first read');
  });

  it('a connect to a closed port is a failed flow of the connecting process', async (t) => {
    if (!requireKernel(t)) return;
    const port = await freePort();
    const curl = spawnSync('curl', ['-s', '--max-time', '5', `http://127.0.0.1:${port}/`]);
    assert.notEqual(curl.status, 0, 'curl must fail: nothing listens');
    const failed = await waitFor(`a failed flow to port ${port}`, () => records.find((r) => r.remote_port === port));
    assert.equal(failed.status, 'failed');
    assert.equal(failed.direction, 'outbound');
    assert.equal(failed.comm, 'curl');
    assert.equal(failed.pid, curl.pid);
    assert.equal(failed.bytes_sent, 0);
    assert.equal(failed.bytes_received, 0);
  });

  it('nginx served to curl: the worker that accepted owns the inbound side, byte counts match curl', async (t) => {
    if (!requireKernel(t)) return;
    const nginx = await startNginx();
    try {
      const curl = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{size_request} %{size_header} %{size_download} %{local_port}', `http://127.0.0.1:${nginx.port}/`], { encoding: 'utf8' });
      assert.equal(curl.status, 0, curl.stderr);
      const [request, header, body, localPort] = curl.stdout.trim().split(' ').map(Number) as [number, number, number, number];
      const { server, client } = await connection(nginx.port, localPort);

      assert.equal(client.comm, 'curl');
      assert.equal(client.pid, curl.pid);
      assert.equal(client.bytes_sent, request);
      assert.equal(client.bytes_received, header + body);
      assert.equal(server.comm, 'nginx');
      assert.ok(nginx.workerPids().includes(server.pid), `inbound owner ${server.pid} is an nginx worker (${nginx.workerPids().join(',')}), not the master ${nginx.masterPid}`);
      assert.equal(server.bytes_received, request);
      assert.equal(server.bytes_sent, header + body);
      assert.equal(server.service_name, 'nginx');
      assert.equal(client.peer_service, 'nginx');
      // The client's connect() was seen with its ends: the server side names it.
      assert.equal(server.peer_service, 'curl');
    } finally {
      await nginx.stop();
    }
  });

  it('kernel and pipeline counters show no loss', (t) => {
    if (!requireKernel(t) || !pipeline) return;
    const stats = pipeline.probes.kernelStats();
    assert.equal(stats.ringbufDropped, 0);
    assert.equal(stats.tableFull, 0);
    assert.equal(pipeline.queue.dropped, 0);
    assert.ok(stats.closeEvents >= 5, `close events counted in the kernel (${stats.closeEvents})`);
    assert.ok(stats.ownersClaimed >= 3, `the first read claimed inbound sockets (${stats.ownersClaimed})`);
  });
});
