import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchOptions } from './options.js';

const spec = { rounds: 6, seconds: 10, usage: 'usage', wholeSeconds: true };

describe('benchOptions', () => {
  it('defaults: no warm-up', () => {
    assert.deepEqual(benchOptions({ ...spec, args: [] }), { rounds: 6, seconds: 10, warmup: 0 });
  });
  it('takes --warmup where the bench applies it', () => {
    assert.deepEqual(benchOptions({ ...spec, takesWarmup: true, args: ['--rounds', '4', '--warmup', '20'] }), { rounds: 4, seconds: 10, warmup: 20 });
  });
  it('refuses --warmup where the bench does not apply it (not a silent no-op)', () => {
    assert.throws(() => benchOptions({ ...spec, args: ['--warmup', '20'] }), /Unknown option '--warmup'/);
  });
  for (const [value, why] of [['-1', 'negative'], ['x', 'not a number'], ['1.5', 'not whole where seconds are whole']] as const) {
    it(`refuses --warmup ${value} (${why}), naming the option`, () => {
      assert.throws(() => benchOptions({ ...spec, takesWarmup: true, args: [`--warmup=${value}`] }), /--warmup must be/);
    });
  }
});
