// Decoding with a table whose earlier content was never seen (capture started mid-connection).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder } from './decoder.js';
import { block, hex, indexed, literal, sizeUpdate } from './testkit.js';

describe('HPACK mid-stream (unknown table)', () => {
  it('static references and literals are recovered, unseen dynamic references are unknown', () => {
    const d = new HpackDecoder({ tableKnown: false });
    // RFC C.3.2: the :authority entry (index 62) was inserted by a block we never saw.
    const out = d.decode(hex('8286 84be 5808 6e6f 2d63 6163 6865'));
    assert.equal(out.problem, null);
    assert.deepEqual(out.fields, [
      { name: ':method', value: 'GET', unknown: false },
      { name: ':scheme', value: 'http', unknown: false },
      { name: ':path', value: '/', unknown: false },
      { name: null, value: null, unknown: true },
      { name: 'cache-control', value: 'no-cache', unknown: false },
    ]);
  });

  it('entries inserted after the start are tracked by recency, older ones stay unknown', () => {
    const d = new HpackDecoder({ tableKnown: false });
    d.decode(block(literal(':path', '/a', 'incremental')));
    d.decode(block(literal('x-b', 'b', 'incremental')));
    const out = d.decode(block(indexed(62), indexed(63), indexed(64)));
    assert.deepEqual(out.fields, [
      { name: 'x-b', value: 'b', unknown: false },
      { name: ':path', value: '/a', unknown: false },
      { name: null, value: null, unknown: true },
    ]);
    assert.equal(out.problem, null);
  });

  it('a literal named by an unseen entry: name and value withheld, entry still takes its place', () => {
    const d = new HpackDecoder({ tableKnown: false });
    const out = d.decode(block(literal(70, 'maybe-a-cookie', 'incremental'), literal('x-n', 'n', 'incremental')));
    assert.deepEqual(out.fields[0], { name: null, value: null, unknown: true });
    const again = d.decode(block(indexed(62), indexed(63)));
    assert.deepEqual(again.fields, [
      { name: 'x-n', value: 'n', unknown: false },
      { name: null, value: null, unknown: true },
    ]);
  });

  it('a size update to 0 makes the table fully known again', () => {
    const d = new HpackDecoder({ tableKnown: false });
    d.decode(block(sizeUpdate(0), sizeUpdate(4096)));
    assert.equal(d.tableKnown, true);
    assert.equal(d.decode(block(indexed(62))).problem, 'index-out-of-range');
  });

  it('size updates above the default are accepted (the limit was never seen)', () => {
    const d = new HpackDecoder({ tableKnown: false });
    assert.equal(d.decode(block(sizeUpdate(16384))).problem, null);
  });
});
