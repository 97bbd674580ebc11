import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedQueue } from './bounded-queue.js';

describe('BoundedQueue', () => {
  it('delivers in order, asynchronously', async () => {
    const seen: number[] = [];
    const q = new BoundedQueue<number>('test', 10, (n) => seen.push(n));
    q.push(1);
    q.push(2);
    assert.deepEqual(seen, []);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen, [1, 2]);
    assert.equal(q.enqueued, 2);
  });

  it('drops and counts past capacity instead of growing', () => {
    const seen: number[] = [];
    const q = new BoundedQueue<number>('test', 2, (n) => seen.push(n));
    assert.equal(q.push(1), true);
    assert.equal(q.push(2), true);
    assert.equal(q.push(3), false);
    assert.equal(q.dropped, 1);
    q.drain();
    assert.deepEqual(seen, [1, 2]);
    assert.equal(q.push(4), true);
  });

  it('a throwing consumer loses one item, not the queue', () => {
    const seen: number[] = [];
    const errors: unknown[] = [];
    const q = new BoundedQueue<number>('test', 5, (n) => { if (n === 2) throw new Error('bad'); seen.push(n); }, (e) => errors.push(e));
    q.push(1); q.push(2); q.push(3);
    q.drain();
    assert.deepEqual(seen, [1, 3]);
    assert.equal(errors.length, 1);
  });
});
