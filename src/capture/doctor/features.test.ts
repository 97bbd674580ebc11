import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assessDoctor, assessFeatures, type FeatureName } from './features.js';
import type { HookKind, HookResult } from './hook-checks.js';
import { assessPrivileges } from './system-facts.js';

// Listed here rather than imported so this pure test does not pull in the kernel facade.
const HOOK_KINDS: readonly HookKind[] = [
  'tracepoint', 'btf_tracepoint', 'raw_tracepoint', 'uprobe', 'perf_event',
  'cgroup_skb', 'sockops', 'kprobe', 'fentry', 'ringbuf',
];

/** Results where every hook works except the listed ones. */
function hooksWithout(broken: readonly HookKind[]): HookResult[] {
  return HOOK_KINDS.map((hook): HookResult => broken.includes(hook)
    ? { hook, program: `doctor_${hook}`, target: hook, works: false, stage: 'attach', error: 'ENOENT: attach failed', hint: null }
    : { hook, program: `doctor_${hook}`, target: hook, works: true, hits: 1 });
}

const ROOT = assessPrivileges(0, 0x1ffffffffffn);
const USER = assessPrivileges(1000, 0n);
const BTF = { available: true, path: '/sys/kernel/btf/vmlinux' };
const NO_BTF = { available: false, path: '/sys/kernel/btf/vmlinux' };

describe('assessFeatures', () => {
  const cases: { name: string; broken: HookKind[]; off: FeatureName[]; partial: FeatureName[] }[] = [
    { name: 'everything works', broken: [], off: [], partial: [] },
    { name: 'this kernel: no kprobe, no fentry', broken: ['kprobe', 'fentry'], off: [], partial: [] },
    { name: 'no tracefs tracepoints', broken: ['tracepoint'], off: [], partial: [] },
    { name: 'no BTF tracepoints', broken: ['btf_tracepoint'], off: ['tcp-flows', 'l7-capture'], partial: [] },
    { name: 'no ring buffer', broken: ['ringbuf'], off: ['tcp-flows', 'l7-capture'], partial: [] },
    { name: 'no socket hooks', broken: ['cgroup_skb', 'sockops'], off: ['l7-capture'], partial: [] },
    { name: 'no uprobes', broken: ['uprobe'], off: ['tls'], partial: [] },
    { name: 'no perf events', broken: ['perf_event'], off: [], partial: [] },
    { name: 'nothing works', broken: [...HOOK_KINDS], off: ['tcp-flows', 'l7-capture', 'tls'], partial: [] },
  ];
  const PLANNED: FeatureName[] = ['profiler', 'system-metrics'];
  for (const c of cases) {
    it(c.name, () => {
      const verdicts = assessFeatures(hooksWithout(c.broken));
      assert.deepEqual(verdicts.map((v) => v.feature), ['tcp-flows', 'l7-capture', 'tls', 'profiler', 'system-metrics']);
      assert.deepEqual(verdicts.filter((v) => !v.runs && !v.planned).map((v) => v.feature), c.off);
      assert.deepEqual(verdicts.filter((v) => v.runs && !v.full).map((v) => v.feature), c.partial);
      // Features not in this build never read as running, whatever the machine allows.
      assert.deepEqual(verdicts.filter((v) => v.planned).map((v) => v.feature), PLANNED);
      for (const v of verdicts.filter((x) => x.planned)) {
        assert.equal(v.runs, false);
        assert.match(v.note, /^not in this build yet/);
      }
    });
  }

  it('says whether the machine has what a planned feature will need', () => {
    const ready = assessFeatures(hooksWithout([])).find((v) => v.feature === 'profiler');
    assert.match(ready?.note ?? '', /what it will use works here \(perf_event\)$/);
    const lacking = assessFeatures(hooksWithout(['perf_event'])).find((v) => v.feature === 'profiler');
    assert.match(lacking?.note ?? '', /it will need perf_event$/);
  });

  it('tcp-flows needs no tracefs tracepoint (owners come from BTF tracepoints only)', () => {
    const flows = assessFeatures(hooksWithout(['tracepoint'])).find((v) => v.feature === 'tcp-flows');
    assert.ok(flows);
    assert.equal(flows.runs, true);
    assert.equal(flows.full, true);
    assert.deepEqual(flows.missing, []);
  });

  it('says what still runs next to an off feature', () => {
    const tls = assessFeatures(hooksWithout(['uprobe'])).find((v) => v.feature === 'tls');
    assert.ok(tls);
    assert.match(tls.note, /^needs uprobe: /);
    assert.match(tls.note, /still running: tcp-flows, l7-capture\)$/);
  });
});

describe('assessDoctor', () => {
  const cases: {
    name: string;
    privileges: typeof ROOT;
    btf: typeof BTF;
    broken: HookKind[];
    canRun: boolean;
    reasons: RegExp[];
  }[] = [
    { name: 'this machine', privileges: ROOT, btf: BTF, broken: ['kprobe', 'fentry'], canRun: true, reasons: [] },
    { name: 'optional features off still runs', privileges: ROOT, btf: BTF, broken: ['uprobe', 'perf_event', 'cgroup_skb'], canRun: true, reasons: [] },
    {
      name: 'unprivileged user',
      privileges: USER,
      btf: BTF,
      broken: [...HOOK_KINDS],
      canRun: false,
      reasons: [/^not root and missing CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN — run as root or grant them$/, /^tcp-flows needs btf_tracepoint and ringbuf/],
    },
    {
      name: 'root without caps (container)',
      privileges: assessPrivileges(0, 0n),
      btf: BTF,
      broken: [],
      canRun: false,
      reasons: [/^running as root but missing effective CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN/],
    },
    { name: 'no BTF', privileges: ROOT, btf: NO_BTF, broken: [], canRun: false, reasons: [/^no kernel BTF at \/sys\/kernel\/btf\/vmlinux/] },
    {
      name: 'ring buffer broken',
      privileges: ROOT,
      btf: BTF,
      broken: ['ringbuf'],
      canRun: false,
      reasons: [/^tcp-flows needs ringbuf, which did not work here \(ringbuf failed at attach: ENOENT: attach failed\)$/],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const a = assessDoctor({ privileges: c.privileges, btf: c.btf, hooks: hooksWithout(c.broken) });
      assert.equal(a.canRun, c.canRun);
      assert.equal(a.reasons.length, c.reasons.length, a.reasons.join('\n'));
      c.reasons.forEach((re, i) => assert.match(a.reasons[i] ?? '', re));
      assert.equal(a.features.length, 5);
    });
  }
});
