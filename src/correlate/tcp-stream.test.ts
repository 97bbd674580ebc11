import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seqDiff, TcpStream } from './tcp-stream.js';

/** Records what a stream delivers as "text" and "[gap N]" pieces. */
function collect(maxPending?: number): { stream: TcpStream; out: string[] } {
  const out: string[] = [];
  const stream = new TcpStream({
    data: (b) => out.push(Buffer.from(b).toString('latin1')),
    gap: (n) => out.push(`[gap ${n}]`),
  }, maxPending);
  return { stream, out };
}

const seg = (s: string): Uint8Array => Buffer.from(s, 'latin1');

describe('TcpStream', () => {
  it('in order: delivered as is', () => {
    const { stream, out } = collect();
    stream.segment(1000, 5, seg('hello'), 1);
    stream.segment(1005, 6, seg(' world'), 2);
    assert.deepEqual(out, ['hello', ' world']);
    assert.equal(stream.next, 1011);
  });

  it('retransmitted segment: delivered once', () => {
    const { stream, out } = collect();
    stream.segment(1000, 5, seg('hello'), 1);
    stream.segment(1000, 5, seg('hello'), 2);
    stream.segment(1005, 1, seg('!'), 3);
    assert.deepEqual(out, ['hello', '!']);
    assert.equal(stream.stats.duplicates, 1);
  });

  it('retransmission that overlaps new data: only the new part', () => {
    const { stream, out } = collect();
    stream.segment(1000, 5, seg('hello'), 1);
    stream.segment(1003, 5, seg('lo wo'), 2);
    assert.deepEqual(out, ['hello', ' wo']);
  });

  it('out of order: waits for the hole, then delivers in order', () => {
    const { stream, out } = collect();
    stream.segment(1000, 2, seg('ab'), 1);
    stream.segment(1004, 2, seg('ef'), 2);
    stream.segment(1002, 2, seg('cd'), 3);
    assert.deepEqual(out, ['ab', 'cd', 'ef']);
    assert.equal(stream.stats.reordered, 1);
  });

  it('truncated capture: the uncaptured rest is a gap of exact size', () => {
    const { stream, out } = collect();
    stream.segment(1000, 10, seg('GET'), 1);
    stream.segment(1010, 2, seg('xy'), 2);
    assert.deepEqual(out, ['GET', '[gap 7]', 'xy']);
  });

  it('a hole that never fills becomes a gap once too much waits behind it', () => {
    const { stream, out } = collect(2);
    stream.segment(1000, 1, seg('a'), 1);
    stream.segment(1010, 1, seg('k'), 2);
    stream.segment(1011, 1, seg('l'), 3);
    assert.deepEqual(out, ['a']);
    stream.segment(1012, 1, seg('m'), 4);
    assert.deepEqual(out, ['a', '[gap 9]', 'k', 'l', 'm']);
    assert.equal(stream.stats.holes, 1);
  });

  it('flush at close reports the hole and delivers the rest', () => {
    const { stream, out } = collect();
    stream.segment(1000, 1, seg('a'), 1);
    stream.segment(1005, 1, seg('f'), 2);
    stream.flush();
    assert.deepEqual(out, ['a', '[gap 4]', 'f']);
  });

  it('sequence numbers wrap around 2^32', () => {
    const { stream, out } = collect();
    stream.segment(0xfffffffe, 4, seg('wrap'), 1);
    stream.segment(2, 2, seg('ed'), 2);
    stream.segment(0xffffffff, 2, seg('ra'), 3);
    assert.deepEqual(out, ['wrap', 'ed']);
    assert.equal(stream.next, 4);
  });

  it('seqDiff is signed in 32-bit space', () => {
    assert.equal(seqDiff(5, 0xfffffffb), 10);
    assert.equal(seqDiff(0xfffffffb, 5), -10);
  });

  it('empty segments are ignored', () => {
    const { stream, out } = collect();
    stream.segment(1000, 0, seg(''), 1);
    assert.equal(stream.next, null);
    assert.deepEqual(out, []);
  });
});
