// L7 batches handled in slices of bounded wall time. A slice runs at SCHED_IDLE (when idle
// parsing is on), and between slices the event loop runs: timers, flows, /metrics and the API.
// A whole 1 MiB batch parsed in one go at SCHED_IDLE took up to 2.8 s of wall time on CPUs the
// workload kept busy, and nothing else on the thread ran meanwhile.
//
// A batch is released (its ring-buffer slot acknowledged) only once all its records are
// handled, so a backlog waits in the kernel's ring, which sheds to the tallies, never here.

import type { RawBatch } from '../kernel/ring-buffer.js';

/** Records handled between two looks at the clock: a fraction of a millisecond of parsing. */
export const RECORDS_PER_CHECK = 64;

export interface SlicedBatchesOptions {
  /** Runs one slice's work (at SCHED_IDLE when idle parsing is on). */
  runSlice: (work: () => void) => void;
  /** Handles records [from, to) of a batch. What it throws goes to onError; those records are lost. */
  handle: (batch: RawBatch, from: number, to: number) => void;
  onError?: (err: unknown) => void;
  /** Wall time a slice may take before the event loop gets a turn. */
  sliceMs: number;
  now?: () => number;
  /** Runs the next slice after the event loop's turn. */
  schedule?: (next: () => void) => void;
}

interface PendingBatch {
  batch: RawBatch;
  next: number;
  release: () => void;
}

export class SlicedBatches {
  readonly #pending: PendingBatch[] = [];
  readonly #options: SlicedBatchesOptions;
  readonly #now: () => number;
  readonly #schedule: (next: () => void) => void;
  #scheduled = false;
  #slices = 0;

  constructor(options: SlicedBatchesOptions) {
    if (!(options.sliceMs > 0)) throw new RangeError(`sliceMs must be positive, got ${options.sliceMs}`);
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#schedule = options.schedule ?? ((next) => setImmediate(next));
  }

  /** Takes a batch; `release` is called once all its records are handled. Starts a slice unless one is due. */
  add(batch: RawBatch, release: () => void): void {
    this.#pending.push({ batch, next: 0, release });
    if (!this.#scheduled) this.#slice();
  }

  /** Batches not handled in full yet. */
  get backlog(): number {
    return this.#pending.length;
  }

  /** Slices run so far. */
  get slices(): number {
    return this.#slices;
  }

  /** Handles everything pending now, in one go (shutdown). */
  flush(): void {
    while (this.#pending.length > 0) this.#step();
  }

  #slice(): void {
    this.#scheduled = false;
    this.#slices++;
    const deadline = this.#now() + this.#options.sliceMs;
    try {
      this.#options.runSlice(() => {
        while (this.#pending.length > 0) {
          this.#step();
          if (this.#now() >= deadline) break;
        }
      });
    } catch (err) {
      // Never out of a ring-buffer callback or an immediate: that would end the agent.
      this.#options.onError?.(err);
    } finally {
      // Even after a handler's error: the records behind it still get their turn.
      if (this.#pending.length > 0 && !this.#scheduled) {
        this.#scheduled = true;
        this.#schedule(() => this.#slice());
      }
    }
  }

  /** Moves past the records before handling them: a handler that throws loses those, never loops. */
  #step(): void {
    const head = this.#pending[0]!;
    const from = head.next;
    const to = Math.min(from + RECORDS_PER_CHECK, head.batch.count);
    head.next = to;
    if (to >= head.batch.count) {
      this.#pending.shift();
      head.release();
    }
    this.#options.handle(head.batch, from, to);
  }
}
