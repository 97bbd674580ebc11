import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProcNetTcp } from './proc-net-tcp.js';
import { readProcessInfo } from './process-info.js';
import { buildSocketOwners, endpointKey, fourTupleKey, snapshotSocketOwners } from './socket-owners.js';
import { deriveServiceName } from '../service-name.js';

// Captured on this project's Debian 12 x86_64 host: http.server on 127.0.0.1:18080 and
// [::1]:18081, a client on each, and an AF_INET6 client reaching 127.0.0.1:18080 as
// ::ffff:127.0.0.1 (see proc-net-tcp.test.ts for the same bytes decoded field by field).
const TCP = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     ',
  '   0: 0100007F:46A0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7010 1 00000000a110d6fa 100 0 0 10 0                      ',
  '   1: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1070 1 000000005114bbb8 100 0 0 10 0                      ',
  '   2: 0100007F:46A0 0100007F:D388 01 00000000:00000000 00:00000000 00000000     0        0 7099 1 00000000344547da 20 0 0 10 -1                      ',
  '   3: 0100007F:D388 0100007F:46A0 01 00000000:00000000 00:00000000 00000000     0        0 7098 2 00000000c60e1f15 20 0 0 10 -1                      ',
  '   4: 0100007F:46A0 0100007F:D390 01 00000000:00000000 00:00000000 00000000     0        0 7102 1 0000000038816403 20 0 0 10 -1                      ',
  '   5: 0100007F:E610 0100007F:46AC 06 00000000:00000000 03:00001752 00000000     0        0 0 3 0000000058c01af3                                      ',
  '',
].join('\n');

const TCP6 = [
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 00000000000000000000000001000000:46A1 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7740 1 0000000042c09374 100 0 0 10 0',
  '   1: 00000000000000000000000001000000:ABAC 00000000000000000000000001000000:46A1 01 00000000:00000000 00:00000000 00000000     0        0 7100 2 0000000099f3e828 20 0 0 10 -1',
  '   2: 00000000000000000000000001000000:46A1 00000000000000000000000001000000:ABAC 01 00000000:00000000 00:00000000 00000000     0        0 7755 1 00000000676d5552 20 0 0 10 -1',
  '   3: 0000000000000000FFFF00000100007F:D390 0000000000000000FFFF00000100007F:46A0 01 00000000:00000000 00:00000000 00000000     0        0 7101 2 000000005b520fbc 20 0 0 10 -1',
  '',
].join('\n');

// Who held which inode in the fixture: 410 the v4 server and 405 a forked worker sharing its
// listener, 420 the v6 server, 430 the client of all three connections.
const FDS: Record<string, string[]> = {
  '405': ['socket:[7010]'],
  '410': ['socket:[7010]', 'socket:[7099]', 'socket:[7102]', '/dev/null'],
  '420': ['socket:[7740]', 'socket:[7755]'],
  '430': ['socket:[7098]', 'socket:[7100]', 'socket:[7101]', 'pipe:[5]'],
};

describe('endpointKey and fourTupleKey', () => {
  const cases: { name: string; key: string; expected: string }[] = [
    { name: 'IPv4', key: endpointKey('10.0.0.1', 80), expected: '10.0.0.1:80' },
    { name: 'IPv6 is bracketed', key: endpointKey('fe80::1', 443), expected: '[fe80::1]:443' },
    { name: 'IPv4-mapped is unmapped', key: endpointKey('::ffff:127.0.0.1', 80), expected: '127.0.0.1:80' },
    {
      name: 'four-tuple, local first',
      key: fourTupleKey('127.0.0.1', 54152, '127.0.0.1', 18080),
      expected: '127.0.0.1:54152->127.0.0.1:18080',
    },
    {
      name: 'mapped and plain spellings agree',
      key: fourTupleKey('::ffff:10.0.0.2', 5000, '::ffff:10.0.0.3', 6379),
      expected: fourTupleKey('10.0.0.2', 5000, '10.0.0.3', 6379),
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(c.key, c.expected));
});

describe('buildSocketOwners', () => {
  const sockets = [...parseProcNetTcp(TCP).sockets, ...parseProcNetTcp(TCP6).sockets];
  const inodes = new Map<number, number>();
  for (const [pid, links] of Object.entries(FDS)) {
    for (const link of links) {
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m?.[1] !== undefined && !inodes.has(Number(m[1]))) inodes.set(Number(m[1]), Number(pid));
    }
  }
  const owners = buildSocketOwners(sockets, inodes);
  const listenerCases: { name: string; key: string; pid: number | undefined }[] = [
    { name: 'v4 listener by port, shared with a worker: lowest pid', key: '18080', pid: 405 },
    { name: 'v4 listener by address', key: '127.0.0.1:18080', pid: 405 },
    { name: 'v6 listener by port', key: '18081', pid: 420 },
    { name: 'v6 listener by address', key: '[::1]:18081', pid: 420 },
    { name: 'listener whose owner is unknown is left out', key: '2024', pid: undefined },
  ];
  for (const c of listenerCases) it(c.name, () => assert.equal(owners.listeners.get(c.key), c.pid));

  const connectionCases: { name: string; key: string; pid: number | undefined }[] = [
    { name: 'server side of v4', key: fourTupleKey('127.0.0.1', 18080, '127.0.0.1', 54152), pid: 410 },
    { name: 'client side of v4', key: fourTupleKey('127.0.0.1', 54152, '127.0.0.1', 18080), pid: 430 },
    { name: 'server side of v6', key: fourTupleKey('::1', 18081, '::1', 43948), pid: 420 },
    { name: 'client side of v6', key: fourTupleKey('::1', 43948, '::1', 18081), pid: 430 },
    { name: 'mapped client is found by its IPv4 tuple', key: '127.0.0.1:54160->127.0.0.1:18080', pid: 430 },
    { name: 'server side of the mapped client', key: '127.0.0.1:18080->127.0.0.1:54160', pid: 410 },
    { name: 'TIME_WAIT (inode 0) has no owner', key: '127.0.0.1:58896->127.0.0.1:18092', pid: undefined },
  ];
  for (const c of connectionCases) it(c.name, () => assert.equal(owners.connections.get(c.key)?.pid, c.pid));

  it('has exactly the owned sockets', () => {
    assert.equal(owners.connections.size, 6);
    assert.equal(owners.listeners.size, 4);
  });
});

