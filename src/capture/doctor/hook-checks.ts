import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { DoctorSlot, DOCTOR_EVENT_SIZE, readDoctorEvent } from '../../decode/generated/doctor.js';
import { BpfObject } from '../../kernel/bpf-object.js';
import { isBpfError } from '../../kernel/errors.js';
import { native } from '../../kernel/native.js';
import { bpfObjectPath } from '../../kernel/package-root.js';
import { readLibcPath } from './system-facts.js';

export const HOOK_KINDS = [
  'tracepoint',
  'btf_tracepoint',
  'raw_tracepoint',
  'uprobe',
  'perf_event',
  'cgroup_skb',
  'sockops',
  'kprobe',
  'fentry',
  'ringbuf',
] as const;

export type HookKind = (typeof HOOK_KINDS)[number];
export type HookStage = 'load' | 'attach' | 'fire';

export type HookResult =
  | { hook: HookKind; program: string; target: string; works: true; hits: number }
  | { hook: HookKind; program: string; target: string; works: false; stage: HookStage; error: string; hint: string | null };

export interface HookCheckOptions {
  /** cgroup v2 mount to attach cgroup_skb and sockops to; null when there is none. */
  cgroup2: string | null;
  /** Whether this process holds the needed privileges; only used to explain EPERM. */
  privileged?: boolean;
  /** Per check: how long making the hook fire and seeing its hit may take. */
  timeoutMs?: number;
  objectPath?: string;
}

const DEFAULT_TIMEOUT_MS = 2000;
const POLL_MS = 5;

/** Whose activity counts, and how to make it happen. */
interface Trigger {
  tgid: number;
  fire(timeoutMs: number): Promise<void>;
  dispose(): void;
}

interface Probe {
  program: string;
  slot: number;
  target(opts: HookCheckOptions): string;
  prepare?(): Promise<Trigger>;
  attach(obj: BpfObject, program: string, opts: HookCheckOptions, seen: SeenCounter): void;
  fire?(timeoutMs: number): Promise<void> | void;
}

/** Hits noticed in user space, for hooks whose proof is not (only) the hits map. */
interface SeenCounter {
  tgid: number;
  count: number;
  fromUserSpace: boolean;
}

class StageError extends Error {
  constructor(readonly stage: HookStage, message: string) {
    super(message);
  }
}

function thisProcess(fire: (timeoutMs: number) => Promise<void> | void): Trigger {
  return { tgid: process.pid, fire: async (ms) => fire(ms), dispose: () => {} };
}

function forkChild(): void {
  spawnSync('/bin/true', { stdio: 'ignore' });
}

function burnCpu(ms: number): void {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  if (x < 0) throw new Error('unreachable');
}

function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** One loopback TCP connection with a byte of data, so egress packets and sockops events happen. */
async function loopbackConnection(timeoutMs: number): Promise<void> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.resume();
  });
  try {
    await within(timeoutMs, 'loopback TCP connection', (async () => {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((resolve, reject) => {
        const client = createConnection({ host: '127.0.0.1', port });
        sockets.push(client);
        client.once('error', reject);
        client.once('connect', () => client.end('x'));
        client.once('close', () => resolve());
        client.resume();
      });
    })());
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
}

/**
 * kprobe and fentry programs sit on do_nanosleep, which nothing this process can call from JS
 * reaches (Atomics.wait is a futex, timers are epoll). So their target is a child shell that
 * blocks on stdin and then execs `sleep`: exec keeps the pid, so target_tgid (set before load)
 * matches the sleeper, and the nanosleep happens only after the program is attached.
 */
function sleeperChild(): Promise<Trigger> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn('/bin/sh', ['-c', 'read line && exec sleep 0.01'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.stdin?.on('error', () => {
      // The child may be killed before it reads; an EPIPE then says nothing about the hook.
    });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.once('error', reject);
    child.once('spawn', () => {
      if (child.pid === undefined) {
        reject(new Error('sleeper child has no pid'));
        return;
      }
      resolve({
        tgid: child.pid,
        fire: async (ms) => {
          child.stdin?.end('go\n');
          await within(ms, 'sleeper child', exited);
        },
        dispose: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        },
      });
    });
  });
}

function requireCgroup2(opts: HookCheckOptions): string {
  if (opts.cgroup2 === null) throw new Error('no cgroup v2 mount in /proc/mounts');
  return opts.cgroup2;
}

