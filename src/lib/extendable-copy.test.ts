import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { extendableCopy } from './extendable-copy.js';

describe('extendableCopy', () => {
  it('copies own enumerable properties, not inherited ones', () => {
    const proto = { inherited: 1 };
    const source = Object.assign(Object.create(proto) as Record<string, unknown>, { 'db.system.name': 'postgresql', port: 5432 });
    const copy = extendableCopy(source);
    assert.deepEqual(copy, { 'db.system.name': 'postgresql', port: 5432 });
    assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  });

  it('is a new object: adding to the copy leaves the source alone', () => {
    const source: Record<string, number> = { a: 1 };
    const copy = extendableCopy(source);
    copy['b'] = 2;
    assert.deepEqual(source, { a: 1 });
    assert.deepEqual(copy, { a: 1, b: 2 });
  });
});
