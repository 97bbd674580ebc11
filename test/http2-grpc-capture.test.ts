// Kernel test: HTTP/2 and gRPC records and metrics — gRPC with @grpc/grpc-js over TLS (Node's
// OpenSSL, uprobes) and over h2c (socket segments, HTTP/2 detected in the kernel), unary,
// server-streaming and an error status, on both sides; and nginx h2c hit by curl with prior knowledge.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { L7Exchange } from '../src/correlate/l7-exchange.js';
import { serializePrometheus } from '../src/export/prometheus/serialize.js';
import { packageRoot } from '../src/kernel/package-root.js';
import { L7Telemetry } from '../src/telemetry/l7-telemetry.js';
import { MetricRegistry } from '../src/telemetry/metrics/registry.js';
import { startChildServer, type ChildServer } from './support/child-server.js';
import { run, runAsync } from './support/daemon.js';
import { requireKernel } from './support/kernel.js';
import { startL7Capture, type L7Capture } from './support/l7-capture.js';
import { startNginx } from './support/nginx.js';
import { makeCertificate, type Certificate } from './support/tls.js';
import { waitFor } from './support/wait.js';

const SUPPORT = join(packageRoot(), 'test', 'support');
const SERVER = join(SUPPORT, 'grpc-server.mjs');
const CLIENT = join(SUPPORT, 'grpc-client.mjs');

