import { native } from './native.js';

/**
 * Puts the calling thread at SCHED_IDLE (or, with `idle` false, back at SCHED_OTHER). Linux
 * schedules threads, so this is the agent's main thread only. Entering SCHED_IDLE again restarts
 * the watchdog's clock (startIdleWatchdog). Throws (BpfError, op sched_setscheduler) when a
 * switch fails; leaving SCHED_IDLE needs CAP_SYS_NICE.
 */
export function setOwnThreadIdle(idle: boolean): void {
  native().threadSetIdle(idle);
}

/** Puts another thread of this process at SCHED_IDLE (true) or back at SCHED_OTHER (false). */
export function setThreadIdle(tid: number, idle: boolean): void {
  native().threadSetIdle(idle, tid);
}

/**
 * From now on, the calling thread is put back at SCHED_OTHER whenever `limitMs` have passed since
 * it last entered SCHED_IDLE (setOwnThreadIdle(true)) and it is still there: a thread that enters
 * it again every so often (idle-parsing.ts) is then one the workload starved. On CPUs the
 * workload saturates, an idle-class thread gets almost no time and would otherwise hold up
 * everything it runs (flows, timers, the API) until the load ends. A native thread named
 * sonde-watchdog does it.
 */
export function startIdleWatchdog(limitMs: number): void {
  native().idleWatchdog(limitMs);
}

/**
 * Threads the watchdog puts back at SCHED_OTHER along with the watched one (node's helper
 * threads, which the main thread waits for inside garbage collection, and the ring buffer
 * consumers: helper-threads.ts). At most 64; replaces the last list.
 */
export function setWatchdogCompanions(tids: readonly number[]): void {
  native().watchdogCompanions([...tids]);
}

/** How many times the watchdog brought the thread back to the normal class. */
export function idlePromotions(): number {
  return native().idlePromotions();
}
