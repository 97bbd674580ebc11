import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listPids, parseSocketLink, readSocketInodes, scanSocketInodes } from './socket-inodes.js';

describe('parseSocketLink', () => {
  const cases: { name: string; target: string; inode: number | null }[] = [
    { name: 'socket', target: 'socket:[7010]', inode: 7010 },
    { name: 'large inode', target: 'socket:[4026532000]', inode: 4026532000 },
    { name: 'pipe', target: 'pipe:[7715]', inode: null },
    { name: 'anon inode', target: 'anon_inode:[eventpoll]', inode: null },
    { name: 'regular file', target: '/var/log/socket:[1]', inode: null },
    { name: 'empty brackets', target: 'socket:[]', inode: null },
  ];
  for (const c of cases) it(c.name, () => assert.equal(parseSocketLink(c.target), c.inode));
});

describe('scanSocketInodes on a fixture /proc', () => {
  let root = '';
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'sonde-proc-'));
    const fds: Record<string, Record<string, string>> = {
      '1': { '0': '/dev/null', '3': 'socket:[100]' },
      // A forked worker shares its parent's listener; the parent (lower pid) must win.
      '200': { '3': 'socket:[200]', '4': 'socket:[100]', '5': 'pipe:[9]' },
      '30': { '7': 'socket:[300]', '8': 'socket:[200]' },
    };
    for (const [pid, links] of Object.entries(fds)) {
      await mkdir(join(root, pid, 'fd'), { recursive: true });
      for (const [fd, target] of Object.entries(links)) await symlink(target, join(root, pid, 'fd', fd));
      // Threads live under task/ and must not be visited on their own.
      await mkdir(join(root, pid, 'task', '9999', 'fd'), { recursive: true });
      await symlink('socket:[999]', join(root, pid, 'task', '9999', 'fd', '3'));
    }
    // A process that exited between readdir(/proc) and readdir(fd): its dir has no fd/.
    await mkdir(join(root, '4000'));
    // Non-process entries.
    await mkdir(join(root, 'sys'));
    await writeFile(join(root, 'uptime'), '1.0 1.0\n');
    await symlink('30', join(root, 'self'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lists only numeric entries, ascending', async () => {
    assert.deepEqual(await listPids(root), [1, 30, 200, 4000]);
  });
  it('reads the socket inodes of one process', async () => {
    assert.deepEqual((await readSocketInodes(200, root)).sort((a, b) => a - b), [100, 200]);
  });
  it('returns nothing for a vanished process', async () => {
    assert.deepEqual(await readSocketInodes(4000, root), []);
    assert.deepEqual(await readSocketInodes(123456, root), []);
  });
  it('maps each inode to the lowest pid and skips threads', async () => {
    const owners = await scanSocketInodes(root);
    assert.deepEqual(
      [...owners].sort((a, b) => a[0] - b[0]),
      [
        [100, 1],
        [200, 30],
        [300, 30],
      ],
    );
  });
  it('returns an empty map for a missing proc root', async () => {
    assert.equal((await scanSocketInodes(join(root, 'nope'))).size, 0);
  });
});
