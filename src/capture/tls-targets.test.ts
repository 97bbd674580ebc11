import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TlsTargets, tlsLibraryByExports, tlsLibraryByName, type TlsBinary } from './tls-targets.js';

const libssl: TlsBinary = { key: 'fe:00:1', kind: 'openssl', path: '/usr/lib/libssl.so.3' };
const node: TlsBinary = { key: 'fe:00:2', kind: 'openssl', path: '/proc/10/root/usr/bin/node' };
const gnutls: TlsBinary = { key: 'fe:00:3', kind: 'gnutls', path: '/usr/lib/libgnutls.so.30' };
const ops = (actions: { op: string; binary?: TlsBinary; key?: string }[]): string[] => actions.map((a) => `${a.op} ${a.binary?.key ?? a.key}`);

describe('tlsLibraryByName', () => {
  const cases: { name: string; path: string; want: string | null }[] = [
    { name: 'OpenSSL 3', path: '/usr/lib/x86_64-linux-gnu/libssl.so.3', want: 'openssl' },
    { name: 'OpenSSL 1.1', path: '/lib/libssl.so.1.1', want: 'openssl' },
    { name: 'vendored copy with a hash (Python wheels)', path: '/venv/lib/libssl-8d7a0b12.so.3', want: 'openssl' },
    { name: 'GnuTLS', path: '/usr/lib/x86_64-linux-gnu/libgnutls.so.30', want: 'gnutls' },
    { name: "NSS's libssl3.so is not OpenSSL", path: '/usr/lib/libssl3.so', want: null },
    { name: 'libcrypto', path: '/usr/lib/libcrypto.so.3', want: null },
    { name: 'GnuTLS helpers', path: '/usr/lib/libgnutls-dane.so.0', want: null },
  ];
  for (const c of cases) it(c.name, () => assert.equal(tlsLibraryByName(c.path), c.want));
});

describe('tlsLibraryByExports', () => {
  it('needs both functions of a library', () => {
    assert.equal(tlsLibraryByExports(new Set(['SSL_write', 'SSL_read'])), 'openssl');
    assert.equal(tlsLibraryByExports(new Set(['SSL_write'])), null);
    assert.equal(tlsLibraryByExports(new Set(['gnutls_record_send', 'gnutls_record_recv'])), 'gnutls');
  });
});

describe('TlsTargets', () => {
  it('attaches a binary once for many processes and detaches after the last one', () => {
    const t = new TlsTargets();
    assert.deepEqual(ops(t.sawProcess(10, [node])), ['attach fe:00:2']);
    assert.deepEqual(ops(t.sawProcess(11, [node])), []);
    assert.deepEqual(t.usersOf(node.key).sort(), [10, 11]);
    assert.deepEqual(ops(t.processGone(10)), []);
    assert.deepEqual(ops(t.processGone(11)), ['detach fe:00:2']);
    assert.equal(t.size, 0);
    assert.deepEqual(t.trackedPids(), []);
  });

  it('pinned binaries stay attached when their users go', () => {
    const t = new TlsTargets();
    assert.deepEqual(ops(t.pin(libssl)), ['attach fe:00:1']);
    assert.deepEqual(ops(t.sawProcess(5, [libssl])), []);
    assert.deepEqual(ops(t.processGone(5)), []);
    assert.equal(t.has(libssl.key), true);
    assert.deepEqual(ops(t.pin(libssl)), []);
  });

  it('pinning a binary already attached for a process keeps it after that process', () => {
    const t = new TlsTargets();
    t.sawProcess(5, [gnutls]);
    assert.deepEqual(ops(t.pin(gnutls)), []);
    assert.deepEqual(ops(t.processGone(5)), []);
    assert.equal(t.has(gnutls.key), true);
  });

  it('a rescan replaces what a process maps (exec of another program, a library unloaded)', () => {
    const t = new TlsTargets();
    t.sawProcess(7, [node, gnutls]);
    assert.deepEqual(ops(t.sawProcess(7, [gnutls])), ['detach fe:00:2']);
    assert.deepEqual(ops(t.sawProcess(7, [])), ['detach fe:00:3']);
    assert.deepEqual(t.trackedPids(), []);
  });

  it('the same binary twice in one scan counts once', () => {
    const t = new TlsTargets();
    assert.deepEqual(ops(t.sawProcess(7, [node, { ...node, path: '/other/path/node' }])), ['attach fe:00:2']);
    assert.deepEqual(ops(t.processGone(7)), ['detach fe:00:2']);
  });

  it('refuses binaries past the cap and counts them', () => {
    const t = new TlsTargets(1);
    t.sawProcess(1, [node]);
    assert.deepEqual(ops(t.sawProcess(2, [gnutls])), []);
    assert.equal(t.stats.refused, 1);
    assert.equal(t.has(gnutls.key), false);
  });

  it('a failed attach is forgotten and never retried', () => {
    const t = new TlsTargets();
    t.sawProcess(1, [node]);
    t.attachFailed(node.key);
    assert.equal(t.has(node.key), false);
    assert.deepEqual(t.trackedPids(), []);
    assert.deepEqual(ops(t.sawProcess(2, [node])), []);
    assert.equal(t.stats.failed, 1);
    assert.equal(t.stats.attached, 0);
  });

  it('a process gone that kept nothing is a no-op', () => {
    assert.deepEqual(new TlsTargets().processGone(99), []);
  });
});
