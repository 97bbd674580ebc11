import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assessPrivileges } from '../capture/doctor/system-facts.js';
import { helperThreads, IdleRunner, mayLeaveIdleClass } from './idle-parsing.js';

describe('mayLeaveIdleClass', () => {
  const cases: Array<{ name: string; uid: number; capEff: bigint | null; may: boolean }> = [
    { name: 'root (all capabilities)', uid: 0, capEff: 0x000001ffffffffffn, may: true },
    { name: 'CAP_BPF + CAP_PERFMON + CAP_NET_ADMIN only', uid: 1000, capEff: (1n << 39n) | (1n << 38n) | (1n << 12n), may: false },
    { name: 'those plus CAP_SYS_NICE', uid: 1000, capEff: (1n << 39n) | (1n << 38n) | (1n << 12n) | (1n << 23n), may: true },
    { name: 'unknown capabilities, even as root', uid: 0, capEff: null, may: false },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(mayLeaveIdleClass(assessPrivileges(c.uid, c.capEff)), c.may));
  }
});

describe('IdleRunner', () => {
  it('runs work through the idle switch while enabled', () => {
    const calls: string[] = [];
    const runner = new IdleRunner(true, (work) => { calls.push('idle'); work(); calls.push('back'); }, () => assert.fail('no error'));
    runner.run(() => calls.push('work'));
    assert.deepEqual(calls, ['idle', 'work', 'back']);
  });
  it('disabled: runs work directly', () => {
    const calls: string[] = [];
    new IdleRunner(false, () => assert.fail('no switch'), () => assert.fail('no error')).run(() => calls.push('work'));
    assert.deepEqual(calls, ['work']);
  });
  it('a failed switch into idle: the work still runs, once, the error is said once, and idle is off after', () => {
    const calls: string[] = [];
    const errors: string[] = [];
    const runner = new IdleRunner(true, () => { throw new Error('sched_setscheduler: EPERM'); }, (e) => errors.push(e.message));
    runner.run(() => calls.push('a'));
    runner.run(() => calls.push('b'));
    assert.deepEqual(calls, ['a', 'b']);
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? '', /l7\.parse_priority: idle stopped.*EPERM/);
    assert.equal(runner.enabled, false);
  });
  it('work that throws: the error reaches the caller, idle stays on, the thread is switched back', () => {
    const calls: string[] = [];
    const runner = new IdleRunner(true, (work) => { calls.push('idle'); try { work(); } finally { calls.push('back'); } }, () => assert.fail('not a switch error'));
    assert.throws(() => runner.run(() => { throw new Error('parser bug'); }), /parser bug/);
    assert.deepEqual(calls, ['idle', 'back']);
    assert.equal(runner.enabled, true);
  });
  it('a failed switch back: the work ran once and is not repeated', () => {
    const calls: string[] = [];
    const runner = new IdleRunner(true, (work) => { work(); throw new Error('back failed'); }, () => {});
    runner.run(() => calls.push('a'));
    assert.deepEqual(calls, ['a']);
    assert.equal(runner.enabled, false);
  });
});

describe('helperThreads', () => {
  it('node-named threads but the main one; never sonde\'s ring buffer consumers', () => {
    const threads = [
      { tid: 100, comm: 'node' }, { tid: 101, comm: 'node' }, { tid: 102, comm: 'node' },
      { tid: 110, comm: 'sonde-ringbuf' }, { tid: 111, comm: 'sonde-ringbuf' },
    ];
    assert.deepEqual(helperThreads(100, threads), [101, 102]);
  });
  it('nothing but the main thread: nothing', () => {
    assert.deepEqual(helperThreads(7, [{ tid: 7, comm: 'node' }]), []);
  });
});
