/**
 * The four conditions of bench/http, each with bench/flows' start/sample/stop shape: nothing
 * attached, `sonde up` with its defaults (HTTP capture on), and two floors: the syscall floor
 * (empty programs on the read/write family of syscall tracepoints, the hook most agents capture
 * L7 data with) and the skb floor (empty cgroup_skb programs at the cgroup v2 root, sonde's own
 * hook before any of its work).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { baseline as flowsBaseline, sondeCondition as flowsSonde, type Attached } from '../flows/conditions.js';
import { ownedBpfProgIds, procCpuSeconds, waitDetached } from '../flows/host.js';
import { track, waitExit } from '../flows/processes.js';

export type HttpConditionName = 'baseline' | 'sonde' | FloorName;
export type FloorName = 'syscall-floor' | 'skb-floor';

export interface HttpCondition {
  name: HttpConditionName;
  /** Why it cannot run on this machine, or null. */
  unavailable(): string | null;
  start(): Promise<Attached>;
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const isRoot = (): boolean => process.getuid?.() === 0;

export const baseline: HttpCondition = { ...flowsBaseline, name: 'baseline' };

/** Digested with the rest of sonde's build: what this bench measures is mostly L7 capture. */
export const SONDE_DIGEST_FILES = ['bpf/build/l7.bpf.o'] as const;

/** sonde on port 0 for both listeners; the ports come from its "ready in" log line. */
export function sonde(opts: { maxSeconds: number }): HttpCondition {
  return { ...flowsSonde({ maxSeconds: opts.maxSeconds, ephemeralPorts: true, digestFiles: SONDE_DIGEST_FILES }), name: 'sonde' };
}

const floorLoader = fileURLToPath(new URL('floor.js', import.meta.url));
const FLOOR_OBJECTS: Record<FloorName, string> = { 'syscall-floor': 'syscall_floor', 'skb-floor': 'skb_floor' };

export function syscallFloor(opts: { maxSeconds: number }): HttpCondition {
  return floor('syscall-floor', opts);
}

export function skbFloor(opts: { maxSeconds: number }): HttpCondition {
  return floor('skb-floor', opts);
}

function floor(name: FloorName, opts: { maxSeconds: number }): HttpCondition {
  const object = FLOOR_OBJECTS[name];
  const objectPath = `${repoRoot}bpf/build/${object}.bpf.o`;
  return {
    name,
    unavailable: () => {
      if (!isRoot()) return `the ${name} needs root to load BPF programs`;
      if (!existsSync(objectPath)) return `${objectPath} is missing (npm run build)`;
      if (!existsSync(`${repoRoot}build/Release/sonde_native.node`)) return 'the native addon is not built (npm ci / npm run build)';
      return null;
    },
    start: async () => {
      const started = performance.now();
      // stdin is a pipe the loader watches: if the bench dies, the pipe closes and the loader exits.
      const child = track(spawn(process.execPath, [floorLoader, object, String(Math.ceil(opts.maxSeconds))], { stdio: ['pipe', 'pipe', 'pipe'] }));
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
      child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
      const fail = async (why: string): Promise<never> => {
        child.kill('SIGKILL');
        await waitExit(child, 5000);
        throw new Error(`${name}: ${why}\n${stderr.trim()}`);
      };
      let attached: string[] | null = null;
      while (attached === null) {
        if (child.exitCode !== null || child.signalCode !== null) return fail(`loader exited (${child.exitCode ?? child.signalCode}) before attaching`);
        if (performance.now() - started > 30_000) return fail('not attached after 30 s');
        const line = stdout.split('\n')[0];
        if (stdout.includes('\n') && line !== undefined) attached = (JSON.parse(line) as { attached: string[] }).attached;
        else await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const readyMs = performance.now() - started;
      const pid = child.pid!;
      const progIds = ownedBpfProgIds(pid);
      if (progIds.length !== attached.length) return fail(`attached ${attached.length} programs (${attached.join(', ')}) but holds ${progIds.length}`);
      return {
        pid,
        build: null,
        readyMs,
        readyLoggedMs: null,
        progIds,
        sample: async () => ({ cpuSeconds: procCpuSeconds(pid), connections: null, ringbufDropped: null, pipelineDropped: null }),
        stop: async () => {
          child.kill('SIGTERM');
          const code = await waitExit(child, 10_000);
          if (code === null) return fail('did not exit within 10 s of SIGTERM');
          if (code !== 0) throw new Error(`${name}: loader exited ${code} when stopped\n${stderr.trim()}`);
          return waitDetached(name, progIds);
        },
      };
    },
  };
}
