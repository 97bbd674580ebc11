import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrameType, Flag } from './constants.js';
import type { FrameHeader } from './frame-header.js';
import { FrameReader, Plausibility, type FrameReaderOptions } from './frame-reader.js';
import { indexed, literal } from '../hpack/testkit.js';
import {
  PREFACE, concatBytes, continuation, data, frame, headers, ping, requestBlock, responseBlock, run, settings, windowUpdate,
} from './testkit.js';

interface Seen {
  type: number;
  streamId: number;
  length: number;
  payload: string | null;
  damaged: boolean;
}

/** A reader with a sink that records what it is told. */
function reader(options: FrameReaderOptions, plausible: (h: FrameHeader) => Plausibility = () => Plausibility.Yes) {
  const frames: Seen[] = [];
  const content: (string | number)[] = [];
  const log = { frames, content, stray: 0, syncLost: 0, preface: 0 };
  const r = new FrameReader({
    prefaceSeen: () => { log.preface++; },
    frameStart: () => {},
    dataContent: (_h, chunk, n) => content.push(chunk === null ? n : String.fromCharCode(...chunk)),
    frameEnd: (h, payload, damaged) => frames.push({
      type: h.type, streamId: h.streamId, length: h.length, damaged,
      payload: payload === null ? null : Array.from(payload, (b) => b.toString(16).padStart(2, '0')).join(''),
    }),
    stray: (n) => { log.stray += n; },
    syncLost: () => { log.syncLost++; },
    plausible,
    maxFrameSize: () => 16384,
  }, options);
  return { r, log };
}

