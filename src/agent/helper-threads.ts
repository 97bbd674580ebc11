/** What moving threads between classes needs from the kernel (thread-class.ts in the agent). */
export interface ThreadClassControl {
  /** Puts a thread of this process at SCHED_IDLE (true) or SCHED_OTHER (false); throws when it cannot. */
  setClass: (tid: number, idle: boolean) => void;
  /** The threads the watchdog promotes along with the agent's thread. */
  setWatchdogCompanions: (tids: readonly number[]) => void;
}

/** The watchdog's companions hold at most this many threads (native/sched.c). */
export const MAX_HELPERS = 64;

/**
 * Node's helper threads (V8's GC and compiler workers, libuv's pool) and sonde's ring buffer
 * consumers, moved between the classes with the agent's thread (IdleRest's onClassChange) and
 * promoted with it by the watchdog. Inside garbage collection the agent's thread waits for
 * workers that already took a task, and a worker starved at SCHED_IDLE held it for seconds. The
 * consumers at the normal class cost nginx a little p99 under a light load (docs/resources.md).
 * They are listed at the first move, once every ring has its consumer. If one cannot be moved,
 * it says so once and leaves them all at the normal class.
 */
export class HelperThreads {
  #tids: readonly number[] | null = null;
  readonly #find: () => readonly number[];
  readonly #control: ThreadClassControl;
  readonly #onError: (err: Error) => void;

  /** `find` lists them (from /proc/self/task); what it throws is reported like a failed move. */
  constructor(find: () => readonly number[], control: ThreadClassControl, onError: (err: Error) => void) {
    this.#find = find;
    this.#control = control;
    this.#onError = onError;
  }

  /** The threads being moved (none before the first move, or once one could not be). */
  get tids(): readonly number[] {
    return this.#tids ?? [];
  }

  move(idle: boolean): void {
    if (this.#tids === null) {
      try {
        this.#tids = this.#find().slice(0, MAX_HELPERS);
        this.#control.setWatchdogCompanions(this.#tids);
      } catch (err) {
        this.#giveUp(err, []);
        return;
      }
    }
    const moved: number[] = [];
    try {
      for (const tid of this.#tids) {
        this.#control.setClass(tid, idle);
        moved.push(tid);
      }
    } catch (err) {
      this.#giveUp(err, idle ? moved : []);
    }
  }

  /** Stops moving any; those already put at SCHED_IDLE go back. */
  #giveUp(err: unknown, atIdle: readonly number[]): void {
    this.#tids = [];
    try {
      this.#control.setWatchdogCompanions([]);
    } catch {
      // Nothing registered that could matter: the list is empty either way.
    }
    for (const tid of atIdle) {
      try {
        this.#control.setClass(tid, false);
      } catch {
        // Gone since, or as stuck as the one that failed.
      }
    }
    this.#onError(new Error(`l7.parse_priority: node's helper threads stay at the normal class: ${(err as Error).message}`));
  }
}
