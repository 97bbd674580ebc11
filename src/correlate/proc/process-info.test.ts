import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ProcessInfoCache,
  parseCmdline,
  parseStatStartTime,
  readProcessInfo,
  stripDeleted,
  type ProcessInfo,
} from './process-info.js';

const CONTAINER = '3f1c2b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a';

describe('pure helpers', () => {
  const cmdlines: { name: string; raw: string; argv: string[] }[] = [
    { name: 'NUL-terminated argv', raw: 'python3\0-m\0http.server\0', argv: ['python3', '-m', 'http.server'] },
    { name: 'empty (kernel thread or zombie)', raw: '', argv: [] },
    { name: 'empty argument kept', raw: 'a\0\0b\0', argv: ['a', '', 'b'] },
    { name: 'rewritten title without NULs', raw: 'nginx: worker process', argv: ['nginx: worker process'] },
  ];
  for (const c of cmdlines) it(`parseCmdline: ${c.name}`, () => assert.deepEqual(parseCmdline(c.raw), c.argv));

  const exes = [
    { name: 'plain', raw: '/usr/bin/python3.11', exe: '/usr/bin/python3.11' },
    { name: 'replaced after exec', raw: '/opt/app/server (deleted)', exe: '/opt/app/server' },
  ];
  for (const c of exes) it(`stripDeleted: ${c.name}`, () => assert.equal(stripDeleted(c.raw), c.exe));

  // Real line from this machine, then the same with a hostile comm.
  const stat = '4560 (cat) R 4556 4556 3542 0 -1 4194304 99 0 0 0 0 0 0 0 20 0 1 0 26979 3133440 391 18446744073709551615';
  const stats: { name: string; raw: string; start: number | undefined }[] = [
    { name: 'captured stat', raw: stat, start: 26979 },
    { name: 'comm with spaces and parens', raw: stat.replace('(cat)', '(a) b) (c)'), start: 26979 },
    { name: 'truncated', raw: '4560 (cat) R 4556', start: undefined },
    { name: 'garbage', raw: 'nope', start: undefined },
  ];
  for (const c of stats) it(`parseStatStartTime: ${c.name}`, () => assert.equal(parseStatStartTime(c.raw), c.start));
});

describe('readProcessInfo on a fixture /proc', () => {
  let root = '';
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'sonde-proc-'));
    const write = async (pid: number, files: Record<string, string>, exe?: string): Promise<void> => {
      await mkdir(join(root, String(pid)), { recursive: true });
      for (const [name, text] of Object.entries(files)) await writeFile(join(root, String(pid), name), text);
      if (exe !== undefined) await symlink(exe, join(root, String(pid), 'exe'));
    };
    await write(
      100,
      {
        comm: 'node\n',
        cmdline: 'node\0/app/dist/index.js\0',
        cgroup: `0::/system.slice/docker-${CONTAINER}.scope\n`,
        stat: '100 (node) S 1 100 100 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 11 0 5000 1 1 1',
      },
      '/usr/local/bin/node (deleted)',
    );
    // Kernel thread: no exe link, empty cmdline.
    await write(2, { comm: 'kthreadd\n', cmdline: '', cgroup: '0::/\n', stat: '2 (kthreadd) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0 0' });
    // Exited between readdir and read: directory left, files gone.
    await mkdir(join(root, '300'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const cases: { name: string; pid: number; expected: ProcessInfo | null }[] = [
    {
      name: 'containerised node with a replaced binary',
      pid: 100,
      expected: {
        pid: 100,
        comm: 'node',
        exe: '/usr/local/bin/node',
        cmdline: ['node', '/app/dist/index.js'],
        containerId: CONTAINER,
        systemdUnit: null,
        startTime: 5000,
      },
    },
    {
      name: 'kernel thread',
      pid: 2,
      expected: { pid: 2, comm: 'kthreadd', exe: null, cmdline: [], containerId: null, systemdUnit: null, startTime: 1 },
    },
    { name: 'vanished process', pid: 300, expected: null },
    { name: 'never existed', pid: 4242, expected: null },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(readProcessInfo(c.pid, root), c.expected));

  it('ProcessInfoCache reads on a miss and serves later hits from memory', async () => {
    const cache = new ProcessInfoCache({ procRoot: root });
    assert.equal(cache.get(100)?.exe, '/usr/local/bin/node');
    await writeFile(join(root, '100', 'comm'), 'changed\n');
    assert.equal(cache.get(100)?.comm, 'node');
    await writeFile(join(root, '100', 'comm'), 'node\n');
    assert.equal(cache.get(4242), null);
    assert.equal(cache.size, 1);
  });

  it('remember() keeps a short-lived process that already exited', () => {
    const cache = new ProcessInfoCache({ procRoot: root });
    cache.remember(5000, { exe: '/usr/bin/curl', comm: 'curl' });
    assert.deepEqual(cache.get(5000), {
      pid: 5000,
      comm: 'curl',
      exe: '/usr/bin/curl',
      cmdline: [],
      containerId: null,
      systemdUnit: null,
    });
  });

  it('remember() replaces a stale entry and fills the rest from /proc on the next get', () => {
    const cache = new ProcessInfoCache({ procRoot: root });
    assert.equal(cache.get(2)?.comm, 'kthreadd');
    // pid 100 is cached as something else first, then execs node.
    cache.remember(100, { exe: '/bin/sh', comm: 'sh' });
    cache.remember(100, { exe: '/usr/local/bin/node', comm: 'node' });
    const info = cache.get(100);
    assert.equal(info?.exe, '/usr/local/bin/node');
    assert.deepEqual(info?.cmdline, ['node', '/app/dist/index.js']);
    assert.equal(info?.containerId, CONTAINER);
  });

  it('evicts the least recently used entry past its bound', () => {
    const cache = new ProcessInfoCache({ procRoot: root, maxEntries: 2 });
    cache.remember(1, { exe: '/a', comm: 'a' });
    cache.remember(2, { exe: '/b', comm: 'b' });
    assert.equal(cache.get(1)?.comm, 'a'); // 1 is now the most recent
    cache.remember(3, { exe: '/c', comm: 'c' });
    assert.equal(cache.size, 2);
    // 2 was evicted; a miss falls through to the fixture /proc, where pid 2 is kthreadd.
    assert.equal(cache.get(2)?.comm, 'kthreadd');
    assert.equal(cache.get(1), null, '1 was evicted by re-reading 2 and has no /proc entry');
  });

  it('forget() drops an entry', () => {
    const cache = new ProcessInfoCache({ procRoot: root });
    cache.remember(7000, { exe: '/x', comm: 'x' });
    cache.forget(7000);
    assert.equal(cache.get(7000), null);
  });

  it('defaults to 4096 entries', () => {
    assert.equal(new ProcessInfoCache().maxEntries, 4096);
  });
});
