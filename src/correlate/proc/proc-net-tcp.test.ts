import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatIpAddress, parseProcNetTcp, unmapIPv4, type ProcSocket } from './proc-net-tcp.js';

// Captured on a Debian 12 x86_64 host (kernel 6.18) with `python3 -m http.server` on
// 127.0.0.1:18080 and [::1]:18081, a client connected to each, and a third client reaching
// 127.0.0.1:18080 through an AF_INET6 socket (::ffff:127.0.0.1). Trailing blanks are the kernel's.
const CAPTURE1_TCP = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     ',
  '   0: 0100007F:46A0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7010 1 00000000a110d6fa 100 0 0 10 0                      ',
  '   1: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1070 1 000000005114bbb8 100 0 0 10 0                      ',
  '   2: 0100007F:46A0 0100007F:D388 01 00000000:00000000 00:00000000 00000000     0        0 7099 1 00000000344547da 20 0 0 10 -1                      ',
  '   3: 0100007F:D388 0100007F:46A0 01 00000000:00000000 00:00000000 00000000     0        0 7098 2 00000000c60e1f15 20 0 0 10 -1                      ',
  '   4: 0100007F:46A0 0100007F:D390 01 00000000:00000000 00:00000000 00000000     0        0 7102 1 0000000038816403 20 0 0 10 -1                      ',
  '',
].join('\n');

const CAPTURE1_TCP6 = [
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 00000000000000000000000001000000:46A1 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7740 1 0000000042c09374 100 0 0 10 0',
  '   1: 00000000000000000000000001000000:ABAC 00000000000000000000000001000000:46A1 01 00000000:00000000 00:00000000 00000000     0        0 7100 2 0000000099f3e828 20 0 0 10 -1',
  '   2: 00000000000000000000000001000000:46A1 00000000000000000000000001000000:ABAC 01 00000000:00000000 00:00000000 00000000     0        0 7755 1 00000000676d5552 20 0 0 10 -1',
  '   3: 0000000000000000FFFF00000100007F:D390 0000000000000000FFFF00000100007F:46A0 01 00000000:00000000 00:00000000 00000000     0        0 7101 2 000000005b520fbc 20 0 0 10 -1',
  '',
].join('\n');

// Same host: listeners on fe80::fc:ff:fe00:1%eth0, fd00::2 and [::] with a connection to the
// first two, and a closed 127.0.0.1 connection to [::]:18092 left in TIME_WAIT (inode 0).
const CAPTURE2_TCP = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     ',
  '   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1070 1 000000005114bbb8 100 0 0 10 0                      ',
  '   1: 0100007F:E610 0100007F:46AC 06 00000000:00000000 03:00001752 00000000     0        0 0 3 0000000058c01af3                                      ',
  '',
].join('\n');

const CAPTURE2_TCP6 = [
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 000080FE00000000FF00FC00010000FE:46AA 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9000 1 000000005b520fbc 100 0 0 10 0',
  '   1: 000000FD000000000000000002000000:46AB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9001 1 00000000ac57df49 100 0 0 10 0',
  '   2: 00000000000000000000000000000000:46AC 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9002 1 000000006618058c 100 0 0 10 0',
  '   3: 000080FE00000000FF00FC00010000FE:46AA 000080FE00000000FF00FC00010000FE:9482 01 00000000:00000000 00:00000000 00000000     0        0 9005 1 00000000e157114b 20 0 0 10 -1',
  '   4: 000000FD000000000000000002000000:BA88 000000FD000000000000000002000000:46AB 01 00000000:00000000 00:00000000 00000000     0        0 9006 2 00000000068e8eff 20 0 0 10 -1',
  '',
].join('\n');

function sock(
  family: 4 | 6,
  local: string,
  localPort: number,
  remote: string,
  remotePort: number,
  state: ProcSocket['state'],
  inode: number,
): ProcSocket {
  return { localAddr: local, localPort, remoteAddr: remote, remotePort, state, inode, family };
}