let libcPath: string | null | undefined;
function libc(): string | null {
  if (libcPath === undefined) libcPath = readLibcPath();
  return libcPath;
}

const PROBES: Record<HookKind, Probe> = {
  tracepoint: {
    program: 'doctor_tracepoint',
    slot: DoctorSlot.TRACEPOINT,
    target: () => 'tp/syscalls/sys_enter_getppid',
    attach: (obj, prog) => obj.attach(prog),
    // process.ppid is a getppid(2) each time it is read.
    fire: () => void process.ppid,
  },
  btf_tracepoint: {
    program: 'doctor_btf_tracepoint',
    slot: DoctorSlot.BTF_TRACEPOINT,
    target: () => 'tp_btf/sched_process_fork',
    attach: (obj, prog) => obj.attach(prog),
    fire: forkChild,
  },
  raw_tracepoint: {
    program: 'doctor_raw_tracepoint',
    slot: DoctorSlot.RAW_TRACEPOINT,
    target: () => 'raw_tp/sched_process_fork',
    attach: (obj, prog) => obj.attach(prog),
    // The fork tracepoint runs in the parent, so the fork of a child is this process's own hit.
    fire: forkChild,
  },
  uprobe: {
    program: 'doctor_uprobe',
    slot: DoctorSlot.UPROBE,
    target: () => `uprobe ${libc() ?? 'libc'}:gethostname`,
    attach: (obj, prog) => {
      const binary = libc();
      if (binary === null) throw new Error('no libc found in /proc/self/maps');
      obj.attachUprobe(prog, { binary, func: 'gethostname', pid: process.pid });
    },
    // libuv's uv_os_gethostname calls libc's gethostname().
    fire: () => void hostname(),
  },
  perf_event: {
    program: 'doctor_perf_event',
    slot: DoctorSlot.PERF_EVENT,
    target: () => 'perf_event software cpu-clock 999 Hz',
    attach: (obj, prog) => {
      const PERF_TYPE_SOFTWARE = 1;
      const PERF_COUNT_SW_CPU_CLOCK = 0;
      // pid = this thread on any CPU: the burn below runs on this (the main) thread.
      const fd = native().perfEventOpen(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, 999, process.pid, -1);
      try {
        obj.attachPerfEvent(prog, fd);
      } catch (err) {
        // Once attached, the link owns the fd and closes it on destroy; before that it is ours.
        native().closeFd(fd);
        throw err;
      }
    },
    fire: () => burnCpu(100),
  },
  cgroup_skb: {
    program: 'doctor_cgroup_skb',
    slot: DoctorSlot.CGROUP_SKB,
    target: (opts) => `cgroup_skb/egress ${opts.cgroup2 ?? '(no cgroup v2)'}`,
    attach: (obj, prog, opts) => obj.attachCgroup(prog, requireCgroup2(opts)),
    fire: loopbackConnection,
  },
  sockops: {
    program: 'doctor_sockops',
    slot: DoctorSlot.SOCKOPS,
    target: (opts) => `sockops ${opts.cgroup2 ?? '(no cgroup v2)'}`,
    attach: (obj, prog, opts) => obj.attachCgroup(prog, requireCgroup2(opts)),
    fire: loopbackConnection,
  },
  kprobe: {
    program: 'doctor_kprobe',
    slot: DoctorSlot.KPROBE,
    target: () => 'kprobe/do_nanosleep',
    prepare: sleeperChild,
    attach: (obj, prog) => obj.attach(prog),
  },
  fentry: {
    program: 'doctor_fentry',
    slot: DoctorSlot.FENTRY,
    target: () => 'fentry/do_nanosleep',
    prepare: sleeperChild,
    attach: (obj, prog) => obj.attach(prog),
  },
  ringbuf: {
    program: 'doctor_ringbuf',
    slot: DoctorSlot.RINGBUF,
    target: () => 'ringbuf doctor_events (tp/syscalls/sys_enter_getppid)',
    attach: (obj, prog, _opts, seen) => {
      // The proof is a record delivered to user space, not the in-kernel counter.
      seen.fromUserSpace = true;
      obj.attach(prog);
      obj.ringBuffer('doctor_events', (batch) => {
        const view = new DataView(batch.buffer);
        for (let i = 0; i < batch.count; i++) {
          const at = batch.index[2 * i] ?? 0;
          const len = batch.index[2 * i + 1] ?? 0;
          if (len < DOCTOR_EVENT_SIZE) continue;
          const event = readDoctorEvent(view, at);
          if (event.slot === DoctorSlot.RINGBUF && event.pid === seen.tgid) seen.count++;
        }
      });
    },
    fire: () => void process.ppid,
  },
};

