// Record sampling: every exchange is counted by the metrics, but past a sustained rate only a
// weighted share of records is kept. Runs per exchange: a few arithmetic operations, no allocation.

export const DEFAULT_RECORD_BUDGET_PER_SECOND = 10_000;
/**
 * Bucket depth in seconds of budget. Two seconds (20,000 records at the default budget) absorbs
 * a burst of several thousand records on top of traffic running at the full budget, and it
 * still notices a sustained overload within seconds (twice the budget drains it in two) while
 * bounding what an overload adds beyond the budget to two seconds' worth of records.
 */
export const DEFAULT_BURST_SECONDS = 2;
/** The arrival rate that sets the 1-in-N ratio is measured over windows this long. */
const RATE_WINDOW_MS = 1000;

export interface RecordSamplerOptions {
  /** Records per second kept over time; Infinity turns sampling off. */
  readonly budgetPerSecond?: number;
  readonly burstSeconds?: number;
  /** Milliseconds, monotonic enough (a clock stepping back only delays refills). */
  readonly now?: () => number;
}

/**
 * A token bucket (rate = budget, depth = budget × burstSeconds) in front of 1-in-N sampling.
 * While the bucket has tokens every record is kept with weight 1, so bursts are never sampled.
 * Once it is empty, one record in N is kept with weight N, N = ceil(arrival rate / budget)
 * measured over the last second (at least 2), recomputed every second; when the arrival rate
 * falls back to the budget, records are kept whole again.
 *
 * A kept record with weight N is always followed by exactly N-1 dropped ones, even across a
 * change of N, so the weights of kept records add up to the number of offers (up to the one
 * cycle in progress): weighted counts from records stay unbiased.
 */
export class RecordSampler {
  readonly budgetPerSecond: number;
  readonly burst: number;
  readonly #now: () => number;
  #tokens: number;
  #lastRefill: number;
  #windowStart: number;
  #windowCount = 0;
  #previousWindowCount = 0;
  /** 1 while records are kept whole, else the current 1-in-N. */
  #n = 1;
  /** Offers still to drop for the last kept record's weight. */
  #skip = 0;
  #kept = 0;
  #dropped = 0;

  constructor(options: RecordSamplerOptions = {}) {
    const budget = options.budgetPerSecond ?? DEFAULT_RECORD_BUDGET_PER_SECOND;
    if (typeof budget !== 'number' || !(budget > 0)) throw new RangeError(`budgetPerSecond must be a positive number, got ${String(budget)}`);
    const burstSeconds = options.burstSeconds ?? DEFAULT_BURST_SECONDS;
    if (typeof burstSeconds !== 'number' || !(burstSeconds > 0) || !Number.isFinite(burstSeconds)) {
      throw new RangeError(`burstSeconds must be a positive number, got ${String(burstSeconds)}`);
    }
    this.budgetPerSecond = budget;
    this.burst = Math.max(1, budget * burstSeconds);
    this.#now = options.now ?? Date.now;
    this.#tokens = this.burst;
    this.#lastRefill = this.#now();
    this.#windowStart = this.#lastRefill;
  }

  /** The current ratio: 1 when every record is kept, N when one in N is. */
  get weight(): number {
    return this.#n;
  }

  /** Records kept so far. */
  get kept(): number {
    return this.#kept;
  }

  /** Records dropped by sampling so far (each stands inside a kept record's weight). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Call once per exchange: 0 to drop its record, else keep it with this sample weight. */
  offer(): number {
    if (this.budgetPerSecond === Number.POSITIVE_INFINITY) {
      this.#kept++;
      return 1;
    }
    this.#advance(this.#now());
    this.#windowCount++;
    if (this.#skip > 0) {
      this.#skip--;
      this.#dropped++;
      return 0;
    }
    if (this.#n === 1) {
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        this.#kept++;
        return 1;
      }
      // The bucket is empty: the rate has been above budget for longer than a burst.
      this.#n = Math.max(2, this.#ratioFor(Math.max(this.#previousWindowCount, this.#windowCount)));
    }
    this.#skip = this.#n - 1;
    this.#tokens = Math.max(0, this.#tokens - 1);
    this.#kept++;
    return this.#n;
  }

  #ratioFor(arrivalsPerWindow: number): number {
    const rate = arrivalsPerWindow * (1000 / RATE_WINDOW_MS);
    return Math.ceil(rate / this.budgetPerSecond);
  }

  #advance(t: number): void {
    const elapsed = t - this.#lastRefill;
    if (elapsed > 0) {
      this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.budgetPerSecond) / 1000);
      this.#lastRefill = t;
    }
    const sinceWindow = t - this.#windowStart;
    if (sinceWindow < RATE_WINDOW_MS) return;
    // A gap of a whole window or more means nothing arrived in the window before this one.
    this.#previousWindowCount = sinceWindow < 2 * RATE_WINDOW_MS ? this.#windowCount : 0;
    this.#windowCount = 0;
    this.#windowStart = t - (sinceWindow % RATE_WINDOW_MS);
    if (this.#n > 1) {
      const n = this.#ratioFor(this.#previousWindowCount);
      this.#n = n <= 1 ? 1 : n;
    }
  }
}
