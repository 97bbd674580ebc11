import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assessPrivileges } from '../capture/doctor/system-facts.js';
import { helperThreads, IdleRest, mayLeaveIdleClass } from './idle-parsing.js';

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

describe('IdleRest', () => {
  function harness(fail: (idle: boolean) => boolean = () => false) {
    const switches: boolean[] = [];
    const changes: boolean[] = [];
    const errors: string[] = [];
    let promotions = 0;
    const rest = new IdleRest({
      enabled: true,
      setIdle: (idle) => {
        if (fail(idle)) throw new Error('sched_setscheduler: EPERM');
        switches.push(idle);
      },
      promotions: () => promotions,
      onError: (e) => errors.push(e.message),
      onClassChange: (idle) => changes.push(idle),
    });
    return { rest, switches, changes, errors, promote: () => promotions++ };
  }

  it('each beat enters SCHED_IDLE (restarting the watchdog\'s clock); quiet goes back once; helpers hear of moves only', () => {
    const { rest, switches, changes, errors } = harness();
    rest.beat();
    rest.beat();
    rest.quiet();
    rest.quiet();
    rest.beat();
    rest.stop();
    assert.deepEqual(switches, [true, true, false, true, false]);
    assert.deepEqual(changes, [true, false, true, false]);
    assert.deepEqual(errors, []);
  });
  it('a starved thread\'s turn at the normal class ends when the next slice starts', () => {
    const { rest, switches, changes, promote } = harness();
    rest.sliceStarting(); // not beating yet: nothing
    rest.beat();
    rest.sliceStarting(); // at SCHED_IDLE already: nothing
    promote(); // the watchdog moved the thread and its helpers mid-slice
    rest.sliceStarting(); // back, thread and helpers
    promote();
    rest.beat(); // a beat first: the turn goes on (the helpers hear the thread left SCHED_IDLE)
    rest.sliceStarting(); // and ends here
    rest.quiet();
    rest.sliceStarting(); // quiet: nothing
    assert.deepEqual(switches, [true, true, true, false]);
    assert.deepEqual(changes, [true, true, false, true, false]);
  });
  it('quiet before any beat: nothing to undo', () => {
    const { rest, switches } = harness();
    rest.quiet();
    assert.deepEqual(switches, []);
  });
  it('after a watchdog promotion, the next beat leaves the thread at the normal class; the one after re-enters', () => {
    const { rest, switches, changes, promote } = harness();
    rest.beat();
    promote();
    rest.beat(); // the starved thread's turn
    rest.quiet(); // already at the normal class
    rest.beat();
    assert.deepEqual(switches, [true, true]);
    assert.deepEqual(changes, [true, false, true]);
  });
  it('disabled (no CAP_SYS_NICE): never switches', () => {
    const switches: boolean[] = [];
    const rest = new IdleRest({ enabled: false, setIdle: (idle) => switches.push(idle), promotions: () => 0, onError: () => assert.fail('no error'), onClassChange: () => assert.fail('no change') });
    rest.beat();
    rest.quiet();
    rest.stop();
    assert.deepEqual(switches, []);
    assert.equal(rest.enabled, false);
  });
  it('a failed switch: said once, the thread is put back at the normal class, no more switches', () => {
    let failing = false;
    const { rest, switches, changes, errors } = harness((idle) => failing && idle);
    rest.beat();
    failing = true;
    rest.beat();
    rest.beat();
    rest.quiet();
    assert.deepEqual(switches, [true, false]);
    assert.deepEqual(changes, [true, false]);
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? '', /l7\.parse_priority: idle stopped.*EPERM/);
    assert.equal(rest.enabled, false);
  });
  it('stop: back at the normal class for good', () => {
    const { rest, switches } = harness();
    rest.beat();
    rest.stop();
    rest.beat();
    assert.deepEqual(switches, [true, false]);
    assert.equal(rest.enabled, false);
  });
});

describe('helperThreads', () => {
  it('node-named threads but the main one, and the ring buffer consumers; never the watchdog', () => {
    const threads = [
      { tid: 100, comm: 'node' }, { tid: 101, comm: 'node' }, { tid: 102, comm: 'node' },
      { tid: 110, comm: 'sonde-ringbuf' }, { tid: 111, comm: 'sonde-ringbuf' }, { tid: 120, comm: 'sonde-watchdog' },
    ];
    assert.deepEqual(helperThreads(100, threads), [101, 102, 110, 111]);
  });
  it('nothing but the main thread: nothing', () => {
    assert.deepEqual(helperThreads(7, [{ tid: 7, comm: 'node' }]), []);
  });
});
