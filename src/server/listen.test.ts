import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import { listen } from './listen.js';

describe('listen', () => {
  const servers: Server[] = [];
  const make = (): Server => {
    const s = createServer((_req, res) => res.end('x'));
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  });

  it('resolves with the bound address (port 0 picks a free port)', async () => {
    const a = await listen(make(), { host: '127.0.0.1', port: 0 }, '--listen');
    assert.equal(a.address, '127.0.0.1');
    assert.ok(a.port > 0 && a.port < 65536, `port ${a.port}`);
  });

  it('rejects a busy port with a message naming the address and the flag', async () => {
    const first = await listen(make(), { host: '127.0.0.1', port: 0 }, '--listen');
    const second = make();
    await assert.rejects(listen(second, { host: '127.0.0.1', port: first.port }, '--health-listen'), (err: Error) => {
      assert.ok(err.message.includes(`127.0.0.1:${first.port}`), `names the address: ${err.message}`);
      assert.ok(err.message.includes('--health-listen'), `names the flag: ${err.message}`);
      assert.match(err.message, /already in use/);
      return true;
    });
    assert.equal(second.listening, false, 'the losing server is not listening');
  });

  it('brackets an IPv6 address in the message', async (t) => {
    const hasV6Loopback = Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === '::1'));
    if (!hasV6Loopback) {
      t.skip('no ::1 on this host');
      return;
    }
    const first = await listen(make(), { host: '::1', port: 0 }, '--listen');
    await assert.rejects(listen(make(), { host: '::1', port: first.port }, '--listen'), (err: Error) => {
      assert.ok(err.message.includes(`[::1]:${first.port}`), err.message);
      assert.ok(err.message.includes('--listen'), err.message);
      return true;
    });
  });

  it('rejects an address the host does not have, naming the flag', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a real interface.
    await assert.rejects(listen(make(), { host: '192.0.2.1', port: 0 }, '--listen'), (err: Error) => {
      assert.ok(err.message.includes('192.0.2.1:0'), err.message);
      assert.ok(err.message.includes('--listen'), err.message);
      return true;
    });
  });
});