const bytesOf = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('HTTP/2 frames', () => {
  it('too short: a header cut anywhere waits for the rest', () => {
    const f = frame(FrameType.PING, 0, 0, new Uint8Array(8));
    for (let cut = 1; cut < f.length; cut++) {
      const { r, log } = reader({ start: 'frames' });
      r.push(f.subarray(0, cut), 1);
      assert.equal(log.frames.length, 0, `cut ${cut}`);
      assert.equal(r.unfinishedBytes, cut);
      r.push(f.subarray(cut), 2);
      assert.equal(log.frames.length, 1, `cut ${cut}`);
    }
  });

  it('preface then frames; every split point gives the same frames', () => {
    const stream = concatBytes(PREFACE, settings([[4, 65535]]), headers(1, requestBlock('GET', '/'), { endStream: true }), ping());
    const whole = reader({ start: 'preface' });
    whole.r.push(stream, 1);
    assert.equal(whole.log.preface, 1);
    assert.equal(whole.log.stray, 24);
    assert.deepEqual(whole.log.frames.map((f) => f.type), [FrameType.SETTINGS, FrameType.HEADERS, FrameType.PING]);
    for (let cut = 1; cut < stream.length; cut++) {
      const split = reader({ start: 'preface' });
      split.r.push(stream.subarray(0, cut), 1);
      split.r.push(stream.subarray(cut), 2);
      assert.deepEqual(split.log.frames, whole.log.frames, `cut ${cut}`);
    }
  });

  it('not a preface: the bytes are scanned for a frame boundary (mid-stream start)', () => {
    const { r, log } = reader({ start: 'preface' });
    r.push(concatBytes(bytesOf('xyz'), windowUpdate(0, 1000), ping()), 1);
    assert.equal(log.preface, 0);
    assert.equal(log.syncLost, 1);
    assert.equal(log.stray, 3);
    assert.deepEqual(log.frames.map((f) => f.type), [FrameType.WINDOW_UPDATE, FrameType.PING]);
  });

  it('CONTINUATION joined: the request decodes from HEADERS + two CONTINUATIONs', () => {
    const block = requestBlock('GET', '/joined', [['user-agent', 'split-agent/1']]);
    const a = block.subarray(0, 5);
    const b = block.subarray(5, 20);
    const c = block.subarray(20);
    const { exchanges } = run([
      { c: concatBytes(PREFACE, settings(), headers(1, a, { endStream: true, endHeaders: false }), continuation(1, b, false), continuation(1, c, true)) },
      { s: concatBytes(settings(), headers(1, responseBlock('200'), { endStream: true })) },
    ]);
    assert.equal(exchanges.length, 1);
    assert.equal(exchanges[0]!.resource, '/joined');
    assert.equal(exchanges[0]!.attributes['user_agent.original'], 'split-agent/1');
    assert.equal(exchanges[0]!.requestBytes, 9 * 3 + block.length);
    assert.equal(exchanges[0]!.problem, null);
  });

  it('CONTINUATION interleaved with another frame: the block is lost, later dynamic references unknown', () => {
    const { exchanges } = run([
      { c: concatBytes(PREFACE, settings(),
        headers(1, concatBytes(indexed(2), literal(4, '/a', 'incremental')), { endStream: true, endHeaders: false }),
        ping(),
        continuation(1, literal(1, 'h', 'without'), true),
        headers(3, concatBytes(indexed(2), indexed(62)), { endStream: true })) },
      { s: concatBytes(settings(), headers(1, responseBlock('200'), { endStream: true }), headers(3, responseBlock('200'), { endStream: true })) },
    ]);
    assert.equal(exchanges.length, 2);
    assert.equal(exchanges[0]!.problem, 'truncated');
    assert.equal(exchanges[1]!.operation, 'GET');
    assert.equal(exchanges[1]!.resource, null, 'index 62 would be /a only if the lost block were trusted');
  });

  it('padding: DATA padding is not content, padded HEADERS with priority decode', () => {
    const { r, log } = reader({ start: 'frames' });
    r.push(data(1, bytesOf('hello'), { padLength: 7 }), 1);
    assert.deepEqual(log.content, ['hello']);
    assert.equal(log.frames[0]!.length, 1 + 5 + 7);
    const { exchanges } = run([
      { c: concatBytes(PREFACE, settings(), headers(1, requestBlock('POST', '/pad'), { padLength: 10, priority: true }),
        data(1, bytesOf('abc'), { padLength: 4, endStream: true })) },
      { s: concatBytes(settings(), headers(1, responseBlock('201'), { padLength: 3 }), data(1, bytesOf('created'), { padLength: 200, endStream: true })) },
    ]);
    assert.equal(exchanges.length, 1);
    assert.equal(exchanges[0]!.resource, '/pad');
    assert.equal(exchanges[0]!.status, '201');
    assert.equal(exchanges[0]!.attributes['http.request.body.size'], 3);
    assert.equal(exchanges[0]!.attributes['http.response.body.size'], 7);
  });

  it('padding longer than the frame: all padding, frame marked damaged', () => {
    const { r, log } = reader({ start: 'frames' });
    r.push(frame(FrameType.DATA, Flag.PADDED, 1, Uint8Array.of(50, 1, 2)), 1);
    assert.deepEqual(log.content, []);
    assert.equal(log.frames[0]!.damaged, true);
  });

  it('unknown frame type skipped, frames after it still read', () => {
    const unknown = frame(0xfa, 0xff, 7, bytesOf('extension payload'));
    const { r, log } = reader({ start: 'frames' });
    r.push(concatBytes(unknown, ping()), 1);
    assert.deepEqual(log.frames.map((f) => [f.type, f.payload]), [[0xfa, null], [FrameType.PING, null]]);
    assert.equal(log.syncLost, 0);
    const res = run([
      { c: concatBytes(PREFACE, settings(), unknown, headers(1, requestBlock('GET', '/after'), { endStream: true })) },
      { s: concatBytes(settings(), frame(0x10, 0, 1, new Uint8Array(4)), headers(1, responseBlock('200'), { endStream: true })) },
    ]);
    assert.equal(res.exchanges[0]!.resource, '/after');
    assert.equal(res.exchanges[0]!.responseBytes, 13 + 9 + responseBlock('200').length, 'an unknown frame on the stream counts for it');
  });

  it('a frame no peer would send (SETTINGS on a stream) means lost sync', () => {
    const { r, log } = reader({ start: 'frames' }, (h) => (h.streamId === 0 ? Plausibility.IfConfirmed : Plausibility.No));
    r.push(concatBytes(frame(FrameType.SETTINGS, 0, 3), ping()), 1);
    assert.equal(log.syncLost, 1);
    assert.deepEqual(log.frames.map((f) => f.type), [FrameType.PING]);
    assert.equal(log.stray, 9);
  });

  it('gap inside DATA content: counted, no resync', () => {
    const { r, log } = reader({ start: 'frames' });
    const f = data(1, new Uint8Array(1000).fill(0x61), { endStream: true });
    r.push(f.subarray(0, 100), 1);
    r.gap(f.length - 100, 2);
    r.push(ping(), 3);
    assert.deepEqual(log.content, ['a'.repeat(91), 909]);
    assert.deepEqual(log.frames.map((x) => [x.type, x.length, x.damaged]), [[FrameType.DATA, 1000, false], [FrameType.PING, 8, false]]);
    assert.equal(log.syncLost, 0);
  });

  it('gap over a frame header: resync on the next plausible header', () => {
    const { r, log } = reader({ start: 'frames' }, (h) => (h.streamId === 1 ? Plausibility.Yes : h.streamId === 0 ? Plausibility.IfConfirmed : Plausibility.No));
    r.push(ping(), 1);
    r.gap(20, 2);
    // Rest of some frame, then a real one.
    r.push(concatBytes(bytesOf('tail of a lost frame'), data(1, bytesOf('x'), { endStream: true }), ping()), 3);
    assert.equal(log.syncLost, 1);
    assert.deepEqual(log.frames.map((f) => f.type), [FrameType.PING, FrameType.DATA, FrameType.PING]);
    assert.equal(log.stray, 20 + 'tail of a lost frame'.length);
  });

  it('gap inside a kept frame: delivered damaged, without payload', () => {
    const { r, log } = reader({ start: 'frames' });
    const h = headers(1, requestBlock('GET', '/x'));
    r.push(h.subarray(0, 12), 1);
    r.gap(h.length - 12, 2);
    assert.deepEqual(log.frames.map((f) => [f.type, f.payload, f.damaged]), [[FrameType.HEADERS, null, true]]);
  });

  it('mid-stream: a candidate starting a segment, its end in the following gap, is taken', () => {
    const weak = (): Plausibility => Plausibility.IfConfirmed;
    const { r, log } = reader({ start: 'unknown' }, weak);
    const f = data(3, new Uint8Array(5000).fill(0x42), { endStream: true });
    r.push(f.subarray(0, 64), 1);
    assert.equal(log.frames.length, 0, 'not confirmed yet');
    r.gap(f.length - 64, 2);
    assert.deepEqual(log.frames.map((x) => [x.type, x.length]), [[FrameType.DATA, 5000]]);
    assert.equal(log.stray, 0);
  });

  it('mid-stream: an unconfirmed candidate inside a segment is not taken at a gap', () => {
    const weak = (): Plausibility => Plausibility.IfConfirmed;
    const { r, log } = reader({ start: 'unknown' }, weak);
    const f = data(3, new Uint8Array(5000).fill(0x42));
    r.push(concatBytes(bytesOf('??'), f.subarray(0, 64)), 1);
    r.gap(f.length - 64, 2);
    assert.equal(log.frames.length, 0);
    assert.equal(log.stray, 2 + 64 + f.length - 64);
  });

  it('no boundary within the budget: the direction is given up, bytes only counted', () => {
    const { r, log } = reader({ start: 'unknown', resyncBudget: 1000 }, () => Plausibility.No);
    r.push(new Uint8Array(5000).fill(0xee), 1);
    r.push(ping(), 2);
    assert.equal(r.unparsable, true);
    assert.equal(log.frames.length, 0);
    assert.equal(log.stray, 5000 + 17);
    assert.ok(r.bufferedBytes < 64);
  });

  it('a frame larger than the kept-payload cap is skipped, not buffered', () => {
    const { r, log } = reader({ start: 'frames', maxKeptPayload: 100 });
    const big = headers(1, new Uint8Array(500));
    r.push(big.subarray(0, 200), 1);
    assert.ok(r.bufferedBytes <= 9);
    r.push(big.subarray(200), 2);
    assert.deepEqual(log.frames.map((f) => [f.type, f.length, f.payload]), [[FrameType.HEADERS, 500, null]]);
  });
});
