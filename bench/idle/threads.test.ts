import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostBusyMs, parseThread, threadKind, usageByKind, type ThreadSample } from './threads.js';

const STATUS = 'Name:\tnode\nState:\tS (sleeping)\nvoluntary_ctxt_switches:\t1234\nnonvoluntary_ctxt_switches:\t56\n';

describe('parseThread', () => {
  it('reads CPU ns from schedstat and wake-ups from the voluntary switches', () => {
    assert.deepEqual(parseThread(7, 'node\n', '5000000 200 30\n', STATUS), { tid: 7, comm: 'node', cpuNs: 5_000_000, wakeups: 1234 });
  });
  for (const [name, schedstat, status] of [
    ['empty schedstat (thread gone)', '', STATUS],
    ['no voluntary switches line', '1 2 3', 'Name:\tnode\n'],
  ] as const) {
    it(`null for ${name}`, () => assert.equal(parseThread(1, 'x', schedstat, status), null));
  }
});

describe('threadKind', () => {
  for (const [tid, comm, kind] of [
    [100, 'node', 'main'],
    [101, 'sonde-ringbuf', 'ring buffer'],
    [102, 'sonde-watchdog', 'watchdog'],
    [103, 'node', 'node helpers'],
    [104, 'libuv-worker', 'other'],
  ] as const) {
    it(`${tid} ${comm} -> ${kind}`, () => assert.equal(threadKind(100, { tid, comm }), kind));
  }
});

describe('usageByKind', () => {
  const t = (tid: number, comm: string, cpuNs: number, wakeups: number): ThreadSample => ({ tid, comm, cpuNs, wakeups });
  it('sums each kind per second, and leaves out threads not in both samples', () => {
    const before = [t(100, 'node', 0, 10), t(101, 'sonde-ringbuf', 0, 0), t(102, 'sonde-ringbuf', 0, 0), t(105, 'node', 0, 0)];
    const after = [t(100, 'node', 20e6, 50), t(101, 'sonde-ringbuf', 2e6, 4), t(102, 'sonde-ringbuf', 2e6, 6), t(106, 'node', 9e9, 9)];
    assert.deepEqual(usageByKind(100, before, after, 10), [
      { kind: 'main', threads: 1, cpuMsPerSecond: 2, wakeupsPerSecond: 4 },
      { kind: 'ring buffer', threads: 2, cpuMsPerSecond: 0.4, wakeupsPerSecond: 1 },
    ]);
  });
});

describe('hostBusyMs', () => {
  it('counts every field but idle and iowait, in ms at 100 ticks/s', () => {
    // user nice system idle iowait irq softirq steal
    assert.equal(hostBusyMs('cpu  100 5 50 9000 40 3 2 0 0 0\ncpu0 1 2 3\n'), 1600);
  });
  it('null for a file that is not /proc/stat', () => {
    assert.equal(hostBusyMs('intr 1 2 3\n'), null);
    assert.equal(hostBusyMs('cpu  a b c d e\n'), null);
  });
});
