import { readdirSync, readFileSync } from 'node:fs';
import type { Privileges } from '../capture/doctor/system-facts.js';

/**
 * Pure: whether a process with these privileges may leave SCHED_IDLE once it entered it. Without
 * CAP_SYS_NICE the kernel lets a thread go down to SCHED_IDLE but not back to SCHED_OTHER (at
 * nice 0 with the default RLIMIT_NICE), and the agent's flows and API would stay idle too. Where
 * doctor trusts root with unreadable capabilities, this does not: a wrong guess would be stuck.
 */
export function mayLeaveIdleClass(p: Privileges): boolean {
  return p.capEff !== null && p.idleParsing;
}

/**
 * Runs L7 work (batch parsing, sweeps) at SCHED_IDLE when enabled. If a switch fails, it says so
 * once and runs everything at the normal class from then on; work whose switch into SCHED_IDLE
 * failed still runs.
 */
export class IdleRunner {
  #enabled: boolean;
  readonly #atIdle: (work: () => void) => void;
  readonly #onError: (err: Error) => void;

  constructor(enabled: boolean, atIdle: (work: () => void) => void, onError: (err: Error) => void) {
    this.#enabled = enabled;
    this.#atIdle = atIdle;
    this.#onError = onError;
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  run(work: () => void): void {
    if (!this.#enabled) {
      work();
      return;
    }
    let started = false;
    let workFailed = false;
    try {
      this.#atIdle(() => {
        started = true;
        try {
          work();
        } catch (err) {
          workFailed = true;
          throw err;
        }
      });
    } catch (err) {
      // The work's own error is the caller's; only a failed switch turns idle parsing off.
      if (workFailed) throw err;
      this.#enabled = false;
      this.#onError(new Error(`l7.parse_priority: idle stopped, parsing at the normal class: ${(err as Error).message}`));
      if (!started) work();
    }
  }
}

export interface ThreadInfo {
  tid: number;
  comm: string;
}

/**
 * Pure: the threads to put at SCHED_IDLE for good: node's helpers (V8's GC and compiler workers,
 * libuv's pool; they carry node's name). Not the main thread (flows, metrics, API) and not
 * sonde's ring buffer consumers, which must keep draining the flow events.
 */
export function helperThreads(pid: number, threads: readonly ThreadInfo[]): number[] {
  return threads.filter((t) => t.tid !== pid && t.comm === 'node').map((t) => t.tid);
}

/** This process's threads from /proc/self/task (those that exit meanwhile are left out). */
export function ownThreads(): ThreadInfo[] {
  const out: ThreadInfo[] = [];
  for (const name of readdirSync('/proc/self/task')) {
    try {
      out.push({ tid: Number(name), comm: readFileSync(`/proc/self/task/${name}/comm`, 'utf8').trim() });
    } catch {
      // Gone since the listing.
    }
  }
  return out;
}
