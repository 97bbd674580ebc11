/** One measurement: start a condition, run the client against it, read the agent, stop it. */
import { performance } from 'node:perf_hooks';
import type { AgentSample, Condition, ConditionName } from './conditions.js';
import { loadedBpfPrograms, otherCpuSeconds, userProcessesCpuSeconds } from './host.js';
import { sleep } from './processes.js';
import { runClient, type ClientResult, type WorkloadServer } from './workload.js';

/** After the client is done, time for the agent to take in the last closes before the final sample. */
const SETTLE_MS = 500;
/**
 * Above this much CPU used by other processes during a measurement (in CPUs: 0.1 = a tenth of
 * one), the measurement is disturbed. Other people's builds and tests share these 2 cores.
 */
export const NOISY_OTHER_CPUS = 0.1;

export interface AgentResult {
  cpuSeconds: number;
  cpuMsPer1kConnections: number;
  /** The same over the unmeasured warm-up after the agent started (null: none): a fresh agent's cost. */
  warmupCpuMsPer1kConnections: number | null;
  connectionsSeen: number | null;
  /** Connections the agent reported / (2 × connections the client opened): both ends are seen. */
  completeness: number | null;
  ringbufDropped: number | null;
  pipelineDropped: number | null;
  readyMs: number | null;
  readyLoggedMs: number | null;
  /** Names of the BPF programs the agent held: what "attached" meant for this build. */
  bpfPrograms: string[] | null;
  detach: string;
}

export interface Measurement {
  round: number;
  position: number;
  condition: ConditionName;
  connectionsPerSecond: number;
  completed: number;
  opened: number;
  failed: number;
  firstError: string | null;
  seconds: number;
  agent: AgentResult | null;
  /**
   * BPF programs someone else had loaded around this measurement (null: bpftool missing): another
   * agent or a kernel test tracing the same connections, which makes even a baseline a traced one.
   */
  foreignBpfPrograms: string[] | null;
  /** CPUs' worth of time other user-space processes used meanwhile (a lower bound). */
  otherCpus: number;
  /** sonde's build digest when it was started (sonde only). */
  agentBuild: string | null;
}

/**
 * Why a measurement does not measure only what it says, or null. `sondeBuild` is the build the
 * run started with: others rebuild the checkout as they work, and one run must measure one build.
 */
export function disturbance(m: Pick<Measurement, 'agentBuild' | 'foreignBpfPrograms' | 'otherCpus'>, sondeBuild: string | null): string | null {
  if (m.agentBuild !== null && sondeBuild !== null && m.agentBuild !== sondeBuild) return `sonde was rebuilt during the run (${sondeBuild} -> ${m.agentBuild})`;
  if (m.foreignBpfPrograms?.length) return `others' BPF programs loaded: ${m.foreignBpfPrograms.join(', ')}`;
  if (m.otherCpus > NOISY_OTHER_CPUS) return `other processes used ${m.otherCpus.toFixed(2)} CPU`;
  return null;
}

const delta = (after: number | null, before: number | null): number | null => (after === null || before === null ? null : after - before);

/** Names of the loaded BPF programs that are `own`, and of those that are neither that nor resident. */
export function bpfProgramsByOwner(own: readonly number[], resident: ReadonlySet<number>): { mine: string[]; foreign: Set<string> } | null {
  const loaded = loadedBpfPrograms();
  if (loaded === null) return null;
  const mine = loaded.filter((p) => own.includes(p.id)).map((p) => p.name).sort();
  return { mine, foreign: new Set(loaded.filter((p) => !own.includes(p.id) && !resident.has(p.id)).map((p) => p.name)) };
}

export interface MeasureContext {
  server: WorkloadServer;
  seconds: number;
  /** Unmeasured load after the condition starts (0: none); see BenchOptions.warmup. */
  warmupSeconds: number;
  /** BPF programs loaded before the bench started (systemd's, say): part of the host, not a disturbance. */
  residentBpfProgIds: ReadonlySet<number>;
}

