import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ExpiringMap } from './expiring-map.js';

describe('ExpiringMap', () => {
  it('entries live for the ttl', () => {
    const m = new ExpiringMap<number, string>(100, 10);
    m.set(1, 'a', 0);
    assert.equal(m.get(1), 'a');
    m.prune(99);
    assert.equal(m.get(1), 'a');
    m.prune(100);
    assert.equal(m.get(1), undefined);
  });
  it('holds at most capacity entries, dropping the oldest', () => {
    const m = new ExpiringMap<number, number>(1e9, 3);
    for (let i = 0; i < 5; i++) m.set(i, i, i);
    assert.equal(m.size, 3);
    assert.equal(m.has(0), false);
    assert.equal(m.has(1), false);
    assert.equal(m.get(4), 4);
  });
  it('setting a key again renews it: the old queue slot does not expire it', () => {
    const m = new ExpiringMap<string, number>(100, 10);
    m.set('k', 1, 0);
    m.set('k', 2, 80);
    m.prune(150);
    assert.equal(m.get('k'), 2);
    m.prune(180);
    assert.equal(m.get('k'), undefined);
  });
  it('deleted keys stay deleted', () => {
    const m = new ExpiringMap<number, number>(100, 10);
    m.set(1, 1, 0);
    assert.equal(m.delete(1), true);
    assert.equal(m.has(1), false);
    m.prune(200);
    assert.equal(m.size, 0);
  });
  it('a key set again survives its old slot being reused when the ring wraps', () => {
    const m = new ExpiringMap<string, number>(1e9, 3);
    m.set('a', 1, 0);
    m.set('b', 1, 1);
    m.set('a', 2, 2); // a's first slot is now stale
    m.set('c', 1, 3); // wraps: drops a's stale slot, not a
    assert.equal(m.get('a'), 2);
    assert.equal(m.get('b'), 1);
    assert.equal(m.get('c'), 1);
    m.set('d', 1, 4); // drops b, the oldest live setting
    assert.equal(m.has('b'), false);
    assert.equal(m.size, 3);
  });
  it('a key deleted then set again keeps its new value', () => {
    const m = new ExpiringMap<number, string>(100, 2);
    m.set(1, 'old', 0);
    m.delete(1);
    m.set(1, 'new', 10);
    m.set(2, 'x', 20); // drops the first (deleted) slot
    assert.equal(m.get(1), 'new');
    m.prune(109);
    assert.equal(m.get(1), 'new');
    m.prune(110);
    assert.equal(m.get(1), undefined);
    assert.equal(m.get(2), 'x');
  });
  it('rejects a capacity below one', () => {
    assert.throws(() => new ExpiringMap<number, number>(100, 0), /capacity must be at least 1/);
  });
  it('stays linear under churn (a million sets with a small capacity)', () => {
    const m = new ExpiringMap<number, number>(5_000, 1000);
    for (let i = 0; i < 1_000_000; i++) m.set(i, i, i / 100);
    assert.equal(m.size, 1000);
    assert.equal(m.get(999_999), 999_999);
  });
});
