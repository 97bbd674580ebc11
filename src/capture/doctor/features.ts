import type { HookKind, HookResult } from './hook-checks.js';
import type { Privileges } from './system-facts.js';

export const FEATURE_NAMES = ['tcp-flows', 'l7-capture', 'tls', 'profiler', 'system-metrics'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

interface FeatureSpec {
  name: FeatureName;
  gives: string;
  requires: readonly HookKind[];
  /** Hooks that improve the feature, and what is lost without each. */
  optional: readonly { hook: HookKind; without: string }[];
  /** What the agent does without this feature. */
  lost: string;
  /**
   * Not in this build yet (the UI shows its page as a placeholder): listed so a machine can be
   * judged for it ahead of time, never reported as running.
   */
  planned?: true;
}

export const FEATURES: readonly FeatureSpec[] = [
  {
    name: 'tcp-flows',
    gives: 'TCP connections, bytes and owning processes; the service map',
    requires: ['btf_tracepoint', 'ringbuf'],
    optional: [],
    lost: 'no flows or service map, and the agent cannot run',
  },
  {
    name: 'l7-capture',
    gives: 'per-request records (HTTP, gRPC, SQL, ...) and RED metrics from socket buffers',
    // Segments from cgroup_skb; their owners from the flow probes (BTF tracepoints, ring buffer).
    requires: ['cgroup_skb', 'btf_tracepoint', 'ringbuf'],
    optional: [],
    lost: 'no per-request records or RED metrics',
  },
  {
    name: 'tls',
    gives: 'plaintext of TLS traffic from library uprobes',
    requires: ['uprobe'],
    optional: [],
    lost: 'TLS connections show as flows only, without requests',
  },
  {
    name: 'profiler',
    gives: 'sampled CPU profiles',
    requires: ['perf_event'],
    optional: [],
    lost: 'no CPU profiles',
    planned: true,
  },
  {
    name: 'system-metrics',
    gives: 'process, scheduler and block I/O metrics',
    requires: ['tracepoint', 'btf_tracepoint'],
    optional: [],
    lost: 'no system metrics',
    planned: true,
  },
];

export interface FeatureVerdict {
  feature: FeatureName;
  /** Will run here: in this build, and every required hook works. */
  runs: boolean;
  /** Not in this build yet (then `runs` is false whatever the hooks). */
  planned: boolean;
  /** Runs with every optional hook as well. */
  full: boolean;
  requires: HookKind[];
  optional: HookKind[];
  /** Required or optional hooks that did not work. */
  missing: HookKind[];
  note: string;
}

export interface Assessment {
  features: FeatureVerdict[];
  canRun: boolean;
  reasons: string[];
}

function working(hooks: readonly HookResult[]): Set<HookKind> {
  return new Set(hooks.filter((h) => h.works).map((h) => h.hook));
}

/** Pure: which sonde features will run given the hooks that were seen to work. */
export function assessFeatures(hooks: readonly HookResult[]): FeatureVerdict[] {
  const ok = working(hooks);
  const verdicts = FEATURES.map((spec) => {
    const missingRequired = spec.requires.filter((h) => !ok.has(h));
    const missingOptional = spec.optional.filter((o) => !ok.has(o.hook));
    const planned = spec.planned === true;
    const runs = !planned && missingRequired.length === 0;
    let note: string;
    if (planned) {
      note = `not in this build yet (${spec.gives}); ` +
        (missingRequired.length === 0 ? `what it will use works here (${spec.requires.join(', ')})` : `it will need ${missingRequired.join(', ')}`);
    } else if (!runs) note = `needs ${missingRequired.join(', ')}: ${spec.lost}`;
    else if (missingOptional.length > 0) note = missingOptional.map((o) => `without ${o.hook}: ${o.without}`).join('; ');
    else note = spec.gives;
    return {
      feature: spec.name,
      runs,
      planned,
      full: runs && missingOptional.length === 0,
      requires: [...spec.requires],
      optional: spec.optional.map((o) => o.hook),
      missing: [...missingRequired, ...missingOptional.map((o) => o.hook)],
      note,
    };
  });
  // Say what still works next to what is off, so a partial machine reads as usable.
  const running = verdicts.filter((v) => v.runs).map((v) => v.feature);
  for (const v of verdicts) {
    if (!v.runs && !v.planned) v.note += running.length > 0 ? ` (still running: ${running.join(', ')})` : '';
  }
  return verdicts;
}

function privilegeReason(p: Privileges): string {
  const missing = p.missing.join(', ');
  return p.root
    ? `running as root but missing effective ${missing} — grant them (a container needs them added, or --privileged)`
    : `not root and missing ${missing} — run as root or grant them`;
}

function hookFailure(hooks: readonly HookResult[], hook: HookKind): string {
  const r = hooks.find((h) => h.hook === hook);
  if (r === undefined) return `${hook}: not checked`;
  return r.works ? `${hook}: works` : `${hook} failed at ${r.stage}: ${r.error}`;
}

/** Pure: features plus whether the agent can run at all, with the reasons when it cannot. */
export function assessDoctor(input: {
  privileges: Privileges;
  btf: { available: boolean; path: string };
  hooks: readonly HookResult[];
}): Assessment {
  const features = assessFeatures(input.hooks);
  const reasons: string[] = [];
  if (!input.privileges.sufficient) reasons.push(privilegeReason(input.privileges));
  if (!input.btf.available) {
    reasons.push(`no kernel BTF at ${input.btf.path} — sonde's CO-RE programs need a kernel built with CONFIG_DEBUG_INFO_BTF=y`);
  }
  const flows = features.find((f) => f.feature === 'tcp-flows');
  if (flows !== undefined && !flows.runs) {
    const broken = flows.requires.filter((h) => flows.missing.includes(h));
    reasons.push(`tcp-flows needs ${broken.join(' and ')}, which did not work here (${broken.map((h) => hookFailure(input.hooks, h)).join('; ')})`);
  }
  return { features, canRun: reasons.length === 0, reasons };
}
