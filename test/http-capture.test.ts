// Kernel test: cgroup_skb capture + TCP stream reassembly + the HTTP/1 parser, driven by real
// servers (nginx, Python http.server, Node http) and real clients (curl, ab, raw sockets). Every
// count and byte total is exact: it is compared with what the client itself reports or sent.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowPipeline } from '../src/agent/flow-pipeline.js';
import { L7Pipeline } from '../src/agent/l7-pipeline.js';
import type { L7Exchange } from '../src/correlate/l7-exchange.js';
import { packageRoot } from '../src/kernel/package-root.js';
import type { FlowRecord } from '../src/telemetry/flow-record.js';
import { startChildServer, type ChildServer } from './support/child-server.js';
import { kernelUnavailableReason, requireKernel } from './support/kernel.js';
import { startNginx } from './support/nginx.js';
import { rawConnect } from './support/raw-tcp.js';
import { waitFor } from './support/wait.js';

const PYTHON = '/usr/bin/python3';
const SUPPORT = join(packageRoot(), 'test', 'support');
const NODE_SERVER = join(SUPPORT, 'node-http-server.mjs');
const PYTHON_SERVER = join(SUPPORT, 'http-routes.py');
const MIB = 1024 * 1024;
/**
 * After TCP reports a connection closed, L7Connections waits closeGraceMs (500) for segments
 * still in flight, then flushes it on a 50 ms sweep: past this, close-time exchanges are in.
 */
const FLUSH_MS = 1000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What curl says about one transfer (-w), to compare byte for byte. */
interface CurlTransfer {
  localPort: number;
  /** Request head bytes sent. */
  request: number;
  /** Request body bytes sent. */
  upload: number;
  /** Response head bytes received (all heads, 1xx included). */
  header: number;
  /** Response body bytes received (decoded: chunk framing is not counted). */
  download: number;
  code: number;
}

const CURL_FORMAT = '%{local_port} %{size_request} %{size_upload} %{size_header} %{size_download} %{http_code}\\n';

