import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlowCloseKernelEvent } from '../decode/flow-events.js';
import { MonotonicClock } from './clock.js';
import { FlowCorrelator } from './flow-correlator.js';

// An empty proc root: every identity must come from the kernel events themselves.
const emptyProc = (): string => mkdtempSync(join(tmpdir(), 'sonde-proc-'));

function close(extra: Partial<FlowCloseKernelEvent>): FlowCloseKernelEvent {
  return {
    kind: 'flow-close', family: 4, direction: 'outbound', status: 'closed', partial: false, accepted: false,
    resetReceived: false, resetSent: false, pid: 100, tid: 100, comm: 'curl', localAddr: '127.0.0.1', localPort: 40000,
    remoteAddr: '127.0.0.1', remotePort: 80, startNs: 1_000_000_000, endNs: 1_005_000_000, bytesSent: 10, bytesReceived: 20,
    segmentsSent: 1, segmentsReceived: 1, retransmits: 0, srttUs: 30, socketCookie: 1, ...extra,
  };
}

function correlator(): FlowCorrelator {
  return new FlowCorrelator({ rules: [{ name: 'web', port: 8000 }], procRoot: emptyProc(), clock: new MonotonicClock(10_000, 0n) });
}

describe('FlowCorrelator', () => {
  it('connections of one process share one owner object, open and closed; another comm or direction gets its own', () => {
    const c = correlator();
    const open = (cookie: number, pid: number, comm: string, direction: 'inbound' | 'outbound'): void =>
      c.onOpen({ kind: 'open', socketCookie: cookie, pid, comm, direction, tuple: null });
    open(1, 100, 'curl', 'outbound');
    open(2, 100, 'curl', 'outbound');
    open(3, 100, 'curl', 'inbound');
    open(4, 100, 'curl2', 'outbound');
    open(5, 200, 'curl', 'outbound');
    assert.equal(c.ownerOf(1), c.ownerOf(2));
    assert.deepEqual(c.ownerOf(2), { pid: 100, comm: 'curl', direction: 'outbound' });
    assert.notEqual(c.ownerOf(3), c.ownerOf(1));
    assert.equal(c.ownerOf(3)?.direction, 'inbound');
    assert.deepEqual(c.ownerOf(4), { pid: 100, comm: 'curl2', direction: 'outbound' });
    assert.equal(c.ownerOf(5)?.pid, 200);
    c.resolve(close({ socketCookie: 2 }));
    assert.equal(c.ownerOf(2), c.ownerOf(1), 'a closed connection keeps the shared owner');
    assert.deepEqual(c.ownerOf(2), { pid: 100, comm: 'curl', direction: 'outbound' });
  });

  it('names a short-lived process from its exec event (script, not interpreter)', () => {
    const c = correlator();
    c.onExec({ kind: 'exec', pid: 100, ppid: 1, comm: 'python3', filename: '/usr/bin/python3', args: ['python3', '/srv/api.py'] });
    const f = c.resolve(close({ comm: 'python3' }));
    assert.equal(f.exe, '/usr/bin/python3');
    assert.equal(f.serviceName, 'api');
    assert.equal(f.ownerSource, 'connect');
  });

  it('a new exec of the same pid renames it', () => {
    const c = correlator();
    c.onExec({ kind: 'exec', pid: 100, ppid: 1, comm: 'python3', filename: '/usr/bin/python3', args: ['python3', '/srv/api.py'] });
    assert.equal(c.resolve(close({})).serviceName, 'api');
    c.onExec({ kind: 'exec', pid: 100, ppid: 1, comm: 'worker', filename: '/usr/local/bin/worker', args: ['worker'] });
    assert.equal(c.resolve(close({})).serviceName, 'worker');
  });

  it("names the process, not the thread the kernel saw (memcached's worker threads are mc-worker)", () => {
    const c = correlator();
    c.onExec({ kind: 'exec', pid: 100, ppid: 1, comm: 'memcached', filename: '/usr/bin/memcached', args: ['memcached'] });
    const f = c.resolve(close({ direction: 'inbound', accepted: true, comm: 'mc-worker' }));
    assert.equal(f.comm, 'memcached');
    assert.equal(f.serviceName, 'memcached');
  });

  it('keeps the kernel\'s name when the process is not known any more', () => {
    const f = correlator().resolve(close({ pid: 4_000_000, comm: 'gone-thread' }));
    assert.equal(f.comm, 'gone-thread');
  });

  describe('the peer of an inbound flow from a local client', () => {
    // curl (pid 300) connected from 127.0.0.1:41000 to a local server on port 8000.
    const connected = (c: FlowCorrelator, tuple = { localAddr: '127.0.0.1', localPort: 41000, remoteAddr: '127.0.0.1', remotePort: 8000 }): void => {
      c.onExec({ kind: 'exec', pid: 300, ppid: 1, comm: 'curl', filename: '/usr/bin/curl', args: ['curl'] });
      c.onOpen({ kind: 'open', socketCookie: 31, pid: 300, comm: 'curl', direction: 'outbound', tuple });
    };
    const serverEnd = (extra: Partial<FlowCloseKernelEvent> = {}): FlowCloseKernelEvent =>
      close({ direction: 'inbound', accepted: true, pid: 7, comm: 'web', localPort: 8000, remotePort: 41000, socketCookie: 32, ...extra });
    const clientEnd = close({ pid: 300, comm: 'curl', localPort: 41000, remotePort: 8000, socketCookie: 31 });
    const cases: { name: string; run: (c: FlowCorrelator) => string | null; want: string | null }[] = [
      { name: 'client still open: its service', run: (c) => { connected(c); return c.resolve(serverEnd()).peerService; }, want: 'curl' },
      { name: 'client closed first: still its service', run: (c) => { connected(c); c.resolve(clientEnd); return c.resolve(serverEnd()).peerService; }, want: 'curl' },
      { name: 'another client address on the same ports: unknown', run: (c) => { connected(c); return c.resolve(serverEnd({ remoteAddr: '127.0.0.2' })).peerService; }, want: null },
      { name: 'a remote client: unknown', run: (c) => { connected(c); return c.resolve(serverEnd({ remoteAddr: '192.0.2.7' })).peerService; }, want: null },
      { name: 'no connect seen: unknown', run: (c) => c.resolve(serverEnd()).peerService, want: null },
      {
        name: 'an open event without its tuple: unknown',
        run: (c) => { c.onOpen({ kind: 'open', socketCookie: 31, pid: 300, comm: 'curl', direction: 'outbound', tuple: null }); return c.resolve(serverEnd()).peerService; },
        want: null,
      },
    ];
    for (const t of cases) it(t.name, () => assert.equal(t.run(correlator()), t.want));
  });

  it('an inbound flow nobody accepted belongs to the listener', () => {
    const c = correlator();
    c.onListen({ kind: 'listen', family: 4, pid: 7, comm: 'nginx', localAddr: '0.0.0.0', localPort: 80 });
    const f = c.resolve(close({ direction: 'inbound', pid: 0, comm: '', localPort: 80, remotePort: 40000 }));
    assert.equal(f.pid, 7);
    assert.equal(f.comm, 'nginx');
    assert.equal(f.ownerSource, 'listener');
    assert.equal(f.serviceName, 'nginx');
  });

  it('a flow older than the agent is inbound when its local port listens', () => {
    const c = correlator();
    c.onListen({ kind: 'listen', family: 4, pid: 7, comm: 'nginx', localAddr: '0.0.0.0', localPort: 80 });
    const f = c.resolve(close({ direction: 'unknown', partial: true, pid: 0, comm: '', localPort: 80, startNs: 0 }));
    assert.equal(f.direction, 'inbound');
    assert.equal(f.kernel.partial, true);
  });

  it('config rules win, by port', () => {
    const c = correlator();
    const f = c.resolve(close({ direction: 'inbound', accepted: true, localPort: 8000, comm: 'gunicorn' }));
    assert.equal(f.serviceName, 'web');
  });

  it('an outbound flow to a local listener names the peer service', () => {
    const c = correlator();
    c.onListen({ kind: 'listen', family: 4, pid: 7, comm: 'redis-server', localAddr: '127.0.0.1', localPort: 6379 });
    assert.equal(c.resolve(close({ remotePort: 6379 })).peerService, 'redis-server');
    assert.equal(c.resolve(close({ remotePort: 6379, remoteAddr: '192.0.2.1' })).peerService, null, 'not local: no peer service');
  });

  it("the agent's own connections are service sonde", () => {
    const c = correlator();
    assert.equal(c.resolve(close({ pid: process.pid, comm: 'node' })).serviceName, 'sonde');
  });

  it('turns kernel monotonic times into wall-clock start and duration', () => {
    const c = correlator();
    const f = c.resolve(close({ startNs: 2_000_000_000, endNs: 2_250_000_000 }));
    assert.equal(f.startMs, 12_000);
    assert.equal(f.durationMs, 250);
  });
});
