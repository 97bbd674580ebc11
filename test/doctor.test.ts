import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { collectDoctorReport } from '../src/cli/doctor.js';
import { requireKernel } from './support/kernel.js';

describe('sonde doctor on this machine', () => {
  it('finds the hooks this kernel has, refuses the ones it lacks, and leaves nothing attached', async (t) => {
    if (!requireKernel(t)) return;
    const report = await collectDoctorReport();
    const byHook = new Map(report.hooks.map((h) => [h.hook, h]));

    for (const hook of ['tracepoint', 'btf_tracepoint', 'raw_tracepoint', 'uprobe', 'perf_event', 'cgroup_skb', 'sockops', 'ringbuf'] as const) {
      const h = byHook.get(hook);
      assert.ok(h, `${hook} was checked`);
      assert.equal(h.works, true, `${hook} works: ${h.stage} ${h.error}`);
      assert.ok(h.hits > 0, `${hook} was seen to fire`);
    }
    // DESIGN.md: this kernel is built without kprobes and refuses trampolines (fentry).
    for (const hook of ['kprobe', 'fentry'] as const) {
      const h = byHook.get(hook);
      assert.ok(h, `${hook} was checked`);
      assert.equal(h.works, false, `${hook} must be reported as not working here`);
      assert.ok(h.stage === 'load' || h.stage === 'attach', `${hook} fails before it could fire, got ${h.stage}`);
      assert.ok(h.error !== null && h.error.length > 0, `${hook} failure carries a reason`);
    }

    assert.equal(report.canRun, true, report.reasons.join('; '));
    assert.deepEqual(report.reasons, []);
    assert.equal(report.btf.available, true);
    assert.equal(report.privileges.sufficient, true);
    assert.ok(report.cgroup2.path !== null, 'cgroup v2 found in /proc/mounts');
    assert.notEqual(report.tracefs.state, 'unavailable');
    assert.deepEqual(report.features.filter((f) => !f.runs && !f.planned).map((f) => f.feature), []);
    // Features not in this build are never reported as running.
    assert.deepEqual(report.features.filter((f) => f.planned).map((f) => [f.feature, f.runs]), [['profiler', false], ['system-metrics', false]]);

    const progs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' })) as { name?: string }[];
    const left = progs.map((p) => p.name ?? '').filter((name) => name.startsWith('doctor_'));
    assert.deepEqual(left, [], 'no doctor_* program is left loaded');
  });
});
