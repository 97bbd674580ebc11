import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidValueError } from './config-error.js';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  const valid: { name: string; input: string; ms: number }[] = [
    { name: 'seconds', input: '30s', ms: 30_000 },
    { name: 'milliseconds', input: '250ms', ms: 250 },
    { name: 'minutes', input: '5m', ms: 300_000 },
    { name: 'hours', input: '2h', ms: 7_200_000 },
    { name: 'hours and minutes', input: '1h30m', ms: 5_400_000 },
    { name: 'every unit', input: '1h2m3s4ms', ms: 3_723_004 },
    { name: 'fractional seconds', input: '1.5s', ms: 1_500 },
    { name: 'fraction without float noise', input: '1.1s', ms: 1_100 },
    { name: 'leading dot', input: '.5s', ms: 500 },
    { name: 'fractional hours', input: '0.5h', ms: 1_800_000 },
    { name: 'zero', input: '0s', ms: 0 },
    { name: 'surrounding whitespace', input: ' 10s\n', ms: 10_000 },
  ];
  for (const c of valid) {
    it(`parses ${c.name} (${JSON.stringify(c.input)})`, () => {
      assert.equal(parseDuration(c.input), c.ms);
    });
  }

  const invalid: { name: string; input: string; message: RegExp }[] = [
    { name: 'empty', input: '', message: /empty string/ },
    { name: 'bare number', input: '10', message: /must have a unit .* got "10"/ },
    { name: 'negative', input: '-1s', message: /must not be negative, got "-1s"/ },
    { name: 'letters', input: 'abc', message: /must be a duration .* got "abc"/ },
    { name: 'unknown unit', input: '1x', message: /got "1x"/ },
    { name: 'upper-case unit', input: '1S', message: /got "1S"/ },
    { name: 'unit out of order', input: '30m1h', message: /largest to smallest/ },
    { name: 'repeated unit', input: '1m30m', message: /at most once/ },
    { name: 'sub-millisecond', input: '1.0005s', message: /whole number of milliseconds/ },
    { name: 'inner whitespace', input: '1h 30m', message: /got "1h 30m"/ },
    { name: 'absurdly large', input: '9999999999999999h', message: /too large/ },
  ];
  for (const c of invalid) {
    it(`rejects ${c.name} (${JSON.stringify(c.input)})`, () => {
      assert.throws(() => parseDuration(c.input), (err: unknown) => {
        assert.ok(err instanceof InvalidValueError);
        assert.match(err.message, c.message);
        return true;
      });
    });
  }
});

describe('formatDuration', () => {
  const cases: { name: string; ms: number; text: string }[] = [
    { name: 'zero', ms: 0, text: '0s' },
    { name: 'milliseconds', ms: 250, text: '250ms' },
    { name: 'whole seconds', ms: 30_000, text: '30s' },
    { name: 'fractional seconds', ms: 1_500, text: '1.5s' },
    { name: 'hours and minutes', ms: 5_400_000, text: '1h30m' },
    { name: 'minutes with fractional seconds', ms: 60_500, text: '1m0.5s' },
    { name: 'timer limit', ms: 2_147_483_647, text: '596h31m23.647s' },
  ];
  for (const c of cases) {
    it(`formats ${c.name}`, () => {
      assert.equal(formatDuration(c.ms), c.text);
    });
    it(`round-trips ${c.name} through parseDuration`, () => {
      assert.equal(parseDuration(formatDuration(c.ms)), c.ms);
    });
  }

  it('rejects negative and non-finite values', () => {
    assert.throws(() => formatDuration(-1), RangeError);
    assert.throws(() => formatDuration(Number.NaN), RangeError);
    assert.throws(() => formatDuration(Infinity), RangeError);
  });
});
