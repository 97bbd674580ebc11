import { native, type NativeHandle, type NativeRingbufStats } from './native.js';

/**
 * One wake-up's records: `buffer` holds them 8-byte aligned, `index` has (offset, length) pairs.
 * Decoders read with a DataView over `buffer`; nothing is copied per record.
 */
export interface RawBatch {
  buffer: ArrayBuffer;
  index: Uint32Array;
  count: number;
}

export type BatchHandler = (batch: RawBatch) => void;

/** Consumes a BPF ring buffer on a native thread; `onBatch` runs on the JS thread. */
export class RingBuffer {
  readonly name: string;
  #handle: NativeHandle | null;

  /**
   * `queueDepth`: batches the native thread may hand over before JavaScript takes them; past
   * it, records wait in the kernel ring.
   */
  constructor(name: string, mapFd: number, onBatch: BatchHandler, intervalMs = 0, queueDepth = 16) {
    this.name = name;
    this.#handle = native().ringbufOpen(mapFd, (buffer, index) => {
      onBatch({ buffer, index, count: index.length / 2 });
    }, intervalMs, queueDepth);
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
