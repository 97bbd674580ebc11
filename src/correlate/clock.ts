/**
 * Converts kernel timestamps (bpf_ktime_get_ns: CLOCK_MONOTONIC) to wall-clock milliseconds.
 * process.hrtime is CLOCK_MONOTONIC too, so one offset taken at start serves every event.
 */
export class MonotonicClock {
  readonly #offsetMs: number;

  constructor(nowMs = Date.now(), monotonicNs = process.hrtime.bigint()) {
    this.#offsetMs = nowMs - Number(monotonicNs) / 1e6;
  }

  toWallMs(monotonicNs: number): number {
    return monotonicNs / 1e6 + this.#offsetMs;
  }

  nowMonotonicNs(): number {
    return Number(process.hrtime.bigint());
  }
}
