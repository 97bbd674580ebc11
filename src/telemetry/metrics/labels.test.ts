import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  OVERFLOW_LABEL_VALUE,
  SeriesTable,
  compareLabelValues,
  labelValues,
  toLabelValue,
  validateLabelNames,
  validateMaxSeries,
} from './labels.js';
import type { LabelInput } from './labels.js';

describe('SeriesTable label-set identity', () => {
  const names = ['a', 'b'];
  function newTable() {
    return new SeriesTable({ labelNames: names, maxSeries: 100, createCell: (labelValues) => ({ labelValues }), onOverflow: () => {} });
  }
  // Pairs of different label sets that a naive joined-string key would confuse.
  const distinct: { name: string; x: LabelInput; y: LabelInput }[] = [
    { name: 'separator-like character moved between values', x: { a: 'p\u0000', b: 'q' }, y: { a: 'p', b: '\u0000q' } },
    { name: 'comma moved between values', x: { a: 'p,', b: 'q' }, y: { a: 'p', b: ',q' } },
    { name: 'swapped values', x: { a: 'x', b: 'y' }, y: { a: 'y', b: 'x' } },
    { name: 'missing label vs set label', x: { a: 'x' }, y: { a: 'x', b: 'z' } },
  ];
  for (const c of distinct) {
    it(`keeps apart: ${c.name}`, () => {
      const t = newTable();
      assert.notEqual(t.lookup(c.x), t.lookup(c.y));
      assert.equal(t.size, 2);
    });
  }

  const same: { name: string; x: LabelInput; y: LabelInput }[] = [
    { name: 'missing label equals ""', x: { a: 'x' }, y: { a: 'x', b: '' } },
    { name: 'undefined and null equal ""', x: { a: undefined, b: null }, y: { a: '', b: '' } },
    { name: 'numbers coerce like strings', x: { a: 200, b: 'y' }, y: { a: '200', b: 'y' } },
    { name: 'extra keys are ignored', x: { a: 'x', b: 'y', c: 'z' }, y: { a: 'x', b: 'y' } },
    { name: 'key order does not matter', x: { b: 'y', a: 'x' }, y: { a: 'x', b: 'y' } },
  ];
  for (const c of same) {
    it(`treats alike: ${c.name}`, () => {
      const t = newTable();
      assert.equal(t.lookup(c.x), t.lookup(c.y));
      assert.equal(t.size, 1);
    });
  }
});

