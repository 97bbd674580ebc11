import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress, formatIPv4, formatIPv6, ipVersion, AF_INET, AF_INET6 } from './ip-address.js';

function v6(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/[^0-9a-f]/gi, ''), 'hex'));
}

describe('formatIPv6', () => {
  const cases: Array<[string, string, string]> = [
    ['loopback', '0000 0000 0000 0000 0000 0000 0000 0001', '::1'],
    ['unspecified', '0000 0000 0000 0000 0000 0000 0000 0000', '::'],
    ['link local', 'fe80 0000 0000 0000 0000 0000 0000 0001', 'fe80::1'],
    ['no zero run', '2001 0db8 0001 0002 0003 0004 0005 0006', '2001:db8:1:2:3:4:5:6'],
    ['single zero group is not compressed', '2001 0db8 0000 0001 0001 0001 0001 0001', '2001:db8:0:1:1:1:1:1'],
    ['longest run wins', '2001 0000 0000 0001 0000 0000 0000 0001', '2001:0:0:1::1'],
    ['first of equal runs wins', '2001 0db8 0000 0000 0001 0000 0000 0001', '2001:db8::1:0:0:1'],
    ['ipv4-mapped', '0000 0000 0000 0000 0000 ffff 7f00 0001', '::ffff:127.0.0.1'],
    ['trailing run', '2001 0db8 0000 0000 0000 0000 0000 0000', '2001:db8::'],
  ];
  for (const [name, hex, want] of cases) it(name, () => assert.equal(formatIPv6(v6(hex)), want));
});

describe('formatAddress', () => {
  it('reads IPv4 from the first four bytes of the slot', () => {
    const slot = new Uint8Array(16);
    slot.set([10, 1, 2, 3]);
    assert.equal(formatAddress(AF_INET, slot), '10.1.2.3');
    assert.equal(formatIPv4(Uint8Array.of(127, 0, 0, 1)), '127.0.0.1');
  });
  it('uses all sixteen bytes for IPv6', () => {
    assert.equal(formatAddress(AF_INET6, v6('0000 0000 0000 0000 0000 0000 0000 0001')), '::1');
  });
});

describe('ipVersion', () => {
  it('maps the kernel address families and refuses any other', () => {
    assert.deepEqual([ipVersion(AF_INET), ipVersion(AF_INET6), ipVersion(0), ipVersion(1), ipVersion(255)], [4, 6, null, null, null]);
  });
});