describe('HTTP/2 and gRPC capture', () => {
  let capture: L7Capture | null = null;
  let cert: Certificate | null = null;
  before(async () => {
    capture = await startL7Capture();
    if (capture !== null) cert = makeCertificate();
  });
  after(() => {
    capture?.stop();
    cert?.remove();
  });

  const calls = (list: readonly L7Exchange[]): string[] => list.map((e) =>
    `${String(e.attributes['rpc.service'])}/${String(e.attributes['rpc.method'])} status=${String(e.attributes['rpc.grpc.status_code'])} ` +
    `error=${String(e.failed)} tls=${String(e.tls)}`).sort();

  for (const mode of ['tls', 'h2c'] as const) {
    it(`grpc-js over ${mode}: unary, server-streaming and NOT_FOUND on both sides, with rpc metrics`, async (t) => {
      if (!requireKernel(t) || capture === null || cert === null) return;
      const cap = capture;
      let server: ChildServer | null = null;
      try {
        server = await startChildServer(process.execPath, mode === 'tls' ? [SERVER, 'tls', cert.cert, cert.key] : [SERVER, 'h2c']);
        const serverPid = server.pid;
        if (mode === 'tls') {
          await waitFor('TLS probes on node', () => (cap.pipeline.tls?.attached().some((a) => a.pids.includes(serverPid)) ? true : undefined), 10_000);
        }
        const client = await runAsync(process.execPath, mode === 'tls' ? [CLIENT, 'tls', String(server.port), cert.cert] : [CLIENT, 'h2c', String(server.port)]);
        assert.deepEqual(JSON.parse(client.stdout), { unary: [{ code: 0, reply: 'hello world' }, { code: 0, reply: 'hello again' }, { code: 5 }], streamed: 3 });
        const port = server.port;
        const mine = (): { server: L7Exchange[]; client: L7Exchange[] } => ({
          server: cap.serverSide(port).filter((e) => e.pid === serverPid),
          client: cap.clientSide(port).filter((e) => e.pid === client.pid),
        });
        await cap.atLeast('4 calls on each side', () => mine().server.length + mine().client.length, 8);
        await cap.settle(port);
        const tls = mode === 'tls';
        const want = [
          `helloworld.Greeter/SayHello status=0 error=false tls=${tls}`,
          `helloworld.Greeter/SayHello status=0 error=false tls=${tls}`,
          `helloworld.Greeter/SayHello status=5 error=true tls=${tls}`,
          `helloworld.Greeter/StreamHellos status=0 error=false tls=${tls}`,
        ];
        const got = mine();
        assert.deepEqual(calls(got.client), want, `client; ${cap.lossReport()}`);
        assert.deepEqual(calls(got.server), want, `server; ${cap.lossReport()}`);
        for (const e of [...got.client, ...got.server]) {
          assert.equal(e.protocol, 'grpc');
          assert.equal(e.attributes['rpc.system'], 'grpc');
          assert.equal(e.problem, null);
        }
        const stream = got.server.find((e) => e.attributes['rpc.method'] === 'StreamHellos');
        assert.equal(stream?.attributes['rpc.response.messages'], 3);
        assert.equal(stream?.operation, 'StreamHellos');
        assert.equal(stream?.resource, '/helloworld.Greeter/StreamHellos');

        // The same exchanges through telemetry: rpc metrics on both sides, records of protocol grpc.
        const registry = new MetricRegistry();
        const telemetry = new L7Telemetry(registry, { isLocalAddress: () => true });
        for (const e of [...got.server, ...got.client]) telemetry.record(e);
        const text = serializePrometheus(registry.collect());
        for (const side of ['server', 'client']) {
          const ok = new RegExp(`^rpc_${side}_call_duration_seconds_count\\{rpc_system="grpc",rpc_service="helloworld.Greeter",rpc_method="SayHello",rpc_grpc_status_code="0",service_name="[^"]+"\\} 2$`, 'm');
          const notFound = new RegExp(`^rpc_${side}_call_duration_seconds_count\\{rpc_system="grpc",rpc_service="helloworld.Greeter",rpc_method="SayHello",rpc_grpc_status_code="5",service_name="[^"]+"\\} 1$`, 'm');
          assert.match(text, ok);
          assert.match(text, notFound);
        }
        const records = telemetry.recent.query({ limit: 100 });
        assert.equal(records.length, 8);
        assert.ok(records.every((r) => r.protocol === 'grpc' && r.tls === tls));
      } finally {
        await server?.stop();
      }
    });
  }

  it('nginx h2c with prior knowledge (curl --http2-prior-knowledge): HTTP/2 records and HTTP metrics with version 2', async (t) => {
    if (!requireKernel(t) || capture === null) return;
    const cap = capture;
    const nginx = await startNginx('h2c body\n', { h2c: true });
    try {
      const paths = ['/x', '/missing', '/y'];
      // One curl per request: curl 7.88 fails reusing an h2c prior-knowledge connection to nginx 1.22 (exit 16, agent or not).
      const curls = paths.map((p) => run('curl', ['-s', '--http2-prior-knowledge', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${nginx.port}${p}`]));
      assert.deepEqual(curls.map((c) => c.stdout), ['200', '404', '200']);
      const pids = new Set(curls.map((c) => c.pid));
      const port = nginx.port;
      const mine = (): L7Exchange[] => [...cap.serverSide(port), ...cap.clientSide(port).filter((e) => pids.has(e.pid))];
      await cap.atLeast('h2c records on both sides', () => mine().length, 6);
      await cap.settle(port);
      const list = mine();
      const summary = list.map((e) => `${e.side} ${e.protocol} ${e.method} ${e.target} ${e.status} ${e.httpVersion} tls=${String(e.tls)}`).sort();
      assert.deepEqual(summary, [
        'client http2 GET /missing 404 2 tls=false', 'client http2 GET /x 200 2 tls=false', 'client http2 GET /y 200 2 tls=false',
        'server http2 GET /missing 404 2 tls=false', 'server http2 GET /x 200 2 tls=false', 'server http2 GET /y 200 2 tls=false',
      ]);
      const registry = new MetricRegistry();
      const telemetry = new L7Telemetry(registry, { isLocalAddress: () => true });
      for (const e of list) telemetry.record(e);
      const text = serializePrometheus(registry.collect());
      assert.match(text, /^http_server_request_duration_seconds_count\{service_name="nginx",http_request_method="GET",http_response_status_code="404",http_route="\/missing",network_protocol_version="2"\} 1$/m);
      const rec = telemetry.recent.query({ limit: 10 }).find((r) => r.side === 'server' && r.status === 200);
      assert.equal(rec?.protocol, 'http2');
      assert.equal(rec?.attributes['network.protocol.version'], '2');
      assert.equal(rec?.tls, false);
    } finally {
      await nginx.stop();
    }
  });
});
