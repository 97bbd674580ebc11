import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatSpread, median, spread, spreadOrNull } from './stats.js';

describe('median', () => {
  const cases: { name: string; values: number[]; median: number }[] = [
    { name: 'one value', values: [7], median: 7 },
    { name: 'odd count, unsorted', values: [3, 1, 2], median: 2 },
    { name: 'even count averages the middle two', values: [4, 1, 3, 2], median: 2.5 },
    { name: 'numeric, not lexicographic, order', values: [10, 9, 100], median: 10 },
    { name: 'duplicates', values: [5, 5, 1, 5], median: 5 },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(median(c.values), c.median));
  }

  it('leaves its input alone', () => {
    const values = [3, 1, 2];
    median(values);
    assert.deepEqual(values, [3, 1, 2]);
  });

  it('refuses no values', () => assert.throws(() => median([]), RangeError));
});

describe('spread', () => {
  it('gives median, min, max and count', () => {
    assert.deepEqual(spread([0.97, 0.94, 0.99, 0.96]), { median: 0.965, min: 0.94, max: 0.99, n: 4 });
  });

  it('is null for no values only through spreadOrNull', () => {
    assert.equal(spreadOrNull([]), null);
    assert.throws(() => spread([]), RangeError);
  });

  it('formats as median (min–max)', () => {
    assert.equal(formatSpread(spread([0.97, 0.94, 0.99])), '0.97 (0.94–0.99)');
    assert.equal(formatSpread(null), 'n/a');
  });
});
