import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deviceName, fileKey, parseProcMaps } from './proc-maps.js';

const MAPS = `55d0c0a00000-55d0c0a02000 r--p 00000000 fe:00 260131                     /usr/bin/curl
55d0c0a02000-55d0c0a10000 r-xp 00002000 fe:00 260131                     /usr/bin/curl
7f0000000000-7f0000021000 rw-p 00000000 00:00 0
7f1000000000-7f1000020000 r--p 00000000 fe:00 339900                     /usr/lib/x86_64-linux-gnu/libssl.so.3
7f1000020000-7f1000080000 r-xp 00020000 fe:00 339900                     /usr/lib/x86_64-linux-gnu/libssl.so.3
7f2000000000-7f2000001000 r-xp 00000000 00:2b 77                         /opt/my app/lib/libssl.so.1.1
7f3000000000-7f3000001000 r-xp 00000000 fe:00 4242                       /usr/lib/libold.so (deleted)
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
7ffd00100000-7ffd00102000 r-xp 00000000 00:00 0                          [vdso]
garbage line
`;

describe('parseProcMaps', () => {
  it('lists each mapped file once, with spaces in paths, without deleted or pseudo files', () => {
    assert.deepEqual(parseProcMaps(MAPS), [
      { dev: 'fe:00', inode: 260131, path: '/usr/bin/curl' },
      { dev: 'fe:00', inode: 339900, path: '/usr/lib/x86_64-linux-gnu/libssl.so.3' },
      { dev: '00:2b', inode: 77, path: '/opt/my app/lib/libssl.so.1.1' },
    ]);
  });

  it('empty input', () => {
    assert.deepEqual(parseProcMaps(''), []);
  });
});

describe('deviceName', () => {
  const cases: { name: string; dev: number; want: string }[] = [
    { name: 'virtio disk (254:0)', dev: 65024, want: 'fe:00' },
    { name: 'anonymous device (0:43)', dev: 43, want: '00:2b' },
    { name: 'major above 255 (259:1)', dev: (259 << 8) | 1, want: '103:01' },
    { name: 'minor above 255 (8:300)', dev: (8 << 8) | (300 & 0xff) | ((300 & ~0xff) << 12), want: '08:12c' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(deviceName(c.dev), c.want));
  it('fileKey joins device and inode', () => assert.equal(fileKey('fe:00', 12), 'fe:00:12'));
});
