import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HelperThreads, MAX_HELPERS, type ThreadClassControl } from './helper-threads.js';

function harness(failOn: (tid: number, idle: boolean) => boolean = () => false) {
  const moves: string[] = [];
  const companions: Array<readonly number[]> = [];
  const errors: string[] = [];
  const control: ThreadClassControl = {
    setClass: (tid, idle) => {
      if (failOn(tid, idle)) throw new Error(`sched_setscheduler: ESRCH (${tid})`);
      moves.push(`${tid}:${idle ? 'idle' : 'normal'}`);
    },
    setWatchdogCompanions: (tids) => companions.push([...tids]),
  };
  return { control, moves, companions, errors, onError: (e: Error) => errors.push(e.message) };
}

describe('HelperThreads', () => {
  it('lists them at the first move, registers them with the watchdog, and moves them all, both ways', () => {
    const h = harness();
    let listed = 0;
    const helpers = new HelperThreads(() => (listed++, [11, 12]), h.control, h.onError);
    assert.equal(listed, 0, 'not before the first move: ring consumers may start after');
    helpers.move(true);
    helpers.move(false);
    assert.deepEqual(h.companions, [[11, 12]]);
    assert.deepEqual(h.moves, ['11:idle', '12:idle', '11:normal', '12:normal']);
    assert.deepEqual(h.errors, []);
    assert.equal(listed, 1);
  });
  it('at most as many as the watchdog holds', () => {
    const h = harness();
    const helpers = new HelperThreads(() => Array.from({ length: MAX_HELPERS + 5 }, (_, i) => i + 1), h.control, h.onError);
    helpers.move(true);
    assert.equal(helpers.tids.length, MAX_HELPERS);
    assert.equal(h.companions[0]?.length, MAX_HELPERS);
  });
  it('one that cannot move: said once, those moved go back, none moves after', () => {
    const h = harness((tid, idle) => tid === 13 && idle);
    const helpers = new HelperThreads(() => [11, 12, 13, 14], h.control, h.onError);
    helpers.move(true);
    helpers.move(false);
    helpers.move(true);
    assert.deepEqual(h.moves, ['11:idle', '12:idle', '11:normal', '12:normal']);
    assert.deepEqual(h.companions, [[11, 12, 13, 14], []]);
    assert.deepEqual(helpers.tids, []);
    assert.equal(h.errors.length, 1);
    assert.match(h.errors[0] ?? '', /helper threads stay at the normal class: sched_setscheduler: ESRCH \(13\)/);
  });
  it('/proc/self/task unreadable: said once, nothing moves', () => {
    const h = harness();
    const helpers = new HelperThreads(() => { throw new Error('ENOENT: /proc/self/task'); }, h.control, h.onError);
    helpers.move(true);
    assert.deepEqual(h.moves, []);
    assert.equal(h.errors.length, 1);
    assert.match(h.errors[0] ?? '', /stay at the normal class: ENOENT/);
  });
});
