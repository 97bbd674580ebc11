// How many span rows per second the store keeps. Every span reaches the rollups (the UI's
// counts); past this rate only a share becomes a row for the requests explorer. At 10k records/s
// the row writes were the agent's largest cost (~0.15 of a core on the bench host); the explorer
// does not need every one of them to show what is going on.

export const DEFAULT_SPAN_ROWS_PER_SECOND = 2000;
/** Errors get a bucket of their own, this share of the rate, so a flood of successes never hides them. */
const ERROR_SHARE = 0.25;
/** Bursts of this many seconds' worth pass whole. */
const BURST_SECONDS = 2;

class TokenBucket {
  readonly #rate: number;
  readonly #depth: number;
  #tokens: number;
  #last: number;

  constructor(ratePerSecond: number, nowMs: number) {
    this.#rate = ratePerSecond;
    this.#depth = Math.max(1, ratePerSecond * BURST_SECONDS);
    this.#tokens = this.#depth;
    this.#last = nowMs;
  }

  take(nowMs: number): boolean {
    if (nowMs > this.#last) {
      this.#tokens = Math.min(this.#depth, this.#tokens + ((nowMs - this.#last) / 1000) * this.#rate);
      this.#last = nowMs;
    }
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }
}

/** Decides per span whether it becomes a row; Infinity keeps every one. Per span: arithmetic only. */
export class RowBudget {
  readonly perSecond: number;
  readonly #now: () => number;
  readonly #all: TokenBucket | null;
  readonly #errors: TokenBucket | null;

  constructor(perSecond: number, now: () => number = Date.now) {
    if (!(perSecond > 0)) throw new RangeError(`span rows per second must be positive, got ${String(perSecond)}`);
    this.perSecond = perSecond;
    this.#now = now;
    const t = now();
    this.#all = Number.isFinite(perSecond) ? new TokenBucket(perSecond, t) : null;
    this.#errors = Number.isFinite(perSecond) ? new TokenBucket(perSecond * ERROR_SHARE, t) : null;
  }

  admit(error: boolean): boolean {
    if (this.#all === null) return true;
    const t = this.#now();
    if (this.#all.take(t)) return true;
    return error && this.#errors !== null && this.#errors.take(t);
  }
}
