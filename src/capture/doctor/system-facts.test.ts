import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assessPrivileges, parseCapEff, parseCgroup2Mount, parseLibcPath } from './system-facts.js';

const STATUS = (capEff: string) => `Name:\tnode\nUmask:\t0022\nState:\tR (running)\nCapInh:\t0000000000000000\nCapPrm:\t${capEff}\nCapEff:\t${capEff}\nCapBnd:\t000001ffffffffff\n`;

describe('parseCapEff', () => {
  const cases: { name: string; text: string; expected: bigint | null }[] = [
    { name: 'root on this machine', text: STATUS('000001fffeffffff'), expected: 0x1fffeffffffn },
    { name: 'no capabilities', text: STATUS('0000000000000000'), expected: 0n },
    { name: 'uppercase hex', text: STATUS('000000C000001000'), expected: 0xc000001000n },
    { name: 'field missing', text: 'Name:\tnode\nCapPrm:\t0000000000000000\n', expected: null },
    { name: 'malformed value', text: 'CapEff:\tzz\n', expected: null },
    { name: 'empty text', text: '', expected: null },
  ];
  for (const c of cases) it(c.name, () => assert.equal(parseCapEff(c.text), c.expected));
});

describe('assessPrivileges', () => {
  const BPF = 1n << 39n;
  const PERFMON = 1n << 38n;
  const NET_ADMIN = 1n << 12n;
  const SYS_ADMIN = 1n << 21n;
  const cases: { name: string; uid: number | null; capEff: bigint | null; missing: string[]; root: boolean }[] = [
    { name: 'root with full CapEff', uid: 0, capEff: 0x1ffffffffffn, missing: [], root: true },
    { name: 'unprivileged user', uid: 1000, capEff: 0n, missing: ['CAP_BPF', 'CAP_PERFMON', 'CAP_NET_ADMIN'], root: false },
    { name: 'user granted the three caps', uid: 1000, capEff: BPF | PERFMON | NET_ADMIN, missing: [], root: false },
    { name: 'user with only CAP_NET_ADMIN', uid: 1000, capEff: NET_ADMIN, missing: ['CAP_BPF', 'CAP_PERFMON'], root: false },
    { name: 'CAP_SYS_ADMIN covers BPF and PERFMON', uid: 1000, capEff: SYS_ADMIN | NET_ADMIN, missing: [], root: false },
    { name: 'CAP_SYS_ADMIN does not cover NET_ADMIN', uid: 1000, capEff: SYS_ADMIN, missing: ['CAP_NET_ADMIN'], root: false },
    { name: 'root in a container without caps', uid: 0, capEff: 0n, missing: ['CAP_BPF', 'CAP_PERFMON', 'CAP_NET_ADMIN'], root: true },
    { name: 'root, CapEff unreadable', uid: 0, capEff: null, missing: [], root: true },
    { name: 'user, CapEff unreadable', uid: 1000, capEff: null, missing: ['CAP_BPF', 'CAP_PERFMON', 'CAP_NET_ADMIN'], root: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = assessPrivileges(c.uid, c.capEff);
      assert.deepEqual(p.missing, c.missing);
      assert.equal(p.sufficient, c.missing.length === 0);
      assert.equal(p.root, c.root);
      assert.deepEqual(p.capabilities.map((cap) => cap.name), ['CAP_BPF', 'CAP_PERFMON', 'CAP_NET_ADMIN']);
    });
  }
  it('idle parsing needs CAP_SYS_NICE (root has it; unknown CapEff trusts root)', () => {
    assert.equal(assessPrivileges(0, 0x1ffffffffffn).idleParsing, true);
    assert.equal(assessPrivileges(1000, BPF | PERFMON | NET_ADMIN).idleParsing, false);
    assert.equal(assessPrivileges(1000, BPF | PERFMON | NET_ADMIN | (1n << 23n)).idleParsing, true);
    assert.equal(assessPrivileges(0, null).idleParsing, true);
    assert.equal(assessPrivileges(1000, null).idleParsing, false);
  });
  it('keeps CapEff as 16 hex digits', () => {
    assert.equal(assessPrivileges(0, 0x1fffeffffffn).capEff, '000001fffeffffff');
    assert.equal(assessPrivileges(0, null).capEff, null);
  });
});

describe('parseCgroup2Mount', () => {
  const HYBRID = [
    'sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0',
    'tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0',
    'cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0',
    'cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0',
    'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0',
    '',
  ].join('\n');
  const cases: { name: string; text: string; expected: string | null }[] = [
    { name: 'hybrid layout (this machine)', text: HYBRID, expected: '/sys/fs/cgroup/unified' },
    { name: 'unified layout', text: 'proc /proc proc rw 0 0\ncgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0\n', expected: '/sys/fs/cgroup' },
    { name: 'v1 only', text: 'cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n', expected: null },
    { name: 'device named cgroup2 is not the type', text: 'cgroup2 /mnt/x tmpfs rw 0 0\n', expected: null },
    { name: 'escaped blank in path', text: 'none /mnt/my\\040cgroup cgroup2 rw 0 0\n', expected: '/mnt/my cgroup' },
    { name: 'first of several mounts', text: 'cgroup2 /a cgroup2 rw 0 0\ncgroup2 /b cgroup2 rw 0 0\n', expected: '/a' },
    { name: 'empty', text: '', expected: null },
  ];
  for (const c of cases) it(c.name, () => assert.equal(parseCgroup2Mount(c.text), c.expected));
});

describe('parseLibcPath', () => {
  const cases: { name: string; text: string; expected: string | null }[] = [
    {
      name: 'Debian glibc',
      text: '55d0c0a00000-55d0c0a01000 r--p 00000000 fe:00 1 /usr/local/bin/node\n'
        + '7fa0fcfdd000-7fa0fd003000 r--p 00000000 fe:00 339380                     /usr/lib/x86_64-linux-gnu/libc.so.6\n',
      expected: '/usr/lib/x86_64-linux-gnu/libc.so.6',
    },
    { name: 'old versioned glibc', text: '7f00-7f01 r-xp 00000000 08:01 12 /lib64/libc-2.17.so\n', expected: '/lib64/libc-2.17.so' },
    { name: 'libcrypto is not libc', text: '7f00-7f01 r-xp 00000000 08:01 12 /usr/lib/libcrypto.so.3\n', expected: null },
    { name: 'anonymous mappings only', text: '7f00-7f01 rw-p 00000000 00:00 0 \n7f02-7f03 rw-p 00000000 00:00 0 [heap]\n', expected: null },
  ];
  for (const c of cases) it(c.name, () => assert.equal(parseLibcPath(c.text), c.expected));
});
