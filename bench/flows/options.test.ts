import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchOptions } from './options.js';

const spec = { rounds: 6, seconds: 10, usage: 'usage', wholeSeconds: true };

describe('benchOptions', () => {
  it('defaults: no warm-up', () => {
    assert.deepEqual(benchOptions({ ...spec, args: [] }), { rounds: 6, seconds: 10, warmup: 0 });
  });
  it('takes --warmup where the bench applies it, with the default the bench gives', () => {
    assert.deepEqual(benchOptions({ ...spec, takesWarmup: 20, args: [] }), { rounds: 6, seconds: 10, warmup: 20 });
    assert.deepEqual(benchOptions({ ...spec, takesWarmup: 20, args: ['--rounds', '4', '--warmup', '0'] }), { rounds: 4, seconds: 10, warmup: 0 });
  });
  it('refuses --warmup where the bench does not apply it (not a silent no-op)', () => {
    assert.throws(() => benchOptions({ ...spec, args: ['--warmup', '20'] }), /Unknown option '--warmup'/);
  });
  it('takes --connections where the bench gives a default, and refuses it elsewhere', () => {
    assert.deepEqual(benchOptions({ ...spec, takesConnections: 20, args: [] }), { rounds: 6, seconds: 10, warmup: 0, connections: 20 });
    assert.deepEqual(benchOptions({ ...spec, takesConnections: 20, args: ['--connections', '1'] }), { rounds: 6, seconds: 10, warmup: 0, connections: 1 });
    assert.throws(() => benchOptions({ ...spec, takesConnections: 20, args: ['--connections', '0'] }), /--connections must be a positive integer, got 0/);
    assert.throws(() => benchOptions({ ...spec, args: ['--connections', '1'] }), /Unknown option '--connections'/);
  });
  for (const [value, why] of [['-1', 'negative'], ['x', 'not a number'], ['1.5', 'not whole where seconds are whole']] as const) {
    it(`refuses --warmup ${value} (${why}), naming the option`, () => {
      assert.throws(() => benchOptions({ ...spec, takesWarmup: 20, args: [`--warmup=${value}`] }), /--warmup must be/);
    });
  }
});
