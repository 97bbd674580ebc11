import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ExpiringMap } from './expiring-map.js';

describe('ExpiringMap', () => {
  it('entries live for the ttl', () => {
    const m = new ExpiringMap<string>(100, 10);
    m.set(1, 'a', 0);
    assert.equal(m.get(1), 'a');
    m.prune(99);
    assert.equal(m.get(1), 'a');
    m.prune(100);
    assert.equal(m.get(1), undefined);
  });
  it('holds at most capacity entries, dropping the oldest', () => {
    const m = new ExpiringMap<number>(1e9, 3);
    for (let i = 0; i < 5; i++) m.set(i, i, i);
    assert.equal(m.size, 3);
    assert.equal(m.has(0), false);
    assert.equal(m.has(1), false);
    assert.equal(m.get(4), 4);
  });
  it('setting a key again renews it: the old queue slot does not expire it', () => {
    const m = new ExpiringMap<number>(100, 10);
    m.set(7, 1, 0);
    m.set(7, 2, 80);
    m.prune(150);
    assert.equal(m.get(7), 2);
    m.prune(180);
    assert.equal(m.get(7), undefined);
  });
  it('deleted keys stay deleted', () => {
    const m = new ExpiringMap<number>(100, 10);
    m.set(1, 1, 0);
    assert.equal(m.delete(1), true);
    assert.equal(m.has(1), false);
    m.prune(200);
    assert.equal(m.size, 0);
  });
  it('a key set again survives its old slot being reused when the ring wraps', () => {
    const m = new ExpiringMap<number>(1e9, 3);
    const [a, b, c, d] = [11, 12, 13, 14];
    m.set(a, 1, 0);
    m.set(b, 1, 1);
    m.set(a, 2, 2); // a's first slot is now stale
    m.set(c, 1, 3); // wraps: drops a's stale slot, not a
    assert.equal(m.get(a), 2);
    assert.equal(m.get(b), 1);
    assert.equal(m.get(c), 1);
    m.set(d, 1, 4); // drops b, the oldest live setting
    assert.equal(m.has(b), false);
    assert.equal(m.size, 3);
  });
  it('a key deleted then set again keeps its new value', () => {
    const m = new ExpiringMap<string>(100, 2);
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
    assert.throws(() => new ExpiringMap<number>(100, 0), /capacity must be at least 1/);
  });
  it('stays linear under churn (a million sets with a small capacity)', () => {
    const m = new ExpiringMap<number>(5_000, 1000);
    for (let i = 0; i < 1_000_000; i++) m.set(i, i, i / 100);
    assert.equal(m.size, 1000);
    assert.equal(m.get(999_999), 999_999);
  });

  it('grows its ring past the first slots without losing settings or their order', () => {
    const m = new ExpiringMap<number>(1e9, 1000);
    for (let i = 0; i < 700; i++) m.set(1_000_000 + i * 7, i, i);
    assert.equal(m.size, 700);
    for (let i = 0; i < 700; i++) assert.equal(m.get(1_000_000 + i * 7), i);
    for (let i = 700; i < 1300; i++) m.set(1_000_000 + i * 7, i, i); // the oldest 300 go
    assert.equal(m.size, 1000);
    assert.equal(m.has(1_000_000 + 299 * 7), false);
    assert.equal(m.get(1_000_000 + 300 * 7), 300);
  });
  it('keys past 2^32 and past 2^53 are told apart by value', () => {
    const m = new ExpiringMap<string>(1e9, 10);
    m.set(2 ** 32 + 5, 'high', 0);
    m.set(5, 'low', 0);
    m.set(2 ** 60, 'huge', 0);
    assert.deepEqual([m.get(2 ** 32 + 5), m.get(5), m.get(2 ** 60), m.get(2 ** 32)], ['high', 'low', 'huge', undefined]);
  });
});

/** The same contract, spelled naively: a list of settings scanned each time. */
class ModelMap {
  readonly settings: { key: number; value: number; time: number; latest: boolean }[] = [];
  constructor(readonly ttl: number, readonly capacity: number) {}
  #latest(key: number): { value: number } | undefined {
    return this.settings.find((s) => s.key === key && s.latest);
  }
  set(key: number, value: number, now: number): void {
    if (this.settings.length >= this.capacity) this.#drop();
    for (const s of this.settings) if (s.key === key) s.latest = false;
    this.settings.push({ key, value, time: now, latest: true });
    this.prune(now);
  }
  get(key: number): number | undefined {
    return this.#latest(key)?.value;
  }
  delete(key: number): boolean {
    const found = this.settings.some((s) => s.key === key && s.latest);
    for (const s of this.settings) if (s.key === key) s.latest = false;
    return found;
  }
  prune(now: number): void {
    while (this.settings.length > 0 && now - this.settings[0]!.time >= this.ttl) this.#drop();
  }
  get size(): number {
    return this.settings.filter((s) => s.latest).length;
  }
  #drop(): void {
    this.settings.shift();
  }
}

describe('ExpiringMap against a naive model', () => {
  it('agrees on every get, delete and size over random operations', () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let run = 0; run < 300; run++) {
      const capacity = 1 + random(150);
      const ttl = 5 + random(200);
      // Few keys: collisions, renewals and deletes of live keys are common. Some far apart.
      const keySpace = 1 + random(60);
      const keyOf = (): number => (random(4) === 0 ? 2 ** 40 + random(keySpace) : 1000 + random(keySpace) * 3);
      const m = new ExpiringMap<number>(ttl, capacity);
      const model = new ModelMap(ttl, capacity);
      let now = 0;
      for (let op = 0; op < 600; op++) {
        now += random(3);
        const key = keyOf();
        const which = random(10);
        if (which < 5) {
          m.set(key, op, now);
          model.set(key, op, now);
        } else if (which < 7) {
          assert.equal(m.delete(key), model.delete(key), `run ${run} op ${op}: delete(${key})`);
        } else if (which < 8) {
          m.prune(now);
          model.prune(now);
        }
        assert.equal(m.get(key), model.get(key), `run ${run} op ${op}: get(${key})`);
        assert.equal(m.has(key), model.get(key) !== undefined);
        assert.equal(m.size, model.size, `run ${run} op ${op}: size`);
      }
    }
  });
});