/** Runs curl over `urls` (one connection reused when it can be) and returns its pid and transfers. */
function curl(urls: readonly string[], extra: readonly string[] = []): { pid: number; transfers: CurlTransfer[] } {
  const args = ['-s', '-S', '-g', '--max-time', '30', '-w', CURL_FORMAT, ...extra, ...urls.flatMap((u) => ['-o', '/dev/null', u])];
  const run = spawnSync('curl', args, { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, `curl ${args.join(' ')} failed: ${run.stderr}`);
  const transfers = run.stdout.trim().split('\n').map((line) => {
    const [localPort, request, upload, header, download, code] = line.split(' ').map(Number) as [number, number, number, number, number, number];
    return { localPort, request, upload, header, download, code };
  });
  assert.equal(transfers.length, urls.length, `one -w line per URL: ${run.stdout}`);
  return { pid: run.pid ?? 0, transfers };
}

describe('HTTP capture: real servers and clients, exact exchanges', () => {
  const exchanges: L7Exchange[] = [];
  const closedCookies = new Set<number>();
  const flows: FlowRecord[] = [];
  let flowPipeline: FlowPipeline | undefined;
  let l7: L7Pipeline | undefined;
  const errors: unknown[] = [];

  before(async () => {
    if (kernelUnavailableReason() !== null) return;
    flowPipeline = await FlowPipeline.start({
      tableSize: 65536,
      rules: [],
      onFlow: (r: FlowRecord) => {
        closedCookies.add(r.socket_cookie);
        flows.push(r);
        l7?.connectionClosed(r.socket_cookie);
      },
      onError: (e) => errors.push(e),
    });
    l7 = L7Pipeline.start({
      flows: flowPipeline.correlator,
      captureBytes: 4096,
      // Exact counts are asserted here: no shedding (test/http-shedding.test.ts covers it).
      maxSegmentsPerSecond: 10_000_000,
      redactSecrets: true,
      onExchange: (e) => exchanges.push(e),
      onError: (e) => errors.push(e),
    });
  });
  after(() => {
    l7?.stop();
    flowPipeline?.stop();
  });

  /** Exchanges of the server listening on `port`, server side (accepted sockets). */
  const serverSide = (port: number): L7Exchange[] => exchanges.filter((e) => e.side === 'server' && e.localPort === port);
  /** Exchanges of local clients of the server on `port` (their connecting sockets). */
  const clientSide = (port: number): L7Exchange[] => exchanges.filter((e) => e.side === 'client' && e.remotePort === port);
  /** Both sides of the one connection whose client used `clientPort`. */
  const onConnection = (port: number, clientPort: number): { server: L7Exchange[]; client: L7Exchange[] } => ({
    server: serverSide(port).filter((e) => e.remotePort === clientPort),
    client: clientSide(port).filter((e) => e.localPort === clientPort),
  });

  async function atLeast(what: string, count: () => number, n: number, timeoutMs = 10_000): Promise<void> {
    try {
      await waitFor(`${what} (want ${n})`, () => (count() >= n ? true : undefined), timeoutMs);
    } catch (err) {
      // Say whether capture lost anything (other load on this host shares the probes' attention).
      throw new Error(`${(err as Error).message}; got ${count()}; ${lossReport()}`);
    }
  }

  function lossReport(): string {
    if (!l7) return 'no L7 pipeline';
    const k = l7.probes.kernelStats();
    return `ringbuf dropped ${k.ringbufDropped}, load errors ${k.loadErrors}, queue dropped ${l7.queue.dropped}, ` +
      `connections ${JSON.stringify(l7.connections.stats)}`;
  }

  /**
   * Waits until TCP reported every connection to `port` that produced an exchange closed, then
   * until close-time flushes are done: after this, no more exchanges of those connections come.
   */
  async function settle(port: number): Promise<void> {
    await waitFor(`TCP close of every connection of :${port}`, () => {
      for (const e of exchanges) {
        if ((e.localPort === port || e.remotePort === port) && !closedCookies.has(e.socketCookie)) return undefined;
      }
      return true;
    });
    await sleep(FLUSH_MS);
  }

  function describeAll(list: readonly L7Exchange[]): string {
    return list.map((e) => `${e.side} ${e.comm}/${e.pid} ${e.method} ${e.target} -> ${e.status} ${e.problem ?? ''}`).join('\n');
  }

  describe('nginx', () => {
    it('curl GET: one server and one client exchange with curl\'s exact byte counts', async (t) => {
      if (!requireKernel(t)) return;
      const nginx = await startNginx();
      try {
        const { pid, transfers } = curl([`http://127.0.0.1:${nginx.port}/hello?x=1`]);
        const tr = transfers[0]!;
        await atLeast('both sides of the curl GET', () => onConnection(nginx.port, tr.localPort).server.length + onConnection(nginx.port, tr.localPort).client.length, 2);
        await settle(nginx.port);
        const server = serverSide(nginx.port);
        const client = clientSide(nginx.port);
        assert.equal(server.length, 1, describeAll(server));
        assert.equal(client.length, 1, describeAll(client));
        const s = server[0]!;
        const c = client[0]!;

        assert.equal(s.comm, 'nginx');
        assert.ok(nginx.workerPids().includes(s.pid), `server pid ${s.pid} is an nginx worker (${nginx.workerPids().join(',')})`);
        assert.equal(s.serviceName, 'nginx');
        assert.equal(s.peerService, 'curl');
        assert.equal(c.comm, 'curl');
        assert.equal(c.pid, pid);
        assert.equal(c.serviceName, 'curl');
        assert.equal(c.peerService, 'nginx');
        for (const e of [s, c]) {
          assert.equal(e.protocol, 'http');
          assert.equal(e.method, 'GET');
          assert.equal(e.target, '/hello?x=1');
          assert.equal(e.httpVersion, '1.1');
          assert.equal(e.status, 200);
          assert.equal(e.requestBytes, tr.request);
          assert.equal(e.responseBytes, tr.header + tr.download);
          assert.equal(e.requestBodyBytes, 0);
          assert.equal(e.responseBodyBytes, tr.download);
          assert.equal(e.family, 4);
          assert.equal(e.localAddr, '127.0.0.1');
          assert.equal(e.remoteAddr, '127.0.0.1');
          assert.equal(e.upgraded, false);
          assert.equal(e.problem, null);
          assert.ok(e.durationMs >= 0);
          assert.ok(Math.abs(e.startMs - Date.now()) < 60_000, 'start is wall-clock time');
        }
        assert.equal(s.localPort, nginx.port);
        assert.equal(s.remotePort, tr.localPort);
        assert.equal(c.localPort, tr.localPort);
        assert.equal(c.remotePort, nginx.port);
        assert.equal(s.requestHeaders['user-agent'], c.requestHeaders['user-agent']);
        assert.match(s.requestHeaders['user-agent'] ?? '', /^curl\//);
      } finally {
        await nginx.stop();
      }
    });

    for (const keepAlive of [true, false]) {
      it(`ab -n N -c 4${keepAlive ? ' -k' : ''}: exactly N server and N client exchanges, all 200`, async (t) => {
        if (!requireKernel(t)) return;
        const N = 300;
        const nginx = await startNginx();
        try {
          const args = ['-q', '-n', String(N), '-c', '4', ...(keepAlive ? ['-k'] : []), `http://127.0.0.1:${nginx.port}/ab`];
          const ab = spawnSync('ab', args, { encoding: 'utf8', timeout: 60_000 });
          assert.equal(ab.status, 0, `ab failed: ${ab.stderr}`);
          assert.match(ab.stdout, new RegExp(`Complete requests:\\s+${N}\\b`));
          assert.match(ab.stdout, /Failed requests:\s+0\b/);
          if (keepAlive) assert.match(ab.stdout, new RegExp(`Keep-Alive requests:\\s+${N}\\b`));

          await atLeast('server exchanges of ab', () => serverSide(nginx.port).length, N, 20_000);
          await atLeast('client exchanges of ab', () => clientSide(nginx.port).length, N, 20_000);
          await settle(nginx.port);
          const server = serverSide(nginx.port);
          const client = clientSide(nginx.port);
          assert.equal(server.length, N, 'server exchanges');
          assert.equal(client.length, N, 'client exchanges');
          const workers = nginx.workerPids();
          for (const e of server) {
            assert.equal(e.comm, 'nginx');
            assert.ok(workers.includes(e.pid), `server pid ${e.pid} is a worker`);
          }
          for (const e of client) {
            assert.equal(e.comm, 'ab');
            assert.equal(e.pid, ab.pid);
            assert.equal(e.peerService, 'nginx');
          }
          for (const e of [...server, ...client]) {
            assert.equal(e.status, 200);
            assert.equal(e.method, 'GET');
            assert.equal(e.target, '/ab');
            assert.equal(e.httpVersion, '1.0', 'ab speaks HTTP/1.0');
            assert.equal(e.problem, null, `${e.side} exchange on :${e.side === 'server' ? e.remotePort : e.localPort} has a problem`);
            assert.ok(e.requestBytes > 0 && e.responseBytes > e.responseBodyBytes);
            assert.equal(e.responseBodyBytes, 'hello from nginx\n'.length);
          }
          // Pairs match up: the same requests and responses, byte for byte, seen from both ends.
          const total = (list: L7Exchange[], k: 'requestBytes' | 'responseBytes'): number => list.reduce((a, e) => a + e[k], 0);
          assert.equal(total(server, 'requestBytes'), total(client, 'requestBytes'));
          assert.equal(total(server, 'responseBytes'), total(client, 'responseBytes'));
          const connections = new Set(server.map((e) => e.socketCookie)).size;
          if (keepAlive) assert.equal(connections, 4, `keep-alive: one connection per concurrent client (${connections} for ${N} requests)`);
          else assert.equal(connections, N, 'one connection per request without -k');
        } finally {
          await nginx.stop();
        }
      });
    }
  });

  describe('Python http.server', () => {
    let py: ChildServer | undefined;
    before(async () => {
      if (kernelUnavailableReason() !== null) return;
      py = await startChildServer(PYTHON, [PYTHON_SERVER]);
    });
    after(async () => { await py?.stop(); });

    it('200, 404, 500, a chunked and a close-delimited response; service named after the script', async (t) => {
      if (!requireKernel(t) || !py) return;
      const port = py.port;
      const paths = ['/ok', '/missing', '/boom', '/chunked', '/eof'];
      const { pid, transfers } = curl(paths.map((p) => `http://127.0.0.1:${port}${p}`));
      const statuses = [200, 404, 500, 200, 200];
      assert.deepEqual(transfers.map((tr) => tr.code), statuses);
      await atLeast('server exchanges of the Python server', () => serverSide(port).length, paths.length);
      await atLeast('client exchanges of curl', () => clientSide(port).length, paths.length);
      await settle(port);
      const byStart = (a: L7Exchange, b: L7Exchange): number => a.startMs - b.startMs;
      const server = serverSide(port).sort(byStart);
      const client = clientSide(port).sort(byStart);
      assert.equal(server.length, paths.length, describeAll(server));
      assert.equal(client.length, paths.length, describeAll(client));
      for (const [list, side] of [[server, 'server'], [client, 'client']] as const) {
        assert.deepEqual(list.map((e) => e.target), paths, `${side}: targets in order`);
        assert.deepEqual(list.map((e) => e.status), statuses, `${side}: statuses`);
        list.forEach((e, i) => {
          const tr = transfers[i]!;
          assert.equal(e.problem, null, `${side} ${e.target}`);
          assert.equal(e.requestBytes, tr.request, `${side} ${e.target}: request bytes`);
          // curl counts the decoded body; the chunked one adds its framing ("3\r\n...0\r\n\r\n").
          const framing = e.target === '/chunked' ? '3\r\n\r\n5\r\n\r\n0\r\n\r\n'.length : 0;
          assert.equal(e.responseBytes, tr.header + tr.download + framing, `${side} ${e.target}: response bytes`);
          assert.equal(e.responseBodyBytes, tr.download, `${side} ${e.target}: body bytes`);
        });
      }
      for (const e of server) {
        assert.equal(e.pid, py.pid);
        assert.equal(e.comm, 'python3');
        assert.equal(e.serviceName, 'http-routes', 'named after the script, not "python3"');
        assert.equal(e.peerService, 'curl');
      }
      for (const e of client) {
        assert.equal(e.pid, pid);
        assert.equal(e.peerService, 'http-routes');
      }
      assert.equal(server.find((e) => e.target === '/chunked')?.responseBodyBytes, 8);
      // Delimited by the server's close: complete only once TCP reports the close.
      assert.equal(server.find((e) => e.target === '/eof')?.responseBodyBytes, 'until close\n'.length);
    });

    it('close-delimited responses on many short connections are all reported, none late', async (t) => {
      if (!requireKernel(t) || !py) return;
      // Each exchange completes only when TCP reports the close, and close events come on the flow
      // ring buffer, often handled before the connection's first L7 segment: every one must still
      // be flushed after the close grace, not at the 10-minute idle timeout.
      const port = py.port;
      const before = serverSide(port).length;
      const beforeClient = clientSide(port).length;
      const N = 20;
      const ports: number[] = [];
      for (let i = 0; i < N; i++) ports.push(curl([`http://127.0.0.1:${port}/eof`]).transfers[0]!.localPort);
      await atLeast('server exchanges of the /eof connections', () => serverSide(port).length - before, N);
      await atLeast('client exchanges of the /eof connections', () => clientSide(port).length - beforeClient, N);
      await settle(port);
      for (const clientPort of ports) {
        const { server, client } = onConnection(port, clientPort);
        assert.equal(server.length, 1, `server side of :${clientPort}: ${describeAll(server)}`);
        assert.equal(client.length, 1, `client side of :${clientPort}: ${describeAll(client)}`);
        for (const e of [server[0]!, client[0]!]) {
          assert.equal(e.target, '/eof');
          assert.equal(e.status, 200);
          assert.equal(e.problem, null);
          assert.equal(e.responseBodyBytes, 'until close\n'.length);
        }
      }
    });
  });

  describe('Node http server', () => {
    let node: ChildServer | undefined;
    let bodyDir = '';
    before(async () => {
      if (kernelUnavailableReason() !== null) return;
      node = await startChildServer(process.execPath, [NODE_SERVER]);
      bodyDir = mkdtempSync(join(tmpdir(), 'sonde-http-'));
    });
    after(async () => {
      await node?.stop();
      if (bodyDir !== '') rmSync(bodyDir, { recursive: true, force: true });
    });

    /** Exchanges of the connection whose client port is `clientPort`, once `n` are in on each side and it closed. */
    async function connectionExchanges(clientPort: number, n: number): Promise<{ server: L7Exchange[]; client: L7Exchange[] }> {
      const port = node!.port;
      await atLeast(`server exchanges of client port ${clientPort}`, () => onConnection(port, clientPort).server.length, n);
      await atLeast(`client exchanges of client port ${clientPort}`, () => onConnection(port, clientPort).client.length, n);
      await settle(port);
      return onConnection(port, clientPort);
    }

    it('keep-alive: curl reuses one connection for 3 requests -> 3 exchanges in order on it', async (t) => {
      if (!requireKernel(t) || !node) return;
      const paths = ['/k1', '/k2', '/k3'];
      const { pid, transfers } = curl(paths.map((p) => `http://127.0.0.1:${node!.port}${p}`));
      const clientPort = transfers[0]!.localPort;
      assert.ok(transfers.every((tr) => tr.localPort === clientPort), 'curl reused the connection');
      const { server, client } = await connectionExchanges(clientPort, 3);
      assert.equal(server.length, 3, describeAll(server));
      assert.equal(client.length, 3, describeAll(client));
      for (const list of [server, client]) {
        assert.deepEqual(list.map((e) => e.target), paths);
        assert.equal(new Set(list.map((e) => e.socketCookie)).size, 1, 'one socket');
        list.forEach((e, i) => {
          assert.equal(e.status, 200);
          assert.equal(e.problem, null);
          assert.equal(e.requestBytes, transfers[i]!.request);
          assert.equal(e.responseBytes, transfers[i]!.header + transfers[i]!.download);
        });
      }
      for (const e of server) {
        assert.equal(e.pid, node.pid);
        assert.equal(e.comm, 'node');
        assert.equal(e.serviceName, 'node-http-server');
        assert.equal(e.peerService, 'curl');
      }
      for (const e of client) {
        assert.equal(e.pid, pid);
        assert.equal(e.peerService, 'node-http-server');
      }
    });

    it('pipelining: 3 requests in one TCP write -> 3 server exchanges in order', async (t) => {
      if (!requireKernel(t) || !node) return;
      const requests = ['/p1', '/p2', '/p3'].map((p, i) =>
        `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: pipeline-test\r\n${i === 2 ? 'Connection: close\r\n' : ''}\r\n`);
      const conn = await rawConnect('127.0.0.1', node.port);
      conn.write(requests.join(''));
      const received = await conn.close();
      const responses = received.toString('latin1').split(/(?=HTTP\/1\.1 )/);
      assert.equal(responses.length, 3, `three responses: ${received.toString('latin1')}`);

      const { server, client } = await connectionExchanges(conn.localPort, 3);
      assert.equal(server.length, 3, describeAll(server));
      assert.equal(client.length, 3, describeAll(client));
      for (const list of [server, client]) {
        assert.deepEqual(list.map((e) => e.target), ['/p1', '/p2', '/p3']);
        list.forEach((e, i) => {
          assert.equal(e.status, 200);
          assert.equal(e.problem, null);
          assert.equal(e.requestBytes, requests[i]!.length);
          assert.equal(e.responseBytes, Buffer.byteLength(responses[i]!, 'latin1'));
          assert.equal(e.responseBodyBytes, `hello /p${i + 1}\n`.length);
          assert.equal(e.requestHeaders['user-agent'], 'pipeline-test');
        });
      }
      for (const e of client) {
        assert.equal(e.pid, process.pid, 'the raw client is this process');
        assert.equal(e.serviceName, 'sonde', 'the agent\'s own process reads as sonde');
      }
    });

    it('chunked response: exact body and wire bytes', async (t) => {
      if (!requireKernel(t) || !node) return;
      const request = 'GET /chunked HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';
      const conn = await rawConnect('127.0.0.1', node.port);
      conn.write(request);
      // Read the whole response before closing: Node cuts a response short when the client half-closes.
      await conn.readUntil('the last chunk', (b) => b.toString('latin1').endsWith('\r\n0\r\n\r\n'));
      const received = await conn.close();
      assert.match(received.toString('latin1'), /transfer-encoding: chunked/i);
      const { server, client } = await connectionExchanges(conn.localPort, 1);
      assert.equal(server.length, 1, describeAll(server));
      assert.equal(client.length, 1, describeAll(client));
      for (const e of [server[0]!, client[0]!]) {
        assert.equal(e.status, 200);
        assert.equal(e.problem, null);
        assert.equal(e.responseBodyBytes, 'aaaa'.length + 'bbbbbbb'.length + 'c'.length);
        assert.equal(e.responseBytes, received.length);
        assert.equal(e.requestBytes, request.length);
        assert.equal(e.responseHeaders['transfer-encoding'], 'chunked');
      }
    });

    it('1 MiB response body: exact counts despite the 4 KiB capture', async (t) => {
      if (!requireKernel(t) || !node) return;
      const { transfers } = curl([`http://127.0.0.1:${node.port}/big?n=${MIB}`]);
      const tr = transfers[0]!;
      assert.equal(tr.download, MIB);
      const { server, client } = await connectionExchanges(tr.localPort, 1);
      assert.equal(server.length, 1, describeAll(server));
      assert.equal(client.length, 1, describeAll(client));
      for (const e of [server[0]!, client[0]!]) {
        assert.equal(e.status, 200);
        assert.equal(e.problem, null);
        assert.equal(e.responseBodyBytes, MIB);
        assert.equal(e.responseBytes, tr.header + tr.download);
        assert.equal(e.requestBytes, tr.request);
      }
    });

    it('1 MiB POST body: exact request body bytes', async (t) => {
      if (!requireKernel(t) || !node) return;
      const file = join(bodyDir, 'post.bin');
      writeFileSync(file, Buffer.alloc(MIB, 0x61));
      // "Expect:" (empty) turns curl's automatic 100-continue off: the body follows the head at once.
      const { transfers } = curl([`http://127.0.0.1:${node.port}/upload`], ['--data-binary', `@${file}`, '-H', 'Expect:']);
      const tr = transfers[0]!;
      assert.equal(tr.upload, MIB);
      const { server, client } = await connectionExchanges(tr.localPort, 1);
      assert.equal(server.length, 1, describeAll(server));
      assert.equal(client.length, 1, describeAll(client));
      for (const e of [server[0]!, client[0]!]) {
        assert.equal(e.method, 'POST');
        assert.equal(e.target, '/upload');
        assert.equal(e.status, 200);
        assert.equal(e.problem, null);
        assert.equal(e.requestBodyBytes, MIB);
        assert.equal(e.requestBytes, tr.request + tr.upload);
        assert.equal(e.responseBodyBytes, `received ${MIB}\n`.length);
        assert.equal(e.responseBytes, tr.header + tr.download);
        assert.equal(e.requestHeaders.expect ?? null, null);
      }
    });

    it('POST with Expect: 100-continue -> one exchange with the final status', async (t) => {
      if (!requireKernel(t) || !node) return;
      const file = join(bodyDir, 'continue.bin');
      writeFileSync(file, Buffer.alloc(MIB, 0x62));
      const { transfers } = curl([`http://127.0.0.1:${node.port}/upload`], ['--data-binary', `@${file}`, '-H', 'Expect: 100-continue']);
      const tr = transfers[0]!;
      assert.equal(tr.code, 200);
      const { server, client } = await connectionExchanges(tr.localPort, 1);
      assert.equal(server.length, 1, describeAll(server));
      assert.equal(client.length, 1, describeAll(client));
      const interim = 'HTTP/1.1 100 Continue\r\n\r\n'.length;
      for (const e of [server[0]!, client[0]!]) {
        assert.equal(e.status, 200, 'the final status, not 100');
        assert.equal(e.problem, null);
        assert.equal(e.requestHeaders.expect, '100-continue');
        assert.equal(e.requestBodyBytes, MIB);
        assert.equal(e.requestBytes, tr.request + tr.upload);
        // curl's size_header counts the interim 100 head too: the exchange's response bytes do as well.
        assert.ok(tr.header > interim);
        assert.equal(e.responseBytes, tr.header + tr.download);
        assert.equal(e.responseBodyBytes, `received ${MIB}\n`.length);
      }
    });

    it('websocket upgrade: one exchange, status 101, upgraded; frames after it make no exchanges', async (t) => {
      if (!requireKernel(t) || !node) return;
      const handshake = 'GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
      const conn = await rawConnect('127.0.0.1', node.port);
      conn.write(handshake);
      const head = await conn.readUntil('the 101 response head', (b) => b.includes('\r\n\r\n'));
      const headText = head.toString('latin1');
      assert.match(headText, /^HTTP\/1\.1 101 /);
      assert.match(headText, /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/);
      const responseHeadBytes = headText.indexOf('\r\n\r\n') + 4;
      // Masked client frames whose payloads look like HTTP: after the upgrade they must stay opaque.
      const frame = (text: string): Buffer => {
        const payload = Buffer.from(text, 'latin1');
        const mask = Buffer.from([0x00, 0x00, 0x00, 0x00]); // a zero mask: the payload stays readable on the wire
        return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload]);
      };
      const frames = ['GET /not-http HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\n\r\n', 'hello'];
      let expected = responseHeadBytes;
      for (const f of frames) {
        conn.write(frame(f));
        expected += 4;
        await conn.readUntil('a frame back', (b) => b.length >= expected);
      }
      conn.write(Buffer.from([0x88, 0x80, 0, 0, 0, 0])); // close frame
      await conn.close();

      const { server, client } = await connectionExchanges(conn.localPort, 1);
      assert.equal(server.length, 1, `no exchanges after the upgrade:\n${describeAll(server)}`);
      assert.equal(client.length, 1, `no exchanges after the upgrade:\n${describeAll(client)}`);
      for (const e of [server[0]!, client[0]!]) {
        assert.equal(e.status, 101);
        assert.equal(e.upgraded, true);
        assert.equal(e.problem, null);
        assert.equal(e.target, '/chat');
        assert.equal(e.requestHeaders.upgrade, 'websocket');
        assert.equal(e.requestBytes, handshake.length);
        assert.equal(e.responseBytes, responseHeadBytes);
      }
    });

    it('Authorization, Cookie and Set-Cookie values are redacted by default', async (t) => {
      if (!requireKernel(t) || !node) return;
      const { transfers } = curl([`http://127.0.0.1:${node.port}/cookie`], ['-H', 'Authorization: Bearer top-secret-token', '-H', 'Cookie: session=top-secret-cookie']);
      const tr = transfers[0]!;
      const { server, client } = await connectionExchanges(tr.localPort, 1);
      assert.equal(server.length, 1, describeAll(server));
      assert.equal(client.length, 1, describeAll(client));
      for (const e of [server[0]!, client[0]!]) {
        assert.equal(e.status, 200);
        assert.equal(e.requestHeaders.authorization, '[REDACTED]');
        assert.equal(e.requestHeaders.cookie, '[REDACTED]');
        assert.equal(e.responseHeaders['set-cookie'], '[REDACTED]');
        assert.doesNotMatch(JSON.stringify(e), /top-secret|s3cr3t/);
        assert.equal(e.requestBytes, tr.request, 'redaction does not change byte counts');
      }
    });

    it('IPv6: a GET over [::1] is an exchange of family 6 between ::1 and ::1', async (t) => {
      if (!requireKernel(t) || !node) return;
      const { pid, transfers } = curl([`http://[::1]:${node.port}/v6`]);
      const tr = transfers[0]!;
      const { server, client } = await connectionExchanges(tr.localPort, 1);
      assert.equal(server.length, 1, describeAll(server));
      assert.equal(client.length, 1, describeAll(client));
      for (const e of [server[0]!, client[0]!]) {
        assert.equal(e.family, 6);
        assert.equal(e.localAddr, '::1');
        assert.equal(e.remoteAddr, '::1');
        assert.equal(e.target, '/v6');
        assert.equal(e.status, 200);
        assert.equal(e.problem, null);
        assert.equal(e.requestBytes, tr.request);
        assert.equal(e.responseBytes, tr.header + tr.download);
      }
      assert.equal(server[0]!.pid, node.pid);
      assert.equal(client[0]!.pid, pid);
      assert.equal(client[0]!.peerService, 'node-http-server');
    });

    it('every Node exchange was clean (no problem)', (t) => {
      if (!requireKernel(t) || !node) return;
      const all = [...serverSide(node.port), ...clientSide(node.port)];
      assert.ok(all.length > 0);
      assert.deepEqual(all.filter((e) => e.problem !== null).map((e) => `${e.side} ${e.target} ${e.problem}`), []);
    });
  });

  it('non-HTTP traffic (binary echo) makes no exchanges and is ignored in the kernel', async (t) => {
    if (!requireKernel(t) || !l7) return;
    const echo: Server = createServer((s) => { s.on('data', (d) => s.write(d)); s.on('end', () => s.end()); });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
    const port = (echo.address() as { port: number }).port;
    try {
      const before = l7.probes.kernelStats();
      const payload = Buffer.alloc(256 * 1024);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 151 + 7) & 0xff; // starts 0x07 0x9e ...: not text
      const conns = await Promise.all([0, 1, 2].map(() => rawConnect('127.0.0.1', port)));
      for (const c of conns) c.write(payload);
      for (const c of conns) await c.readUntil('the echo', (b) => b.length >= payload.length);
      for (const c of conns) await c.close();
      // Both ends of the three connections reported closed by TCP, then past the close flush.
      await waitFor('TCP close of both ends of the echo connections',
        () => (flows.filter((r) => r.local_port === port || r.remote_port === port).length >= 6 ? true : undefined));
      await sleep(FLUSH_MS);
      const afterStats = l7.probes.kernelStats();
      assert.deepEqual(exchanges.filter((e) => e.localPort === port || e.remotePort === port), []);
      // Both ends of each connection are decided "not L7" on their first payload each way.
      assert.ok(afterStats.connectionsIgnored - before.connectionsIgnored >= 6,
        `connectionsIgnored grew by ${afterStats.connectionsIgnored - before.connectionsIgnored} (want >= 6)`);
      assert.ok(afterStats.connectionsIgnored > 0);
    } finally {
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    }
  });

  it('no loss: ring buffer, queue and decoder counters', (t) => {
    if (!requireKernel(t) || !l7) return;
    const stats = l7.probes.kernelStats();
    assert.equal(stats.ringbufDropped, 0);
    assert.equal(stats.loadErrors, 0);
    assert.equal(l7.queue.dropped, 0);
    assert.deepEqual([...l7.decodeProblems.entries()], []);
    assert.deepEqual(errors, []);
  });
});
