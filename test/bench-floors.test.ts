// Kernel test: the floors bench/http measures sonde against load and attach what they say. The
// syscall floor holds empty programs on the read/write-family syscall tracepoints; the skb floor
// holds an empty cgroup_skb pair attached at the cgroup v2 root (sonde's own hook). Both detach
// when stopped. A floor that attached nothing, or the wrong thing, would make its reference line
// in the bench's report meaningless without anyone noticing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { skbFloor, syscallFloor, type HttpCondition } from '../bench/http/conditions.js';
import type { Attached } from '../bench/flows/conditions.js';
import { readCgroup2Mount } from '../src/capture/doctor/system-facts.js';
import { requireKernel } from './support/kernel.js';

interface ProgShow { id: number; type: string; name: string }
interface CgroupShow { id: number; attach_type: string; name: string }

const progs = (ids: readonly number[]): ProgShow[] =>
  ids.map((id) => JSON.parse(execFileSync('bpftool', ['prog', 'show', 'id', String(id), '-j'], { encoding: 'utf8' })) as ProgShow);

/** Starts `floor`, runs `check` on what it attached, then stops it and expects its programs gone. */
async function whileAttached(floor: HttpCondition, check: (attached: Attached) => void): Promise<void> {
  assert.equal(floor.unavailable(), null);
  const attached = await floor.start();
  let stopped = false;
  try {
    check(attached);
    assert.equal(await attached.stop(), 'verified');
    stopped = true;
  } finally {
    if (!stopped) await attached.stop();
  }
}

describe('bench floors', () => {
  it('the syscall floor attaches empty programs to the read/write-family syscall tracepoints and detaches them', async (t) => {
    if (!requireKernel(t)) return;
    await whileAttached(syscallFloor({ maxSeconds: 60 }), (attached) => {
      const shown = progs(attached.progIds);
      assert.equal(shown.length, 10, 'enter and exit of read, write, writev, recvfrom and sendto');
      assert.deepEqual([...new Set(shown.map((p) => p.type))], ['tracepoint']);
    });
  });

  it('the skb floor attaches an empty cgroup_skb pair at the cgroup v2 root and detaches it', async (t) => {
    if (!requireKernel(t)) return;
    const root = readCgroup2Mount();
    assert.notEqual(root, null, 'a cgroup v2 hierarchy is mounted');
    await whileAttached(skbFloor({ maxSeconds: 60 }), (attached) => {
      const shown = progs(attached.progIds);
      assert.deepEqual(shown.map((p) => p.type).sort(), ['cgroup_skb', 'cgroup_skb']);
      const atRoot = (JSON.parse(execFileSync('bpftool', ['cgroup', 'show', root!, '-j'], { encoding: 'utf8' })) as CgroupShow[])
        .filter((c) => attached.progIds.includes(c.id));
      assert.deepEqual(atRoot.map((c) => c.attach_type).sort(), ['cgroup_inet_egress', 'cgroup_inet_ingress']);
    });
  });
});
