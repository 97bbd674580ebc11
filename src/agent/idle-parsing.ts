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
 * Keeps the agent's thread at SCHED_IDLE while L7 capture is active, for all it does then
 * (parsing, flows, timers, the API): it uses only CPU time the workload leaves idle and never
 * preempts it (docs/resources.md). The pipeline calls beat() for each sweep tick while batches or
 * closes keep coming (every 50 ms), and quiet() once they stopped: a quiet thread sleeps at the
 * normal class, so an idle agent costs the watchdog nothing.
 *
 * Each beat enters SCHED_IDLE again, which restarts the watchdog's clock (thread-class.ts): a
 * thread that misses beats for the watchdog's limit is starved, and the watchdog puts it at the
 * normal class. The starved thread's turn there lasts until the next parse slice starts
 * (sliceStarting): the slice it was in, and a turn of the event loop (the API). Staying there
 * until the next beat (up to 50 ms of slices at the normal class) took nginx's p99 under the
 * saturated HTTP bench from ~3 to ~6 ms. (Taking a beat 150 ms late as starved too gave three
 * times the turns, and throughput kept under that bench went down with them.)
 *
 * onClassChange hears of each move between the classes (not of each beat): node's helper threads
 * follow them, since the thread waits for them inside garbage collection.
 *
 * If a switch fails, it says so once and leaves the thread at the normal class from then on.
 */
export interface IdleRestOptions {
  enabled: boolean;
  /** Puts this thread at SCHED_IDLE (true) or SCHED_OTHER (false); throws when it cannot. */
  setIdle: (idle: boolean) => void;
  /** The watchdog's promotions so far. */
  promotions: () => number;
  onError: (err: Error) => void;
  onClassChange?: (idle: boolean) => void;
}

export class IdleRest {
  #enabled: boolean;
  readonly #setIdle: (idle: boolean) => void;
  readonly #promotions: () => number;
  readonly #onError: (err: Error) => void;
  readonly #onClassChange: (idle: boolean) => void;
  #seenPromotions: number;
  #atIdle = false;
  /** Beating: between the first beat and quiet(). */
  #active = false;

  constructor(options: IdleRestOptions) {
    this.#enabled = options.enabled;
    this.#setIdle = options.setIdle;
    this.#promotions = options.promotions;
    this.#onError = options.onError;
    this.#onClassChange = options.onClassChange ?? (() => {});
    this.#seenPromotions = options.enabled ? options.promotions() : 0;
  }

  /** SCHED_IDLE is in use (it was asked for and no switch failed). */
  get enabled(): boolean {
    return this.#enabled;
  }

  /**
   * Active: enters SCHED_IDLE (again), unless the watchdog promoted the thread since: its turn at
   * the normal class then goes on until the next slice starts.
   */
  beat(): void {
    if (!this.#enabled) return;
    this.#active = true;
    const promotions = this.#promotions();
    if (promotions !== this.#seenPromotions) {
      // The watchdog moved the thread (and the helpers) already.
      this.#seenPromotions = promotions;
      this.#toNormal(false);
      return;
    }
    this.#enterIdle();
  }

  /** A parse slice starts: a starved thread's turn at the normal class ends here, back to SCHED_IDLE. */
  sliceStarting(): void {
    if (!this.#enabled || !this.#active) return;
    const promotions = this.#promotions();
    if (this.#atIdle && promotions === this.#seenPromotions) return;
    this.#seenPromotions = promotions;
    // After a promotion #atIdle still says idle, though the watchdog moved the thread and the
    // helpers: all go back.
    this.#atIdle = false;
    this.#enterIdle();
  }

  #enterIdle(): void {
    if (!this.#switch(true)) return;
    if (!this.#atIdle) {
      this.#atIdle = true;
      this.#onClassChange(true);
    }
  }

  /** Nothing to do for a while: back to the normal class, where the watchdog does not time it. */
  quiet(): void {
    this.#active = false;
    if (this.#enabled && this.#atIdle) this.#toNormal(true);
  }

  #toNormal(switchThread: boolean): void {
    const wasIdle = this.#atIdle;
    this.#atIdle = false;
    if (switchThread) this.#switch(false);
    if (wasIdle) this.#onClassChange(false);
  }

  /** quiet(), for good. */
  stop(): void {
    this.quiet();
    this.#enabled = false;
  }

  #switch(idle: boolean): boolean {
    try {
      this.#setIdle(idle);
      return true;
    } catch (err) {
      this.#enabled = false;
      if (this.#atIdle) this.#onClassChange(false);
      this.#atIdle = false;
      this.#onError(new Error(`l7.parse_priority: idle stopped, the agent runs at the normal class: ${(err as Error).message}`));
      if (idle) {
        try {
          this.#setIdle(false);
        } catch {
          // Still at the normal class, most likely: the switch into SCHED_IDLE is what failed.
        }
      }
      return false;
    }
  }
}

export interface ThreadInfo {
  tid: number;
  comm: string;
}

/**
 * Pure: the threads that move between the classes with the agent's main thread
 * (helper-threads.ts): node's helpers (V8's GC and compiler workers, libuv's pool; they carry
 * node's name) and sonde's ring buffer consumers. Not the main thread itself, and not the
 * watchdog, which must stay at the normal class to promote them all.
 */
export function helperThreads(pid: number, threads: readonly ThreadInfo[]): number[] {
  return threads.filter((t) => t.tid !== pid && (t.comm === 'node' || t.comm === 'sonde-ringbuf')).map((t) => t.tid);
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
