import { assessDoctor } from '../capture/doctor/features.js';
import { runHookChecks } from '../capture/doctor/hook-checks.js';
import { buildDoctorReport, renderDoctorText, type DoctorReport } from '../capture/doctor/report.js';
import { readSystemFacts } from '../capture/doctor/system-facts.js';
import { ensureTracefs } from '../kernel/tracefs.js';

/** Gathers the facts, runs every hook check on this machine and judges the result. */
export async function collectDoctorReport(opts: { timeoutMs?: number } = {}): Promise<DoctorReport> {
  const facts = readSystemFacts();
  // Before the checks: the tp/ tracepoint check attaches through tracefs.
  const tracefs = ensureTracefs();
  const hooks = await runHookChecks({
    cgroup2: facts.cgroup2.path,
    privileged: facts.privileges.sufficient,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
  const assessment = assessDoctor({ privileges: facts.privileges, btf: facts.btf, hooks });
  return buildDoctorReport({ facts, tracefs, hooks, assessment });
}

/** `sonde doctor`: prints the report; 0 when the agent can run here, 1 otherwise. */
export async function runDoctor(flags: { json?: boolean }): Promise<number> {
  const report = await collectDoctorReport();
  process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : renderDoctorText(report));
  return report.canRun ? 0 : 1;
}
