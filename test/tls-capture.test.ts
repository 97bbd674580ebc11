// Kernel test: TLS plaintext by uprobes on the system's libssl and libgnutls — nginx (server side)
// hit by curl --http1.1 and --http2 (OpenSSL), wget (GnuTLS) and Python's http.client (OpenSSL's
// _ex calls): exactly one record per request on each side, with its path, status and `tls: true`,
// and nothing from the ciphertext of the same connections.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { L7Exchange } from '../src/correlate/l7-exchange.js';
import { run } from './support/daemon.js';
import { requireKernel } from './support/kernel.js';
import { countBy, startL7Capture, type L7Capture } from './support/l7-capture.js';
import { startNginx, type NginxServer } from './support/nginx.js';
import { makeCertificate, type Certificate } from './support/tls.js';

const BODY = 'hello over tls\n';
const PATHS = ['/a', '/b?x=1', '/c', '/missing', '/a'];
const STATUS = (path: string): number => (path.startsWith('/missing') ? 404 : 200);
const urls = (port: number): string[] => PATHS.map((p) => `https://127.0.0.1:${port}${p}`);

describe('TLS capture: nginx with OpenSSL, clients with OpenSSL and GnuTLS', () => {
  let capture: L7Capture | null = null;
  let cert: Certificate | null = null;
  let nginx: NginxServer | null = null;
  before(async () => {
    capture = await startL7Capture();
    if (capture === null) return;
    cert = makeCertificate();
    nginx = await startNginx(BODY, { tls: { cert: cert.cert, key: cert.key } });
  });
  after(async () => {
    await nginx?.stop();
    capture?.stop();
    cert?.remove();
  });

  /** Exchanges of one client process (server side: those whose peer port belongs to its connections). */
  function sides(cap: L7Capture, port: number, clientPid: number): { server: L7Exchange[]; client: L7Exchange[] } {
    const client = cap.clientSide(port).filter((e) => e.pid === clientPid);
    const ports = new Set(client.map((e) => e.localPort));
    const server = cap.serverSide(port).filter((e) => ports.has(e.remotePort));
    return { server, client };
  }

  function assertRequests(list: readonly L7Exchange[], protocol: 'http' | 'http2', comm: string, side: string, cap: L7Capture): void {
    const paths = list.map((e) => e.target ?? '?');
    const want = protocol === 'http' ? PATHS : PATHS.map((p) => p.replace(/\?.*$/, ''));
    assert.deepEqual(countBy(paths, (p) => p), countBy(want, (p) => p), `${side} paths; ${cap.lossReport()}`);
    for (const e of list) {
      assert.equal(e.protocol, protocol, `${side} protocol`);
      assert.equal(e.tls, true, `${side} tls`);
      assert.equal(e.comm, comm, `${side} comm`);
      assert.equal(e.method, 'GET');
      assert.equal(e.status, STATUS(e.target ?? ''), `${side} status of ${e.target}`);
      assert.equal(e.problem, null, `${side} problem of ${e.target}`);
      assert.equal(e.httpVersion, protocol === 'http' ? '1.1' : '2');
    }
  }

  for (const version of ['1.1', '2'] as const) {
    it(`curl --http${version} -k: one record per request on both sides, tls, paths and statuses`, async (t) => {
      if (!requireKernel(t) || capture === null || nginx === null) return;
      const cap = capture;
      const port = nginx.port;
      const curl = run('curl', ['-sk', `--http${version}`, '-w', '%{http_code}\\n', ...urls(port).flatMap((u) => ['-o', '/dev/null', u])]);
      assert.deepEqual(curl.stdout.trim().split('\n').map(Number), PATHS.map(STATUS));
      const protocol = version === '1.1' ? 'http' : 'http2';
      await cap.atLeast('records on both sides', () => {
        const s = sides(cap, port, curl.pid);
        return s.server.length + s.client.length;
      }, 2 * PATHS.length);
      await cap.settle(port);
      const { server, client } = sides(cap, port, curl.pid);
      assertRequests(client, protocol, 'curl', 'client', cap);
      assertRequests(server, protocol, 'nginx', 'server', cap);
      assert.equal(server.length, PATHS.length);
      assert.equal(client.length, PATHS.length);
      // One connection, reused: TLS plaintext did not split it; the server's side is the same connection.
      assert.equal(new Set(client.map((e) => e.socketCookie)).size, 1);
      assert.equal(new Set(server.map((e) => e.socketCookie)).size, 1);
      assert.equal(server[0]?.remotePort, client[0]?.localPort);
      assert.ok(nginx.workerPids().includes(server[0]?.pid ?? -1), 'the server side is the nginx worker');
      const ok = server.find((e) => e.target === '/a');
      assert.equal(ok?.responseBodyBytes, BODY.length);
      // Nothing came from the ciphertext of these connections.
      const cookies = new Set([...server, ...client].map((e) => e.socketCookie));
      assert.equal(cap.exchanges.filter((e) => cookies.has(e.socketCookie) && e.tls !== true).length, 0);
    });
  }

  it('wget (GnuTLS): client records by gnutls_record_send/recv, server records by nginx', async (t) => {
    if (!requireKernel(t) || capture === null || nginx === null) return;
    const cap = capture;
    const port = nginx.port;
    const wget = run('wget', ['-q', '-O', '/dev/null', '--no-check-certificate', `https://127.0.0.1:${port}/a`, `https://127.0.0.1:${port}/c`]);
    await cap.atLeast('wget records on both sides', () => {
      const s = sides(cap, port, wget.pid);
      return s.server.length + s.client.length;
    }, 4);
    await cap.settle(port);
    const { server, client } = sides(cap, port, wget.pid);
    assert.deepEqual(client.map((e) => [e.target, e.status, e.tls, e.comm]), [['/a', 200, true, 'wget'], ['/c', 200, true, 'wget']]);
    assert.deepEqual(server.map((e) => [e.target, e.status, e.tls, e.comm]), [['/a', 200, true, 'nginx'], ['/c', 200, true, 'nginx']]);
  });

  it("Python http.client over TLS (SSL_write_ex/SSL_read_ex): exact records", async (t) => {
    if (!requireKernel(t) || capture === null || nginx === null) return;
    const cap = capture;
    const port = nginx.port;
    const script = `
import http.client, ssl
ctx = ssl._create_unverified_context()
c = http.client.HTTPSConnection('127.0.0.1', ${port}, context=ctx)
for path in ['/py1', '/missing/py', '/py2']:
    c.request('GET', path)
    r = c.getresponse()
    r.read()
    print(r.status)
c.close()
`;
    const py = run('python3', ['-c', script]);
    assert.deepEqual(py.stdout.trim().split('\n').map(Number), [200, 404, 200]);
    await cap.atLeast('python records on both sides', () => {
      const s = sides(cap, port, py.pid);
      return s.server.length + s.client.length;
    }, 6);
    await cap.settle(port);
    const { server, client } = sides(cap, port, py.pid);
    const summary = (list: readonly L7Exchange[]) => list.map((e) => `${e.method} ${e.target} ${e.status} ${e.tls}`);
    assert.deepEqual(summary(client), ['GET /py1 200 true', 'GET /missing/py 404 true', 'GET /py2 200 true']);
    assert.deepEqual(summary(server), summary(client));
    assert.ok(client.every((e) => e.comm.startsWith('python')), `client comm ${client[0]?.comm}`);
  });
});
