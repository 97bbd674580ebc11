// Kernel test: TLS plaintext of Node.js, whose OpenSSL is linked into the node executable and
// driven through memory BIOs (its socket I/O happens outside SSL_read/SSL_write): an https server
// and client, an http2 secure server and client, and a program started after the agent (a copy of
// node, so a binary the agent has never seen) picked up without restarting either.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { L7Exchange } from '../src/correlate/l7-exchange.js';
import { packageRoot } from '../src/kernel/package-root.js';
import { startChildServer, type ChildServer } from './support/child-server.js';
import { run, runAsync } from './support/daemon.js';
import { requireKernel } from './support/kernel.js';
import { startL7Capture, type L7Capture } from './support/l7-capture.js';
import { makeCertificate, type Certificate } from './support/tls.js';
import { waitFor } from './support/wait.js';

const SUPPORT = join(packageRoot(), 'test', 'support');
const SERVER = join(SUPPORT, 'node-tls-server.mjs');
const CLIENT = join(SUPPORT, 'node-tls-client.mjs');
const PATHS = ['/one', '/two?q=1', '/missing', '/one'];
const statusOf = (path: string): number => (path.startsWith('/missing') ? 404 : 200);

describe('TLS capture: Node.js (OpenSSL inside the node executable)', () => {
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

  /** Waits until discovery has probed the binary process `pid` runs. */
  async function probed(cap: L7Capture, pid: number): Promise<void> {
    await waitFor(`TLS probes on the binary of pid ${pid}`, () => (cap.pipeline.tls?.attached().some((a) => a.pids.includes(pid)) ? true : undefined), 10_000);
  }

  const summary = (list: readonly L7Exchange[]): string[] => list.map((e) => `${e.method} ${e.target} ${e.status} tls=${e.tls}`).sort();

  for (const mode of ['https', 'http2'] as const) {
    it(`node ${mode} server and node ${mode} client: one record per request on each side`, async (t) => {
      if (!requireKernel(t) || capture === null || cert === null) return;
      const cap = capture;
      let server: ChildServer | null = null;
      try {
        server = await startChildServer(process.execPath, [SERVER, mode, cert.cert, cert.key]);
        await probed(cap, server.pid);
        const client = await runAsync(process.execPath, [CLIENT, mode, String(server.port), ...PATHS]);
        assert.deepEqual(JSON.parse(client.stdout), PATHS.map(statusOf));
        const port = server.port;
        const mine = (): { server: L7Exchange[]; client: L7Exchange[] } => ({
          server: cap.serverSide(port).filter((e) => e.pid === server?.pid),
          client: cap.clientSide(port).filter((e) => e.pid === client.pid),
        });
        await cap.atLeast(`${mode} records on both sides`, () => mine().server.length + mine().client.length, 2 * PATHS.length);
        await cap.settle(port);
        const protocol = mode === 'https' ? 'http' : 'http2';
        const want = PATHS.map((p) => `GET ${protocol === 'http' ? p : p.replace(/\?.*$/, '')} ${statusOf(p)} tls=true`).sort();
        const got = mine();
        assert.deepEqual(summary(got.client), want, `client; ${cap.lossReport()}`);
        assert.deepEqual(summary(got.server), want, `server; ${cap.lossReport()}`);
        for (const e of [...got.client, ...got.server]) {
          assert.equal(e.protocol, protocol);
          assert.equal(e.comm, 'node');
          assert.equal(e.problem, null);
        }
        assert.equal(got.client[0]?.responseBodyBytes, 'hello /one\n'.length);
        assert.equal(new Set(got.client.map((e) => e.socketCookie)).size, 1, 'one connection');
      } finally {
        await server?.stop();
      }
    });
  }

  it('a program started after the agent is probed when it starts, and released when it exits', async (t) => {
    if (!requireKernel(t) || capture === null || cert === null) return;
    const cap = capture;
    const dir = mkdtempSync(join(tmpdir(), 'sonde-late-'));
    const late = join(dir, 'node-late');
    let server: ChildServer | null = null;
    try {
      // A file the agent has never seen (another inode): only the exec event can make it probed.
      copyFileSync(process.execPath, late);
      const st = statSync(late);
      const ours = (): boolean => cap.pipeline.tls?.attached().some((a) => a.path.endsWith('/node-late')) ?? false;
      assert.equal(ours(), false);
      server = await startChildServer(late, [SERVER, 'https', cert.cert, cert.key]);
      await probed(cap, server.pid);
      assert.ok(ours(), `the copy is probed by its own path (inode ${st.ino})`);
      const curl = run('curl', ['-sk', '--http1.1', '-o', '/dev/null', '-w', '%{http_code}', `https://127.0.0.1:${server.port}/late`]);
      assert.equal(curl.stdout, '200');
      const port = server.port;
      const pid = server.pid;
      await cap.atLeast('the late server\'s record', () => cap.serverSide(port).filter((e) => e.pid === pid).length, 1);
      const rec = cap.serverSide(port).find((e) => e.pid === pid);
      assert.equal(rec?.comm, 'node-late');
      assert.equal(rec?.target, '/late');
      assert.equal(rec?.status, 200);
      assert.equal(rec?.tls, true);
      await server.stop();
      server = null;
      // Its last user gone, the copy's probes are detached (liveness sweep: every 2 s).
      await waitFor('the copy released', () => (ours() ? undefined : true), 10_000);
    } finally {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