describe('parseProcNetTcp on captured bytes (little-endian host)', () => {
  const cases: { name: string; text: string; sockets: ProcSocket[] }[] = [
    {
      name: 'tcp: loopback listener, wildcard listener, both ends of a connection',
      text: CAPTURE1_TCP,
      sockets: [
        sock(4, '127.0.0.1', 18080, '0.0.0.0', 0, 'LISTEN', 7010),
        sock(4, '0.0.0.0', 2024, '0.0.0.0', 0, 'LISTEN', 1070),
        sock(4, '127.0.0.1', 18080, '127.0.0.1', 54152, 'ESTABLISHED', 7099),
        sock(4, '127.0.0.1', 54152, '127.0.0.1', 18080, 'ESTABLISHED', 7098),
        sock(4, '127.0.0.1', 18080, '127.0.0.1', 54160, 'ESTABLISHED', 7102),
      ],
    },
    {
      name: 'tcp6: ::1 listener and connection, IPv4-mapped client',
      text: CAPTURE1_TCP6,
      sockets: [
        sock(6, '::1', 18081, '::', 0, 'LISTEN', 7740),
        sock(6, '::1', 43948, '::1', 18081, 'ESTABLISHED', 7100),
        sock(6, '::1', 18081, '::1', 43948, 'ESTABLISHED', 7755),
        sock(6, '::ffff:127.0.0.1', 54160, '::ffff:127.0.0.1', 18080, 'ESTABLISHED', 7101),
      ],
    },
    {
      name: 'tcp: TIME_WAIT row is shorter and has inode 0',
      text: CAPTURE2_TCP,
      sockets: [
        sock(4, '0.0.0.0', 2024, '0.0.0.0', 0, 'LISTEN', 1070),
        sock(4, '127.0.0.1', 58896, '127.0.0.1', 18092, 'TIME_WAIT', 0),
      ],
    },
    {
      name: 'tcp6: link-local, ULA and wildcard addresses',
      text: CAPTURE2_TCP6,
      sockets: [
        sock(6, 'fe80::fc:ff:fe00:1', 18090, '::', 0, 'LISTEN', 9000),
        sock(6, 'fd00::2', 18091, '::', 0, 'LISTEN', 9001),
        sock(6, '::', 18092, '::', 0, 'LISTEN', 9002),
        sock(6, 'fe80::fc:ff:fe00:1', 18090, 'fe80::fc:ff:fe00:1', 38018, 'ESTABLISHED', 9005),
        sock(6, 'fd00::2', 47752, 'fd00::2', 18091, 'ESTABLISHED', 9006),
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = parseProcNetTcp(c.text, { littleEndian: true });
      assert.deepEqual(result.sockets, c.sockets);
      assert.equal(result.malformed, 0);
    });
  }
});

describe('parseProcNetTcp ownedOnly', () => {
  it('leaves out rows with inode 0 (TIME_WAIT) and keeps the owned ones', () => {
    const all = parseProcNetTcp(CAPTURE2_TCP, { littleEndian: true });
    const owned = parseProcNetTcp(CAPTURE2_TCP, { littleEndian: true, ownedOnly: true });
    assert.equal(all.sockets.length, 2);
    assert.deepEqual(owned.sockets, all.sockets.filter((s) => s.inode !== 0));
    assert.equal(owned.sockets.length, 1);
    assert.equal(owned.malformed, 0);
  });

  it('keeps an inode that merely starts or ends with 0', () => {
    const row = CAPTURE2_TCP.split('\n')[1]!.replace(' 1070 ', ' 0107 ');
    assert.equal(parseProcNetTcp(row, { littleEndian: true, ownedOnly: true }).sockets[0]?.inode, 107);
    const tail = CAPTURE2_TCP.split('\n')[1]!.replace(' 1070 ', ' 10 ');
    assert.equal(parseProcNetTcp(tail, { littleEndian: true, ownedOnly: true }).sockets[0]?.inode, 10);
  });
});

describe('parseProcNetTcp byte order', () => {
  it('reads words as written on a big-endian host', () => {
    const row = '   0: 7F000001:1F90 C0A80102:D388 01 00000000:00000000 00:00000000 00000000     0        0 42 1 0 20 0 0 10 -1';
    const result = parseProcNetTcp(row, { littleEndian: false });
    assert.deepEqual(result.sockets, [sock(4, '127.0.0.1', 8080, '192.168.1.2', 54152, 'ESTABLISHED', 42)]);
  });
  it('defaults to the host byte order', () => {
    // Every machine this runs on today is little-endian; the option exists for foreign captures.
    const result = parseProcNetTcp(CAPTURE1_TCP);
    assert.equal(result.sockets[0]?.localAddr, '127.0.0.1');
  });
});

