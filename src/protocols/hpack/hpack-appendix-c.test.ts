// Every example of RFC 7541 Appendix C, decoded block after block on one decoder, with the
// dynamic table checked after each block as the RFC lists it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder } from './decoder.js';
import { readInteger } from './integer.js';
import { hex } from './testkit.js';

type Pair = [string, string];

interface Step {
  name: string;
  wire: string;
  headers: Pair[];
  /** Dynamic table after the block, newest first: [name, value, size]. */
  table: [string, string, number][];
  tableSize: number;
}

const DATE_21 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const DATE_22 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';

const REQUEST_HEADERS: Pair[][] = [
  [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']],
  [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache']],
  [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']],
];
const REQUEST_TABLES: [string, string, number][][] = [
  [[':authority', 'www.example.com', 57]],
  [['cache-control', 'no-cache', 53], [':authority', 'www.example.com', 57]],
  [['custom-key', 'custom-value', 54], ['cache-control', 'no-cache', 53], [':authority', 'www.example.com', 57]],
];
const REQUEST_SIZES = [57, 110, 164];

const RESPONSE_HEADERS: Pair[][] = [
  [[':status', '302'], ['cache-control', 'private'], ['date', DATE_21], ['location', 'https://www.example.com']],
  [[':status', '307'], ['cache-control', 'private'], ['date', DATE_21], ['location', 'https://www.example.com']],
  [[':status', '200'], ['cache-control', 'private'], ['date', DATE_22], ['location', 'https://www.example.com'],
    ['content-encoding', 'gzip'], ['set-cookie', COOKIE]],
];
const RESPONSE_TABLES: [string, string, number][][] = [
  [['location', 'https://www.example.com', 63], ['date', DATE_21, 65], ['cache-control', 'private', 52], [':status', '302', 42]],
  [[':status', '307', 42], ['location', 'https://www.example.com', 63], ['date', DATE_21, 65], ['cache-control', 'private', 52]],
  [['set-cookie', COOKIE, 98], ['content-encoding', 'gzip', 52], ['date', DATE_22, 65]],
];
const RESPONSE_SIZES = [222, 222, 215];

function sequence(prefix: string, wires: string[], headers: Pair[][], tables: [string, string, number][][], sizes: number[]): Step[] {
  return wires.map((wire, i) => ({
    name: `${prefix}.${i + 1}`, wire, headers: headers[i]!, table: tables[i]!, tableSize: sizes[i]!,
  }));
}

const SEQUENCES: { name: string; settingsLimit: number; steps: Step[] }[] = [
  {
    name: 'C.3 requests without Huffman',
    settingsLimit: 4096,
    steps: sequence('C.3', [
      '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '8286 84be 5808 6e6f 2d63 6163 6865',
      '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
    ], REQUEST_HEADERS, REQUEST_TABLES, REQUEST_SIZES),
  },
  {
    name: 'C.4 requests with Huffman',
    settingsLimit: 4096,
    steps: sequence('C.4', [
      '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
      '8286 84be 5886 a8eb 1064 9cbf',
      '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
    ], REQUEST_HEADERS, REQUEST_TABLES, REQUEST_SIZES),
  },
  {
    name: 'C.5 responses without Huffman (table size 256, evictions)',
    settingsLimit: 256,
    steps: sequence('C.5', [
      '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '4803 3330 37c1 c0bf',
      '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31',
    ], RESPONSE_HEADERS, RESPONSE_TABLES, RESPONSE_SIZES),
  },
  {
    name: 'C.6 responses with Huffman (table size 256, evictions)',
    settingsLimit: 256,
    steps: sequence('C.6', [
      '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3',
      '4883 640e ffc1 c0bf',
      '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
    ], RESPONSE_HEADERS, RESPONSE_TABLES, RESPONSE_SIZES),
  },
];

function pairs(d: HpackDecoder, wire: string): Pair[] {
  const out = d.decode(hex(wire));
  assert.equal(out.problem, null);
  return out.fields.map((f) => {
    assert.equal(f.unknown, false);
    return [f.name!, f.value!];
  });
}

describe('HPACK RFC 7541 Appendix C', () => {
  it('C.1 integer representation', () => {
    const cases = [
      { name: 'C.1.1 10 on a 5-bit prefix', wire: [0xea], prefix: 5, want: 10 },
      { name: 'C.1.2 1337 on a 5-bit prefix', wire: [0x1f, 0x9a, 0x0a], prefix: 5, want: 1337 },
      { name: 'C.1.3 42 at an octet boundary', wire: [0x2a], prefix: 8, want: 42 },
    ];
    for (const c of cases) {
      const cursor = { pos: 0 };
      assert.equal(readInteger(Uint8Array.from(c.wire), cursor, c.wire.length, c.prefix), c.want, c.name);
      assert.equal(cursor.pos, c.wire.length, c.name);
    }
  });

  const single: { name: string; wire: string; want: Pair; table: [string, string, number][] }[] = [
    { name: 'C.2.1 literal with indexing', wire: '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572',
      want: ['custom-key', 'custom-header'], table: [['custom-key', 'custom-header', 55]] },
    { name: 'C.2.2 literal without indexing', wire: '040c 2f73 616d 706c 652f 7061 7468', want: [':path', '/sample/path'], table: [] },
    { name: 'C.2.3 literal never indexed', wire: '1008 7061 7373 776f 7264 0673 6563 7265 74', want: ['password', 'secret'], table: [] },
    { name: 'C.2.4 indexed', wire: '82', want: [':method', 'GET'], table: [] },
  ];
  for (const c of single) {
    it(c.name, () => {
      const d = new HpackDecoder();
      assert.deepEqual(pairs(d, c.wire), [c.want]);
      assert.deepEqual(d.entries().map((e) => [e.name, e.value, e.size]), c.table);
      assert.equal(d.tableSize, c.table.reduce((n, e) => n + e[2], 0));
    });
  }

  for (const seq of SEQUENCES) {
    it(seq.name, () => {
      const d = new HpackDecoder({ settingsLimit: seq.settingsLimit });
      for (const step of seq.steps) {
        assert.deepEqual(pairs(d, step.wire), step.headers, step.name);
        assert.deepEqual(d.entries().map((e) => [e.name, e.value, e.size]), step.table, `${step.name} table`);
        assert.equal(d.tableSize, step.tableSize, `${step.name} table size`);
      }
    });
  }

  it('C.5 with set-cookie withheld: value never materialised, table sizes unchanged', () => {
    const d = new HpackDecoder({ settingsLimit: 256, redactValuesOf: new Set(['set-cookie']) });
    for (const step of SEQUENCES[2]!.steps) {
      const out = d.decode(hex(step.wire));
      assert.equal(out.problem, null);
      const cookie = out.fields.find((f) => f.name === 'set-cookie');
      if (cookie !== undefined) assert.deepEqual(cookie, { name: 'set-cookie', value: null, unknown: false });
      assert.equal(d.tableSize, step.tableSize, step.name);
    }
    assert.deepEqual(d.entries()[0], { name: 'set-cookie', value: null, size: 98, unknown: false });
  });

  it('a credential name in upper case (invalid in HTTP/2) is withheld too', () => {
    const d = new HpackDecoder({ redactValuesOf: new Set(['cookie']) });
    const out = d.decode(hex('40 06 436f6f6b6965 03 616263'));
    assert.deepEqual(out.fields, [{ name: 'Cookie', value: null, unknown: false }]);
  });
});