export async function measure(condition: Condition, ctx: MeasureContext, round: number, position: number): Promise<Measurement> {
  const { server, seconds, residentBpfProgIds: resident } = ctx;
  const attached = await condition.start();
  // The client is in neither CPU snapshot: it starts after the first and has exited by the second.
  const ours = new Set([process.pid, server.pid, ...(attached.pid === null ? [] : [attached.pid])]);
  let client: ClientResult;
  let before: AgentSample | null;
  let after: AgentSample | null;
  let programs: ReturnType<typeof bpfProgramsByOwner>;
  let otherCpus: number;
  let warmupCpuMsPer1k: number | null = null;
  try {
    if (ctx.warmupSeconds > 0) {
      const cpuBefore = await attached.sample();
      const load = await runClient(server.port, ctx.warmupSeconds);
      if (cpuBefore !== null) await sleep(SETTLE_MS);
      const cpuAfter = await attached.sample();
      if (cpuBefore !== null && cpuAfter !== null && load.opened > 0) warmupCpuMsPer1k = ((cpuAfter.cpuSeconds - cpuBefore.cpuSeconds) * 1000) / (load.opened / 1000);
    }
    programs = bpfProgramsByOwner(attached.progIds, resident);
    const [cpu0, t0] = [userProcessesCpuSeconds(), performance.now()];
    before = await attached.sample();
    client = await runClient(server.port, seconds);
    if (before !== null) await sleep(SETTLE_MS);
    after = await attached.sample();
    const [cpu1, t1] = [userProcessesCpuSeconds(), performance.now()];
    otherCpus = otherCpuSeconds(cpu0, cpu1, ours) / ((t1 - t0) / 1000);
    for (const name of bpfProgramsByOwner(attached.progIds, resident)?.foreign ?? []) programs?.foreign.add(name);
  } catch (err) {
    await attached.stop().catch((stopErr: unknown) => console.error(`bench: also failed to stop ${condition.name}: ${(stopErr as Error).message}`));
    throw err;
  }
  const detach = await attached.stop();

  let agent: AgentResult | null = null;
  if (before !== null && after !== null) {
    const cpuSeconds = after.cpuSeconds - before.cpuSeconds;
    const seen = delta(after.connections, before.connections);
    agent = {
      cpuSeconds,
      cpuMsPer1kConnections: (cpuSeconds * 1000) / (client.opened / 1000),
      warmupCpuMsPer1kConnections: warmupCpuMsPer1k,
      connectionsSeen: seen,
      completeness: seen === null ? null : seen / (2 * client.opened),
      ringbufDropped: delta(after.ringbufDropped, before.ringbufDropped),
      pipelineDropped: delta(after.pipelineDropped, before.pipelineDropped),
      readyMs: attached.readyMs,
      readyLoggedMs: attached.readyLoggedMs,
      bpfPrograms: programs?.mine ?? null,
      detach,
    };
  }
  return {
    round,
    position,
    condition: condition.name,
    connectionsPerSecond: client.completed / client.seconds,
    completed: client.completed,
    opened: client.opened,
    failed: client.failed,
    firstError: client.firstError,
    seconds: client.seconds,
    agent,
    foreignBpfPrograms: programs ? [...programs.foreign].sort() : null,
    otherCpus,
    agentBuild: attached.build,
  };
}

/** The progress line printed after each measurement. */
export function describe(m: Measurement, sondeBuild: string | null): string {
  const a = m.agent;
  const why = disturbance(m, sondeBuild);
  return `${m.condition.padEnd(8)} ${m.connectionsPerSecond.toFixed(0).padStart(6)} conn/s` +
    (m.failed > 0 ? ` (${m.failed} failed: ${m.firstError})` : '') +
    (a ? ` cpu ${a.cpuMsPer1kConnections.toFixed(1)} ms/1k` : '') +
    (a?.completeness != null ? ` seen ${a.completeness.toFixed(4)}` : '') +
    (a?.readyMs != null ? ` ready ${a.readyMs.toFixed(0)} ms` : '') +
    (why === null ? '' : ` DISTURBED: ${why}`);
}
