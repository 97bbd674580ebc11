import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_KEPT_STRING, WireReader } from './reader.js';
import { countRecords } from './records.js';
import { KafkaWriter, concat, recordBatch } from './testkit.js';

const reader = (b: Uint8Array, end = b.length): WireReader => new WireReader(b, 0, end);

describe('WireReader', () => {
  it('reads big-endian integers, signed', () => {
    const r = reader(new KafkaWriter().int8(-2).int16(-300).int32(-70000).build());
    assert.deepEqual([r.int8(), r.int16(), r.int32()], [-2, -300, -70000]);
    assert.equal(r.failed, false);
  });

  it('unsigned varints up to 32 bits; longer is bad', () => {
    assert.equal(reader(Uint8Array.of(0xac, 0x02)).uvarint(), 300);
    assert.equal(reader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f)).uvarint(), 0xffffffff);
    const long = reader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x01));
    long.uvarint();
    assert.equal(long.bad, true);
  });

  it('strings: int16 or compact, null, capped', () => {
    const b = new KafkaWriter().string('abc', false).string(null, false).string('de', true).string(null, true)
      .string('x'.repeat(MAX_KEPT_STRING + 50), false).int8(9).build();
    const r = reader(b);
    assert.deepEqual([r.string(false), r.string(false), r.string(true), r.string(true)], ['abc', null, 'de', null]);
    assert.equal(r.string(false), 'x'.repeat(MAX_KEPT_STRING));
    assert.equal(r.int8(), 9, 'the rest of a long string is skipped');
  });

  it('cut: past the bytes held but within the message; sticky', () => {
    const r = reader(Uint8Array.of(0, 0, 0), 10);
    assert.equal(r.int32(), 0);
    assert.equal(r.cut, true);
    assert.equal(r.bad, false);
    assert.equal(r.int8(), 0, 'no read after a failure');
  });

  it('bad: past the message end, or an impossible count', () => {
    const r = reader(Uint8Array.of(0, 0, 0, 0), 2);
    r.int32();
    assert.equal(r.bad, true);
    const count = reader(new KafkaWriter().int32(1000).int32(0).build());
    count.length(false);
    assert.equal(count.bad, true, 'more elements than bytes left');
    const negative = reader(new KafkaWriter().int32(-2).build());
    negative.length(false);
    assert.equal(negative.bad, true);
  });

  it('skips may pass the bytes held, and resumeAt forgets a cut', () => {
    const r = reader(Uint8Array.of(1, 2), 100);
    r.skip(50);
    assert.equal(r.failed, false);
    r.int8();
    assert.equal(r.cut, true);
    r.resumeAt(60);
    assert.equal(r.failed, false);
    assert.equal(r.position, 60);
    r.skip(41);
    assert.equal(r.bad, true);
  });

  it('tagged fields are skipped', () => {
    const b = new KafkaWriter().tagged([[0, Uint8Array.of(1, 2, 3)], [5, new Uint8Array(200)]]).int16(77).build();
    const r = reader(b);
    r.skipTaggedFields();
    assert.equal(r.int16(), 77);
  });
});

describe('countRecords', () => {
  it('too short: fewer bytes than a batch header counts nothing', () => {
    const set = recordBatch(5).subarray(0, 60);
    const r = reader(set);
    assert.deepEqual(countRecords(r, set.length), { records: 0, partial: false });
    assert.equal(r.position, set.length);
  });

  it('sums the record counts of consecutive batches', () => {
    const set = concat(recordBatch(3), recordBatch(0), recordBatch(7));
    assert.deepEqual(countRecords(reader(set), set.length), { records: 10, partial: false });
  });

  it('a batch header past the bytes held makes the count a lower bound', () => {
    const set = concat(recordBatch(3, { payloadBytes: 500 }), recordBatch(4));
    const r = new WireReader(set.subarray(0, 300), 0, set.length);
    assert.deepEqual(countRecords(r, set.length), { records: 3, partial: true });
    assert.equal(r.failed, false);
    assert.equal(r.position, set.length);
  });

  it('magic 0/1 message sets are not counted', () => {
    const set = recordBatch(2, { magic: 1 });
    assert.deepEqual(countRecords(reader(set), set.length), { records: null, partial: false });
  });
});
