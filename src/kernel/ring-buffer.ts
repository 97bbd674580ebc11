import { native, type NativeHandle, type NativeRingbufStats } from './native.js';

/**
 * One wake-up's records: `buffer` holds them 8-byte aligned, `index` has (offset, length) pairs.
 * Decoders read with a DataView over `buffer`; nothing is copied per record.
 */
export interface RawBatch {
  buffer: ArrayBuffer;
  index: Uint32Array;
  count: number;
  /** The ring was empty once this batch was taken: false when more records wait behind it. */
  drained: boolean;
}

/**
 * Takes a batch. Returning true keeps it: the handler then calls `release` once done with it (in
 * acknowledged mode the batch counts against the queue depth until then). Otherwise it is
 * released when the handler returns.
 */
export type BatchHandler = (batch: RawBatch, release: () => void) => boolean | void;

/** Consumes a BPF ring buffer on a native thread; `onBatch` runs on the JS thread. */
export class RingBuffer {
  readonly name: string;
  #handle: NativeHandle | null;

  /**
   * `queueDepth`: batches the native thread may hand over before JavaScript takes them; past
   * it, records wait in the kernel ring. `yieldBetweenBatches`: the next batch comes only after
   * the event loop has had a turn (timers, sockets), however far behind the consumer is; a
   * batch then counts against queueDepth until that turn.
   */
  constructor(name: string, mapFd: number, onBatch: BatchHandler, intervalMs = 0, queueDepth = 16, yieldBetweenBatches = false) {
    this.name = name;
    this.#handle = native().ringbufOpen(mapFd, (buffer, index, drained) => {
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        if (yieldBetweenBatches) setImmediate(() => this.#release());
      };
      let kept = false;
      try {
        kept = onBatch({ buffer, index, count: index.length / 2, drained }, release) === true;
      } finally {
        if (!kept) release();
      }
    }, intervalMs, queueDepth, yieldBetweenBatches);
  }

  #release(): void {
    if (this.#handle !== null) native().ringbufRelease(this.#handle);
  }

  get open(): boolean {
    return this.#handle !== null;
  }

  stats(): NativeRingbufStats {
    if (this.#handle === null) return { records: 0, batches: 0, bytes: 0, pollErrors: 0, lastError: 0 };
    return native().ringbufStats(this.#handle);
  }

  close(): void {
    if (this.#handle === null) return;
    native().ringbufClose(this.#handle);
    this.#handle = null;
  }
}