function describeError(err: unknown): string {
  if (isBpfError(err)) return `${err.code}: ${err.message}`;
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return typeof code === 'string' && !err.message.startsWith(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/** Why a failure happened, where the kernel leaves evidence of it. */
function hintFor(hook: HookKind, stage: HookStage, err: unknown, opts: HookCheckOptions): string | null {
  const code = isBpfError(err) ? err.code : (err as NodeJS.ErrnoException | undefined)?.code;
  if (hook === 'kprobe' && stage === 'attach'
    && !existsSync('/sys/bus/event_source/devices/kprobe')
    && !existsSync('/sys/kernel/tracing/kprobe_events')
    && !existsSync('/sys/kernel/debug/tracing/kprobe_events')) {
    return 'kernel built without kprobes (no kprobe PMU, no kprobe_events)';
  }
  if ((code === 'EPERM' || code === 'EACCES') && opts.privileged === false) {
    return hook === 'cgroup_skb' || hook === 'sockops' ? 'needs root or CAP_BPF + CAP_NET_ADMIN' : 'needs root or CAP_BPF + CAP_PERFMON';
  }
  if (hook === 'fentry' && code === 'EPERM') {
    return 'kernel refuses BPF trampolines (fentry/fexit) even with full privileges';
  }
  if (code === 'EPERM' && stage === 'load') return 'refused by the kernel despite privileges (lockdown or a disabled program type)';
  return null;
}

function readHits(obj: BpfObject, slot: number): number {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(slot);
  const value = obj.map('hits').lookup(key);
  return value === null ? 0 : Number(value.readBigUInt64LE(0));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Loads one hook kind's program alone, attaches it, makes it fire and reads its hits. Never throws. */
export async function checkHook(hook: HookKind, opts: HookCheckOptions): Promise<HookResult> {
  const probe = PROBES[hook];
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const base = { hook, program: probe.program, target: probe.target(opts) };
  let trigger: Trigger | null = null;
  let obj: BpfObject | null = null;
  // Until load starts, a failure is the trigger's: the hook could not be exercised at all.
  let stage: HookStage = 'fire';
  try {
    const fire = probe.fire;
    trigger = probe.prepare
      ? await within(timeoutMs, 'starting the trigger', probe.prepare())
      : thisProcess(fire ?? (() => {}));
    const seen: SeenCounter = { tgid: trigger.tgid, count: 0, fromUserSpace: false };

    stage = 'load';
    obj = BpfObject.open(opts.objectPath ?? bpfObjectPath('doctor'));
    obj.onlyPrograms([probe.program]).setGlobalU32('target_tgid', trigger.tgid).load();

    stage = 'attach';
    probe.attach(obj, probe.program, opts, seen);

    stage = 'fire';
    const deadline = performance.now() + timeoutMs;
    await within(timeoutMs, `making ${hook} fire`, trigger.fire(timeoutMs));
    const loaded = obj;
    const hits = () => (seen.fromUserSpace ? seen.count : readHits(loaded, probe.slot));
    while (hits() === 0) {
      if (performance.now() >= deadline) {
        throw new StageError('fire', `attached, but no hit within ${timeoutMs} ms of ${base.target}`);
      }
      await sleep(POLL_MS);
    }
    return { ...base, works: true, hits: hits() };
  } catch (err) {
    const failedAt = err instanceof StageError ? err.stage : stage;
    return { ...base, works: false, stage: failedAt, error: describeError(err), hint: hintFor(hook, failedAt, err, opts) };
  } finally {
    try {
      obj?.close();
    } catch {
      // A failed cleanup must not turn a result into a throw; the object is gone with the process anyway.
    }
    trigger?.dispose();
  }
}

/**
 * Checks every hook kind, one after another: the checks share this process (its forks, its CPU
 * time, its sockets), so running them together would let one's activity pass another.
 */
export async function runHookChecks(opts: HookCheckOptions, hooks: readonly HookKind[] = HOOK_KINDS): Promise<HookResult[]> {
  const results: HookResult[] = [];
  for (const hook of hooks) results.push(await checkHook(hook, opts));
  return results;
}
