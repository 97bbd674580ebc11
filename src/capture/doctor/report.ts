import type { TracefsState } from '../../kernel/tracefs.js';
import type { Assessment, FeatureVerdict } from './features.js';
import type { HookKind, HookResult, HookStage } from './hook-checks.js';
import type { Privileges, SystemFacts } from './system-facts.js';

/** One hook's line in the JSON report: every key present whatever the outcome. */
export interface HookReport {
  hook: HookKind;
  works: boolean;
  stage: HookStage | null;
  error: string | null;
  hint: string | null;
  hits: number;
  program: string;
  target: string;
}

/** `sonde doctor --json`. Keys are a contract: add, never rename. */
export interface DoctorReport {
  kernel: string;
  btf: { available: boolean; path: string };
  privileges: Privileges;
  cgroup2: { mounted: boolean; path: string | null };
  tracefs: { state: TracefsState; detail: string };
  hooks: HookReport[];
  features: FeatureVerdict[];
  canRun: boolean;
  reasons: string[];
}

export function hookReport(r: HookResult): HookReport {
  return r.works
    ? { hook: r.hook, works: true, stage: null, error: null, hint: null, hits: r.hits, program: r.program, target: r.target }
    : { hook: r.hook, works: false, stage: r.stage, error: r.error, hint: r.hint, hits: 0, program: r.program, target: r.target };
}

/** Pure: the machine-readable report. */
export function buildDoctorReport(input: {
  facts: SystemFacts;
  tracefs: { state: TracefsState; detail: string };
  hooks: readonly HookResult[];
  assessment: Assessment;
}): DoctorReport {
  const { facts, assessment } = input;
  return {
    kernel: facts.kernel,
    btf: facts.btf,
    privileges: facts.privileges,
    cgroup2: facts.cgroup2,
    tracefs: input.tracefs,
    hooks: input.hooks.map(hookReport),
    features: assessment.features,
    canRun: assessment.canRun,
    reasons: assessment.reasons,
  };
}

const YES = '✓';
const NO = '✗';
const mark = (ok: boolean) => (ok ? YES : NO);

/** Left-aligned columns; the last column is not padded so lines carry no trailing blanks. */
function table(rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

function privilegesText(p: Privileges): string {
  const held = p.capabilities.filter((c) => c.effective).map((c) => c.name);
  const who = p.root ? 'root' : p.uid === null ? 'unknown user' : `uid ${p.uid}`;
  const caps = p.capEff === null ? 'CapEff unreadable' : `CapEff ${p.capEff}`;
  if (p.sufficient) return `${YES} ${who} (${caps}: ${held.join(', ')})`;
  return `${NO} ${who} (${caps}), missing ${p.missing.join(', ')}`;
}

function tracefsText(t: DoctorReport['tracefs']): string {
  if (t.state === 'mounted') return `${YES} mounted at ${t.detail}`;
  if (t.state === 'mounted-now') return `${YES} ${t.detail} (was not mounted)`;
  return `${NO} ${t.detail} (tp/ tracepoints cannot attach)`;
}

function hookDetail(h: HookReport): string {
  if (h.works) {
    const unit = h.hook === 'ringbuf' ? 'record' : 'hit';
    return `${h.target}: fired (${h.hits} ${unit}${h.hits === 1 ? '' : 's'})`;
  }
  return `failed at ${h.stage}: ${h.error}`;
}

function featureNeeds(f: FeatureVerdict): string {
  return [...f.requires, ...f.optional.map((h) => `(${h})`)].join(' ');
}

/** Pure: the report for people — facts, then a ✓/✗ table of hooks and of features, then the verdict. */
export function renderDoctorText(r: DoctorReport): string {
  const lines: string[] = ['sonde doctor', ''];
  lines.push(...table([
    ['kernel', r.kernel],
    ['BTF', r.btf.available ? `${YES} ${r.btf.path}` : `${NO} no ${r.btf.path}`],
    ['privileges', privilegesText(r.privileges)],
    ['L7 parsing', r.privileges.idleParsing
      ? `${YES} at SCHED_IDLE (CAP_SYS_NICE held): only on CPU time the workload leaves`
      : `${NO} at the normal class: without CAP_SYS_NICE it competes with the workload for CPU (l7.parse_priority)`],
    ['cgroup v2', r.cgroup2.path !== null ? `${YES} ${r.cgroup2.path}` : `${NO} not mounted (cgroup_skb and sockops need it)`],
    ['tracefs', tracefsText(r.tracefs)],
  ]));

  lines.push('', 'hooks (each loaded alone, attached and made to fire)');
  const hookRows: string[][] = [['hook', 'works', 'detail']];
  for (const h of r.hooks) {
    hookRows.push([h.hook, mark(h.works), hookDetail(h)]);
    if (!h.works && h.hint !== null) hookRows.push(['', '', `  ${h.hint}`]);
  }
  lines.push(...table(hookRows));

  lines.push('', 'features');
  lines.push(...table([
    ['feature', 'runs', 'needs', 'note'],
    ...r.features.map((f) => [f.feature, f.planned ? 'planned' : f.runs ? (f.full ? YES : `${YES} partial`) : NO, featureNeeds(f), f.note]),
  ]));

  lines.push('');
  if (r.canRun) lines.push('sonde can run on this machine.');
  else for (const reason of r.reasons) lines.push(`sonde cannot run: ${reason}`);
  return lines.join('\n') + '\n';
}
