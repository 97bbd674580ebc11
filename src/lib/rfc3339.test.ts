import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rfc3339 } from './rfc3339.js';

describe('rfc3339', () => {
  const times = [0, 1, 999, 1000, 1_768_478_405_123, 1_768_478_405_123.9, 1_768_478_405_005, 1_768_478_405_050, 253_402_300_799_999];
  for (const ms of times) {
    it(`writes ${ms} as Date#toISOString does`, () => {
      assert.equal(rfc3339(ms), new Date(Math.floor(ms)).toISOString());
    });
  }

  it('answers the same millisecond twice in a row, and the next one right after it', () => {
    const t = 1_768_478_405_123;
    assert.equal(rfc3339(t), '2026-01-15T12:00:05.123Z');
    assert.equal(rfc3339(t + 0.5), '2026-01-15T12:00:05.123Z');
    assert.equal(rfc3339(t + 1), '2026-01-15T12:00:05.124Z');
    assert.equal(rfc3339(t), '2026-01-15T12:00:05.123Z');
    assert.equal(rfc3339(t + 1000), '2026-01-15T12:00:06.123Z');
  });

  it('leaves years past 9999 to toISOString', () => {
    assert.equal(rfc3339(253_402_300_800_000), new Date(253_402_300_800_000).toISOString());
    assert.equal(rfc3339(253_402_300_800_000), '+010000-01-01T00:00:00.000Z');
  });
});
