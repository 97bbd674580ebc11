import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LearnedHashes } from './learned-hashes.js';

describe('LearnedHashes', () => {
  it('keeps what each service learned per hash apart', () => {
    const l = new LearnedHashes(10);
    l.learn('shop', 7, '/users/{id}', null, null);
    l.learn('db', 7, null, 'SELECT', 'users');
    assert.deepEqual(l.get('shop', 7), { route: '/users/{id}', operation: null, resource: null });
    assert.deepEqual(l.get('db', 7), { route: null, operation: 'SELECT', resource: 'users' });
    assert.equal(l.get('shop', 8), undefined);
    assert.equal(l.get('other', 7), undefined);
    assert.equal(l.size, 2);
  });

  it('takes the latest answer for a hash without counting it twice', () => {
    const l = new LearnedHashes(10);
    l.learn('shop', 7, '/a', null, null);
    l.learn('shop', 7, '/a', null, null);
    l.learn('shop', 7, '/b', null, null);
    assert.equal(l.get('shop', 7)?.route, '/b');
    assert.equal(l.size, 1);
  });

  it('forgets everything past its bound, then learns again', () => {
    const l = new LearnedHashes(2);
    l.learn('s', 1, '/1', null, null);
    l.learn('s', 2, '/2', null, null);
    l.learn('s', 2, '/2b', null, null);
    assert.equal(l.size, 2, 'a known hash is updated in place even when full');
    l.learn('t', 3, '/3', null, null);
    assert.equal(l.size, 1);
    assert.equal(l.get('s', 1), undefined);
    assert.equal(l.get('t', 3)?.route, '/3');
  });
});
