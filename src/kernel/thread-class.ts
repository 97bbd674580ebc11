import { native } from './native.js';

/**
 * Runs `work` with the calling thread at SCHED_IDLE, then puts it back at SCHED_OTHER: the work
 * then only uses CPU time nothing else wants, and never preempts the workload. Linux schedules
 * threads, so this is the agent's main thread only, for the time of `work`. Throws (BpfError,
 * op sched_setscheduler) when a switch fails; leaving SCHED_IDLE needs CAP_SYS_NICE.
 */
export function atIdleClass<T>(work: () => T): T {
  const addon = native();
  addon.threadSetIdle(true);
  try {
    return work();
  } finally {
    addon.threadSetIdle(false);
  }
}

/** Puts another thread of this process at SCHED_IDLE for good. */
export function setThreadIdle(tid: number): void {
  native().threadSetIdle(true, tid);
}
