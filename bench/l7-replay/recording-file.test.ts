import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRecording, serializeRecording } from './recording-file.js';
import type { Recording } from './recording.js';

function sample(): Recording {
  const buffer = new ArrayBuffer(16);
  new Uint8Array(buffer).set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  return {
    batches: [{ ring: 'l7', atNs: 5e9, buffer, index: new Uint32Array([0, 8, 8, 8]), count: 2, drained: true }],
    tallies: [{
      atNs: 6e9,
      entries: [{ key: { cookie: 7, detail: 1, status: 200, epoch: 0, message: 0, operation: 'GET' }, tally: { localAddr: new Uint8Array([127, 0, 0, 1]) } as never }],
    }],
    requests: 10,
    seconds: 1,
    startNs: 4e9,
    endNs: 7e9,
  };
}

describe('recording file', () => {
  it('round-trips batches byte for byte, index and tally bytes included', () => {
    const back = parseRecording(serializeRecording(sample()));
    const b = back.batches[0]!;
    assert.deepEqual([...new Uint8Array(b.buffer)], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    assert.equal(b.buffer.byteLength, 16);
    assert.deepEqual([...b.index], [0, 8, 8, 8]);
    assert.ok(b.index instanceof Uint32Array);
    const entry = back.tallies[0]!.entries[0]!;
    assert.deepEqual([...(entry.tally as unknown as { localAddr: Uint8Array }).localAddr], [127, 0, 0, 1]);
    assert.equal(entry.key.operation, 'GET');
    assert.equal(back.startNs, 4e9);
  });

  for (const [name, text, message] of [
    ['not JSON', '{', /not JSON/],
    ['another format', JSON.stringify({ format: 'x', recording: {} }), /not a sonde-l7-replay\/1 recording/],
    ['missing fields', JSON.stringify({ format: 'sonde-l7-replay/1', recording: { batches: [] } }), /missing/],
    ['an index that does not match its count', serializeRecording({ ...sample(), batches: [{ ...sample().batches[0]!, count: 3 }] }), /batch 0 is malformed/],
    ['an unknown workload', serializeRecording({ ...sample(), workload: 'kafka' as never }), /unknown workload kafka/],
    ['an unknown ring', serializeRecording({ ...sample(), batches: [{ ...sample().batches[0]!, ring: 'tls' as never }] }), /batch 0 is malformed/],
  ] as const) {
    it(`refuses ${name}`, () => {
      assert.throws(() => parseRecording(text, 'rec.json'), message);
    });
  }
});
