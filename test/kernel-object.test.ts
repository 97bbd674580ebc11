// Kernel test: BpfObject.loadAsync() loads on another thread (the event loop keeps turning while
// the verifier works) and fails like load(): a BpfError with op, code and libbpf's log.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BpfObject } from '../src/kernel/bpf-object.js';
import { BpfError } from '../src/kernel/errors.js';
import { bpfObjectPath } from '../src/kernel/package-root.js';
import { requireKernel } from './support/kernel.js';

describe('BpfObject.loadAsync', () => {
  it('loads the L7 object off the JS thread: the event loop turned meanwhile', async (t) => {
    if (!requireKernel(t)) return;
    const object = BpfObject.open(bpfObjectPath('l7'));
    try {
      let turns = 0;
      const tick = (): void => {
        turns++;
        if (!settled) setImmediate(tick);
      };
      let settled = false;
      setImmediate(tick);
      await object.loadAsync().finally(() => (settled = true));
      assert.ok(turns > 0, 'no turn of the event loop while loading');
      assert.ok(object.map('l7_events').fd >= 0);
      assert.throws(() => object.setGlobalU32('capture_bytes', 1), /before load/);
    } finally {
      object.close();
    }
  });

  it('a load that fails rejects with a BpfError carrying op, code and the libbpf log', async (t) => {
    if (!requireKernel(t)) return;
    // A hash map of 2^32-1 entries: the kernel refuses to create it.
    const object = BpfObject.open(bpfObjectPath('l7')).setMaxEntries('l7_tallies', 0xffffffff);
    try {
      await assert.rejects(object.loadAsync(), (err: unknown) => {
        assert.ok(err instanceof BpfError, String(err));
        assert.equal(err.op, 'load');
        assert.ok(['E2BIG', 'ENOMEM', 'EINVAL'].includes(err.code), err.code);
        assert.match(err.log, /l7_tallies/);
        return true;
      });
    } finally {
      object.close();
    }
  });
});