describe('snapshotSocketOwners on a fixture /proc', () => {
  let root = '';
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'sonde-proc-'));
    await mkdir(join(root, 'net'));
    await writeFile(join(root, 'net', 'tcp'), TCP);
    await writeFile(join(root, 'net', 'tcp6'), `${TCP6}   9: not a row\n`);
    for (const [pid, links] of Object.entries(FDS)) {
      await mkdir(join(root, pid, 'fd'), { recursive: true });
      for (const [fd, target] of links.entries()) await symlink(target, join(root, pid, 'fd', String(fd + 3)));
    }
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('joins the tables with the fd scan', async () => {
    const owners = await snapshotSocketOwners(root);
    assert.equal(owners.listeners.get('18080'), 405);
    assert.equal(owners.listeners.get('[::1]:18081'), 420);
    assert.equal(owners.connections.get('127.0.0.1:54160->127.0.0.1:18080')?.pid, 430);
    assert.equal(owners.connections.size, 6);
    assert.equal(owners.malformed, 1);
  });

  it('treats a missing tcp6 table (IPv6 disabled) as empty', async () => {
    const noV6 = await mkdtemp(join(tmpdir(), 'sonde-proc-'));
    try {
      await mkdir(join(noV6, 'net'));
      await writeFile(join(noV6, 'net', 'tcp'), TCP);
      await mkdir(join(noV6, '410', 'fd'), { recursive: true });
      await symlink('socket:[7010]', join(noV6, '410', 'fd', '3'));
      const owners = await snapshotSocketOwners(noV6);
      assert.deepEqual([...owners.listeners], [
        ['18080', 410],
        ['127.0.0.1:18080', 410],
      ]);
      assert.equal(owners.connections.size, 0);
    } finally {
      await rm(noV6, { recursive: true, force: true });
    }
  });
});

// Needs to read another process's fds: same uid or root. Runs against this machine's /proc.
const PYTHON = '/usr/bin/python3';
const realSkip = !existsSync(PYTHON) && process.env['CI'] !== 'true' ? `${PYTHON} not installed` : false;

describe('against the real /proc', { skip: realSkip }, () => {
  let child: ChildProcess | undefined;
  let client: Socket | undefined;
  let cwd = '';
  let port = 0;

  before(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'sonde-http-'));
    // -u so the "Serving HTTP" line is not stuck in a pipe buffer.
    const proc = spawn(PYTHON, ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1'], {
      cwd,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = proc;
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`http.server exited with ${code}: ${out}`)));
      proc.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /port (\d+)/.exec(out);
        if (m?.[1] !== undefined) resolve(Number(m[1]));
      });
    });
    client = await new Promise<Socket>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
  });

  after(async () => {
    client?.destroy();
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(cwd, { recursive: true, force: true });
  });

  it('finds the listener, the server side and our client side with the right pids', async () => {
    const pid = child?.pid;
    assert.ok(pid !== undefined && client?.localPort !== undefined);
    const clientKey = fourTupleKey('127.0.0.1', client.localPort, '127.0.0.1', port);
    const serverKey = fourTupleKey('127.0.0.1', port, '127.0.0.1', client.localPort);
    // Until the server calls accept() its end has no fd; poll (by count, not by time).
    let owners = await snapshotSocketOwners();
    for (let i = 0; i < 200 && owners.connections.get(serverKey) === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      owners = await snapshotSocketOwners();
    }
    assert.equal(owners.listeners.get(`127.0.0.1:${port}`), pid);
    assert.equal(owners.listeners.get(String(port)), pid);
    assert.equal(owners.connections.get(clientKey)?.pid, process.pid);
    assert.equal(owners.connections.get(serverKey)?.pid, pid);
  });

  it('reads the server identity and names it http.server', () => {
    const pid = child?.pid;
    assert.ok(pid !== undefined);
    const info = readProcessInfo(pid);
    assert.ok(info !== null);
    assert.match(info.exe ?? '', /^\/usr\/bin\/python3\.\d+$/);
    assert.equal(info.comm, 'python3');
    assert.deepEqual(info.cmdline, [PYTHON, '-u', '-m', 'http.server', '0', '--bind', '127.0.0.1']);
    assert.equal(typeof info.startTime, 'number');
    assert.equal(deriveServiceName(info, port, []), 'http.server');
  });

  it('returns null for a pid that does not exist', () => {
    // pid_max is at most 2^22, so this pid can never exist.
    assert.equal(readProcessInfo(2 ** 23), null);
  });
});
