import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assessDoctor } from './features.js';
import type { HookResult } from './hook-checks.js';
import { buildDoctorReport, renderDoctorText, type DoctorReport } from './report.js';
import { assessPrivileges, type SystemFacts } from './system-facts.js';

const THIS_MACHINE_HOOKS: HookResult[] = [
  { hook: 'tracepoint', program: 'doctor_tracepoint', target: 'tp/syscalls/sys_enter_getppid', works: true, hits: 1 },
  { hook: 'btf_tracepoint', program: 'doctor_btf_tracepoint', target: 'tp_btf/sched_process_fork', works: true, hits: 1 },
  { hook: 'raw_tracepoint', program: 'doctor_raw_tracepoint', target: 'raw_tp/sched_process_fork', works: true, hits: 1 },
  { hook: 'uprobe', program: 'doctor_uprobe', target: 'uprobe libc.so.6:gethostname', works: true, hits: 1 },
  { hook: 'perf_event', program: 'doctor_perf_event', target: 'perf_event cpu-clock', works: true, hits: 90 },
  { hook: 'cgroup_skb', program: 'doctor_cgroup_skb', target: 'cgroup_skb/egress', works: true, hits: 8 },
  { hook: 'sockops', program: 'doctor_sockops', target: 'sockops', works: true, hits: 10 },
  {
    hook: 'kprobe', program: 'doctor_kprobe', target: 'kprobe/do_nanosleep', works: false, stage: 'attach',
    error: 'ENOENT: attach: doctor_kprobe (No such file or directory)', hint: 'kernel built without kprobes',
  },
  {
    hook: 'fentry', program: 'doctor_fentry', target: 'fentry/do_nanosleep', works: false, stage: 'load',
    error: 'EPERM: load: doctor (Operation not permitted)', hint: null,
  },
  { hook: 'ringbuf', program: 'doctor_ringbuf', target: 'ringbuf doctor_events', works: true, hits: 1 },
];

function facts(overrides: Partial<SystemFacts> = {}): SystemFacts {
  return {
    kernel: '6.18.44-fc-v669',
    btf: { available: true, path: '/sys/kernel/btf/vmlinux' },
    privileges: assessPrivileges(0, 0x1fffeffffffn),
    cgroup2: { mounted: true, path: '/sys/fs/cgroup/unified' },
    ...overrides,
  };
}

function report(f: SystemFacts, hooks: HookResult[] = THIS_MACHINE_HOOKS): DoctorReport {
  return buildDoctorReport({
    facts: f,
    tracefs: { state: 'mounted', detail: '/sys/kernel/tracing' },
    hooks,
    assessment: assessDoctor({ privileges: f.privileges, btf: f.btf, hooks }),
  });
}

describe('buildDoctorReport', () => {
  it('has the stable top-level keys in order', () => {
    assert.deepEqual(Object.keys(report(facts())), ['kernel', 'btf', 'privileges', 'cgroup2', 'tracefs', 'hooks', 'features', 'canRun', 'reasons']);
  });

  it('gives every hook the same keys, with nulls on success', () => {
    const r = report(facts());
    for (const h of r.hooks) assert.deepEqual(Object.keys(h), ['hook', 'works', 'stage', 'error', 'hint', 'hits', 'program', 'target']);
    assert.deepEqual(r.hooks[0], {
      hook: 'tracepoint', works: true, stage: null, error: null, hint: null, hits: 1,
      program: 'doctor_tracepoint', target: 'tp/syscalls/sys_enter_getppid',
    });
    const kprobe = r.hooks.find((h) => h.hook === 'kprobe');
    assert.equal(kprobe?.works, false);
    assert.equal(kprobe?.stage, 'attach');
    assert.match(kprobe?.error ?? '', /^ENOENT: /);
  });

  it('survives a JSON round trip unchanged', () => {
    const r = report(facts());
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  });
});

describe('renderDoctorText', () => {
  const cases: { name: string; facts: SystemFacts; hooks?: HookResult[]; contains: RegExp[]; lacks: RegExp[] }[] = [
    {
      name: 'this machine',
      facts: facts(),
      contains: [
        /^ {2}kernel {6}6\.18\.44-fc-v669$/m,
        /^ {2}BTF {9}✓ \/sys\/kernel\/btf\/vmlinux$/m,
        /^ {2}privileges {2}✓ root \(CapEff 000001fffeffffff: CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN\)$/m,
        /^ {2}cgroup v2 {3}✓ \/sys\/fs\/cgroup\/unified$/m,
        /^ {2}tracefs {5}✓ mounted at \/sys\/kernel\/tracing$/m,
        /^ {2}tracepoint {6}✓ {6}tp\/syscalls\/sys_enter_getppid: fired \(1 hit\)$/m,
        /^ {2}kprobe {10}✗ {6}failed at attach: ENOENT: attach: doctor_kprobe \(No such file or directory\)$/m,
        /^ {27}kernel built without kprobes$/m,
        /^ {2}fentry {10}✗ {6}failed at load: EPERM: /m,
        /^ {2}tcp-flows {7}✓ +btf_tracepoint ringbuf +TCP connections/m,
        /^ {2}profiler {8}planned +perf_event +not in this build yet \(sampled CPU profiles\); what it will use works here \(perf_event\)$/m,
        /^sonde can run on this machine\.$/m,
      ],
      lacks: [/cannot run/, / +$/m],
    },
    {
      name: 'unprivileged user',
      facts: facts({ privileges: assessPrivileges(1000, 0n) }),
      hooks: THIS_MACHINE_HOOKS.map((h): HookResult => ({
        hook: h.hook, program: h.program, target: h.target, works: false, stage: 'load', error: 'EPERM: load: doctor (Operation not permitted)', hint: null,
      })),
      contains: [
        /^ {2}privileges {2}✗ uid 1000 \(CapEff 0000000000000000\), missing CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN$/m,
        /^sonde cannot run: not root and missing CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN — run as root or grant them$/m,
        /^sonde cannot run: tcp-flows needs btf_tracepoint and ringbuf/m,
        /^ {2}tcp-flows {7}✗ /m,
      ],
      lacks: [/can run on this machine/],
    },
    {
      name: 'no cgroup v2, no BTF',
      facts: facts({ cgroup2: { mounted: false, path: null }, btf: { available: false, path: '/sys/kernel/btf/vmlinux' } }),
      contains: [
        /^ {2}cgroup v2 {3}✗ not mounted/m,
        /^ {2}BTF {9}✗ no \/sys\/kernel\/btf\/vmlinux$/m,
        /^sonde cannot run: no kernel BTF/m,
      ],
      lacks: [/can run on this machine/],
    },
    {
      name: 'tracepoints missing: tcp-flows and l7-capture still run; system-metrics (planned) would need them',
      facts: facts(),
      hooks: THIS_MACHINE_HOOKS.map((h): HookResult => (h.hook === 'tracepoint'
        ? { hook: h.hook, program: h.program, target: h.target, works: false, stage: 'attach', error: 'ENOENT: no tracefs', hint: null }
        : h)),
      contains: [/^ {2}tcp-flows {7}✓ +/m, /^ {2}l7-capture {6}✓ +/m, /^ {2}system-metrics {2}planned .*it will need tracepoint$/m, /^sonde can run/m],
      lacks: [/cannot run/, /still running/],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const text = renderDoctorText(report(c.facts, c.hooks));
      for (const re of c.contains) assert.match(text, re);
      for (const re of c.lacks) assert.doesNotMatch(text, re);
    });
  }
});