describe('parseProcNetTcp tolerates malformed input', () => {
  const good = '   0: 0100007F:46A0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7010 1 00000000a110d6fa 100 0 0 10 0';
  const cases: { name: string; text: string; sockets: number; malformed: number }[] = [
    { name: 'empty text', text: '', sockets: 0, malformed: 0 },
    { name: 'header only', text: CAPTURE1_TCP.split('\n')[0] ?? '', sockets: 0, malformed: 0 },
    { name: 'CRLF line endings', text: `${good}\r\n${good}\r\n`, sockets: 2, malformed: 0 },
    { name: 'truncated row', text: `${good}\n   1: 0100007F:46A0 00000000:0000 0A`, sockets: 1, malformed: 1 },
    { name: 'bad address width', text: good.replace('0100007F:46A0', '0100007:46A0'), sockets: 0, malformed: 1 },
    { name: 'non-hex address', text: good.replace('0100007F', '0100007G'), sockets: 0, malformed: 1 },
    { name: 'missing port colon', text: good.replace('0100007F:46A0', '0100007F46A0'), sockets: 0, malformed: 1 },
    { name: 'unknown state', text: good.replace(' 0A ', ' 7F '), sockets: 0, malformed: 1 },
    { name: 'non-numeric inode', text: good.replace(' 7010 ', ' x7010 '), sockets: 0, malformed: 1 },
    {
      name: 'mixed families in one row',
      text: good.replace('00000000:0000', '00000000000000000000000000000000:0000'),
      sockets: 0,
      malformed: 1,
    },
    { name: 'garbage between good rows', text: `${good}\n\u0000\u00ff garbage\n${good}\n`, sockets: 2, malformed: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = parseProcNetTcp(c.text, { littleEndian: true });
      assert.equal(result.sockets.length, c.sockets);
      assert.equal(result.malformed, c.malformed);
    });
  }
});

describe('formatIpAddress', () => {
  const cases: { name: string; bytes: number[]; text: string }[] = [
    { name: 'IPv4', bytes: [10, 0, 255, 1], text: '10.0.255.1' },
    { name: 'IPv6 unspecified', bytes: Array(16).fill(0), text: '::' },
    { name: 'IPv6 loopback', bytes: [...Array(15).fill(0), 1], text: '::1' },
    { name: 'link-local', bytes: [0xfe, 0x80, ...Array(13).fill(0), 1], text: 'fe80::1' },
    { name: 'trailing zeros', bytes: [0x20, 0x01, 0x0d, 0xb8, ...Array(12).fill(0)], text: '2001:db8::' },
    {
      name: 'longest zero run wins',
      bytes: [0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1],
      text: '2001:0:0:1::1',
    },
    {
      name: 'first of equal zero runs wins',
      bytes: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1],
      text: '2001:db8::1:0:0:1',
    },
    {
      name: 'a single zero group is not compressed',
      bytes: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1],
      text: '2001:db8:0:1:1:1:1:1',
    },
    {
      name: 'IPv4-mapped',
      bytes: [...Array(10).fill(0), 0xff, 0xff, 192, 168, 0, 1],
      text: '::ffff:192.168.0.1',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const text = formatIpAddress(Uint8Array.from(c.bytes));
      assert.equal(text, c.text);
      // Node's own parser must agree it is the same address.
      if (c.bytes.length === 16 && !c.text.includes('.')) {
        assert.equal(new URL(`http://[${text}]/`).hostname, `[${text}]`);
      }
    });
  }
});

describe('unmapIPv4', () => {
  const cases = [
    { name: 'mapped', input: '::ffff:127.0.0.1', output: '127.0.0.1' },
    { name: 'plain IPv4', input: '10.1.2.3', output: '10.1.2.3' },
    { name: 'plain IPv6', input: '::1', output: '::1' },
    { name: 'hex tail is not mapped text', input: '::ffff:7f00:1', output: '::ffff:7f00:1' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(unmapIPv4(c.input), c.output));
});
