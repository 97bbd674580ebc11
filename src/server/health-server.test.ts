import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request, type Server } from 'node:http';
import { createHealthServer } from './health-server.js';
import { listen } from './listen.js';

function call(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path}: no answer within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

describe('health server', () => {
  let server: Server;
  let port: number;
  let state = { ready: false, detail: 'attaching probes' };

  before(async () => {
    server = createHealthServer(() => state);
    port = (await listen(server, { host: '127.0.0.1', port: 0 }, '--health-listen')).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('is not ready (503) until the agent says so, and says why', async () => {
    const reply = await call(port, '/readyz');
    assert.equal(reply.status, 503);
    assert.equal(reply.body, 'not ready: attaching probes\n');
  });

  it('is alive while not ready', async () => {
    const reply = await call(port, '/healthz');
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'ok\n');
  });

  it('turns ready (200) when the callback does, asked on every request', async () => {
    state = { ready: true, detail: 'all probes attached' };
    const reply = await call(port, '/readyz');
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'ready: all probes attached\n');
    state = { ready: false, detail: 'stopping' };
    assert.equal((await call(port, '/readyz')).status, 503, 'and back to 503 when readiness is lost');
  });

  it('ignores the query string', async () => {
    state = { ready: true, detail: 'ok' };
    assert.equal((await call(port, '/readyz?verbose=1')).status, 200);
  });

  it('answers other paths with 404 pointing at the real ones', async () => {
    const reply = await call(port, '/metrics');
    assert.equal(reply.status, 404);
    assert.match(reply.body, /\/healthz/);
    assert.match(reply.body, /\/readyz/);
  });
});
