// The kernel's segment budget, adapted to what user space keeps up with. When the l7-segments
// queue drops (the agent starved of CPU on a saturated host, or parsing slower than the budget
// assumed), the budget halves: segments the agent could not parse are then tallied in the
// kernel and still counted, where dropped ones are lost to the metrics. It grows back by a
// quarter after every few quiet periods, up to the configured ceiling.

/** Quiet periods (no drops) before the budget grows again. */
const QUIET_PERIODS = 5;
const GROWTH = 1.25;

export class SegmentBudget {
  readonly ceiling: number;
  readonly floor: number;
  #current: number;
  #quiet = 0;

  /** `ceiling` per CPU per second (configured); the budget never goes below `ceiling / 16`. */
  constructor(ceiling: number) {
    if (!(ceiling > 0) || !Number.isFinite(ceiling)) throw new RangeError(`segment budget must be a positive number, got ${String(ceiling)}`);
    this.ceiling = Math.ceil(ceiling);
    this.floor = Math.max(1, Math.ceil(this.ceiling / 16));
    this.#current = this.ceiling;
  }

  get current(): number {
    return this.#current;
  }

  /** One period's queue drops in; the budget to set (changed or not) out. */
  update(dropped: number): number {
    if (dropped > 0) {
      this.#quiet = 0;
      this.#current = Math.max(this.floor, Math.floor(this.#current / 2));
    } else if (this.#current < this.ceiling && ++this.#quiet >= QUIET_PERIODS) {
      this.#quiet = 0;
      this.#current = Math.min(this.ceiling, Math.ceil(this.#current * GROWTH));
    }
    return this.#current;
  }
}