describe('labelValues / toLabelValue', () => {
  it('follows name order and fills missing with ""', () => {
    assert.deepEqual(labelValues(['b', 'a', 'c'], { a: '1', b: '2' }), ['2', '1', '']);
  });
  const cases: { name: string; input: unknown; want: string }[] = [
    { name: 'string', input: 'x', want: 'x' },
    { name: 'undefined', input: undefined, want: '' },
    { name: 'null', input: null, want: '' },
    { name: 'number', input: 404, want: '404' },
    { name: 'boolean', input: true, want: 'true' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(toLabelValue(c.input), c.want));
});

describe('compareLabelValues', () => {
  const cases: { name: string; a: string[]; b: string[]; sign: -1 | 0 | 1 }[] = [
    { name: 'equal', a: ['x', 'y'], b: ['x', 'y'], sign: 0 },
    { name: 'first label decides', a: ['a', 'z'], b: ['b', 'a'], sign: -1 },
    { name: 'second label breaks tie', a: ['a', 'b'], b: ['a', 'a'], sign: 1 },
    { name: 'empty sorts first', a: [''], b: ['a'], sign: -1 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(Math.sign(compareLabelValues(c.a, c.b)), c.sign));
});

describe('validateLabelNames', () => {
  const bad: { name: string; labels: string[]; error: RegExp }[] = [
    { name: 'leading digit', labels: ['1x'], error: /label name "1x" is not a valid/ },
    { name: 'dash', labels: ['service-name'], error: /not a valid Prometheus label name/ },
    { name: 'reserved prefix', labels: ['__name__'], error: /"__" prefix/ },
    { name: 'le', labels: ['le'], error: /reserved for histogram/ },
    { name: 'quantile', labels: ['quantile'], error: /reserved for histogram/ },
    { name: 'camelCase', labels: ['serviceName'], error: /snake_case/ },
    { name: 'prototype property', labels: ['constructor'], error: /Object.prototype/ },
    { name: 'duplicate', labels: ['a', 'a'], error: /listed twice/ },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}`, () => assert.throws(() => validateLabelNames('m', c.labels), c.error));
  }
  it('accepts snake_case and k8s-style names', () => {
    validateLabelNames('m', ['service_name', 'k8s_pod_name', '_private', 'HTTP_method']);
  });
  it('validateMaxSeries accepts Infinity and rejects 0 and fractions', () => {
    validateMaxSeries('m', Number.POSITIVE_INFINITY);
    assert.throws(() => validateMaxSeries('m', 0), /positive integer/);
    assert.throws(() => validateMaxSeries('m', 1.5), /positive integer/);
  });
});

describe('SeriesTable', () => {
  function table(labelNames: string[], maxSeries: number) {
    let overflows = 0;
    const t = new SeriesTable({
      labelNames,
      maxSeries,
      createCell: (labelValues) => ({ labelValues, n: 0 }),
      onOverflow: () => { overflows++; },
    });
    return { t, overflows: () => overflows };
  }

  it('returns the same cell for the same label set', () => {
    const { t } = table(['a'], 10);
    assert.equal(t.lookup({ a: 'x' }), t.lookup({ a: 'x' }));
    assert.equal(t.size, 1);
  });

  it('creates the single series of an unlabeled metric up front', () => {
    const { t } = table([], 10);
    assert.equal(t.size, 1);
    assert.deepEqual(t.peek({})?.labelValues, []);
  });

  it('folds new label sets past the limit into one _other series', () => {
    const { t, overflows } = table(['a', 'b'], 2);
    const first = t.lookup({ a: '1', b: '1' });
    t.lookup({ a: '2', b: '2' });
    const folded = t.lookup({ a: '3', b: '3' });
    assert.deepEqual(folded.labelValues, [OVERFLOW_LABEL_VALUE, OVERFLOW_LABEL_VALUE]);
    assert.equal(t.lookup({ a: '4', b: '4' }), folded);
    assert.equal(t.lookup({ a: '1', b: '1' }), first, 'existing series keep working');
    assert.equal(overflows(), 2);
    assert.equal(t.size, 3);
    assert.equal(t.peek({ a: '3', b: '3' }), undefined);
  });

  it('shares a genuine all-_other series with the overflow series', () => {
    const { t } = table(['a'], 1);
    const genuine = t.lookup({ a: OVERFLOW_LABEL_VALUE });
    assert.equal(t.lookup({ a: 'new' }), genuine);
    assert.equal(t.size, 1);
  });

  it('peek never creates and lookups past the limit do not grow the table', () => {
    const { t } = table(['a', 'b', 'c'], 1);
    assert.equal(t.peek({ a: '1', b: '2', c: '3' }), undefined);
    assert.equal(t.size, 0);
    t.lookup({ a: '1', b: '2', c: '3' });
    for (let i = 0; i < 100; i++) t.lookup({ a: String(i), b: 'x', c: 'y' });
    assert.equal(t.size, 2);
    assert.deepEqual(t.allCells().map((c) => c.labelValues), [['1', '2', '3'], ['_other', '_other', '_other']]);
  });

  it('resolve reports whether the cell is the overflow one', () => {
    const { t } = table(['a'], 1);
    assert.equal(t.resolve({ a: 'x' }).overflowed, false);
    assert.equal(t.resolve({ a: 'x' }).overflowed, false);
    assert.equal(t.resolve({ a: 'y' }).overflowed, true);
  });
});
