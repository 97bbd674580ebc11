import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RawBatch } from '../kernel/ring-buffer.js';
import { RECORDS_PER_CHECK, SlicedBatches } from './sliced-batches.js';

const batchOf = (count: number): RawBatch => ({ buffer: new ArrayBuffer(8), index: new Uint32Array(count * 2), count, drained: true });

/** A clock that advances `msPerRecord` for every record handled, and a hand-run schedule. */
function harness(sliceMs: number, msPerRecord: number) {
  let now = 0;
  const handled: Array<[number, number]> = [];
  const scheduled: Array<() => void> = [];
  const slices: string[] = [];
  const sliced = new SlicedBatches({
    sliceMs,
    now: () => now,
    schedule: (next) => scheduled.push(next),
    runSlice: (work) => {
      slices.push('begin');
      work();
      slices.push('end');
    },
    handle: (batch, from, to) => {
      handled.push([from, to]);
      now += (to - from) * msPerRecord;
    },
  });
  return { sliced, handled, scheduled, slices };
}

describe('SlicedBatches', () => {
  it('a small batch is handled at once, in one slice, and released', () => {
    const h = harness(10, 0.001);
    let released = 0;
    h.sliced.add(batchOf(100), () => released++);
    assert.deepEqual(h.handled, [[0, RECORDS_PER_CHECK], [RECORDS_PER_CHECK, 100]]);
    assert.equal(released, 1);
    assert.deepEqual(h.slices, ['begin', 'end']);
    assert.equal(h.scheduled.length, 0);
    assert.equal(h.sliced.backlog, 0);
  });

  it('a slow batch is cut at the deadline, resumed after the event loop, released only at its end', () => {
    // 64 records take 6.4 ms: two steps pass a 10 ms deadline.
    const h = harness(10, 0.1);
    let released = 0;
    h.sliced.add(batchOf(300), () => released++);
    assert.deepEqual(h.handled, [[0, 64], [64, 128]]);
    assert.equal(released, 0);
    assert.equal(h.sliced.backlog, 1);
    assert.equal(h.scheduled.length, 1);
    while (h.scheduled.length > 0) h.scheduled.shift()!();
    assert.deepEqual(h.handled.at(-1), [256, 300]);
    assert.equal(released, 1);
    assert.equal(h.sliced.backlog, 0);
    assert.equal(h.sliced.slices, 3);
  });

  it('batches arriving while a slice is due wait their turn, in order', () => {
    const h = harness(10, 0.1);
    const order: string[] = [];
    h.sliced.add(batchOf(200), () => order.push('a'));
    h.sliced.add(batchOf(10), () => order.push('b'));
    assert.equal(h.scheduled.length, 1, 'the second batch does not start a slice of its own');
    while (h.scheduled.length > 0) h.scheduled.shift()!();
    assert.deepEqual(order, ['a', 'b']);
  });

  it('flush handles everything pending at once', () => {
    const h = harness(1, 1);
    let released = 0;
    h.sliced.add(batchOf(500), () => released++);
    h.sliced.add(batchOf(5), () => released++);
    h.sliced.flush();
    assert.equal(released, 2);
    assert.equal(h.sliced.backlog, 0);
    assert.equal(h.handled.reduce((n, [from, to]) => n + to - from, 0), 505);
  });

  it('an empty batch is released', () => {
    const h = harness(10, 1);
    let released = 0;
    h.sliced.add(batchOf(0), () => released++);
    assert.equal(released, 1);
  });

  it('a handler that throws loses its records only: the rest are handled and the batch released', () => {
    const h = harness(10, 0.001);
    let released = 0;
    let calls = 0;
    const errors: string[] = [];
    const sliced = new SlicedBatches({
      sliceMs: 10,
      onError: (e) => errors.push((e as Error).message),
      schedule: (next) => h.scheduled.push(next),
      runSlice: (work) => work(),
      handle: (_batch, from, to) => {
        calls++;
        h.handled.push([from, to]);
        if (from === 0) throw new Error('parser bug');
      },
    });
    sliced.add(batchOf(200), () => released++);
    assert.deepEqual(errors, ['parser bug']);
    while (h.scheduled.length > 0) h.scheduled.shift()!();
    assert.deepEqual(h.handled, [[0, 64], [64, 128], [128, 192], [192, 200]]);
    assert.equal(calls, 4);
    assert.equal(released, 1);
  });

  it('rejects a slice length that is not positive', () => {
    assert.throws(() => new SlicedBatches({ sliceMs: 0, runSlice: (w) => w(), handle: () => {} }), /sliceMs must be positive, got 0/);
  });
});
