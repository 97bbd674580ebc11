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

/**
 * From now on, the calling thread is put back at SCHED_OTHER whenever it has been at SCHED_IDLE
 * (through atIdleClass) for longer than `limitMs`: on CPUs the workload saturates, an idle-class
 * thread gets almost no time and would otherwise hold up everything else it runs (timers, the
 * API) until the load ends. A native thread named sonde-watchdog does it.
 */
export function startIdleWatchdog(limitMs: number): void {
  native().idleWatchdog(limitMs);
}

/** How many times the watchdog brought the thread back to the normal class. */
export function idlePromotions(): number {
  return native().idlePromotions();
}
