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
  it('stays linear under churn (a million sets with a small capacity)', () => {
    const m = new ExpiringMap<number, number>(5_000, 1000);
    for (let i = 0; i < 1_000_000; i++) m.set(i, i, i / 100);
    assert.equal(m.size, 1000);
    assert.equal(m.get(999_999), 999_999);
  });
});
