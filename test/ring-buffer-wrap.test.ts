// Kernel test: the native ring buffer consumer maps the ring's data once (not twice, as libbpf
// does), so a record that wraps past the ring's end is copied in two pieces. A test-only program
// (bpf/test_ringbuf.bpf.c) writes records of varying sizes into a one-page ring on each of this
// process's getppid() calls; every record that arrives must be whole, byte for byte, in order,
// and the ones the full ring refused are counted by the program itself.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BpfObject } from '../src/kernel/bpf-object.js';
import { bpfObjectPath } from '../src/kernel/package-root.js';
import type { RawBatch } from '../src/kernel/ring-buffer.js';
import { requireKernel } from './support/kernel.js';
import { waitFor } from './support/wait.js';

const RING_BYTES = 4096;
const RECORDS = 3000;

describe('ring buffer consumer', () => {
  it('records that wrap past the end of a one-page ring arrive whole and in order', async (t) => {
    if (!requireKernel(t)) return;
    const tgid = Buffer.alloc(4);
    tgid.writeUInt32LE(process.pid);
    const object = BpfObject.open(bpfObjectPath('test_ringbuf')).setGlobal('target_tgid', tgid).load();
    try {
      const seen: number[] = [];
      const problems: string[] = [];
      let bytes = 0;
      object.ringBuffer('test_events', (batch: RawBatch) => {
        const view = new DataView(batch.buffer);
        for (let i = 0; i < batch.count; i++) {
          const at = batch.index[2 * i]!;
          const length = batch.index[2 * i + 1]!;
          const seq = view.getUint32(at, true);
          const size = view.getUint32(at + 4, true);
          bytes += length;
          if (size !== 8 + ((seq * 37) % 500) || length !== size) problems.push(`record ${seq}: ${length} bytes, says ${size}`);
          for (let k = 8; k < length; k++) {
            if (view.getUint8(at + k) !== (seq & 0xff)) {
              problems.push(`record ${seq}: byte ${k} is ${view.getUint8(at + k)}`);
              break;
            }
          }
          seen.push(seq);
        }
      }, 1);
      object.attach('test_ringbuf');
      for (let i = 0; i < RECORDS; i++) {
        void process.ppid; // one getppid() each
        // A pause now and then, so the consumer drains and most records are not refused.
        if (i % 4 === 3) await new Promise((r) => setTimeout(r, 1));
      }
      const counters = object.map('test_counters');
      const counter = (k: number): number => Number(counters.lookup(Buffer.from([k, 0, 0, 0]))?.readBigUInt64LE(0) ?? 0n);
      const written = counter(0);
      const refused = counter(1);
      await waitFor('every record the ring took to arrive', () => (seen.length >= written - refused ? true : undefined));
      assert.ok(written >= RECORDS, `the program ran for each call (${written})`);
      assert.deepEqual(problems, []);
      assert.equal(seen.length, written - refused);
      assert.ok(seen.every((s, i) => i === 0 || s > seen[i - 1]!), 'in order, each once');
      assert.ok(bytes > 20 * RING_BYTES, `the ring wrapped many times (${bytes} bytes through ${RING_BYTES})`);
    } finally {
      object.close();
    }
  });
});
