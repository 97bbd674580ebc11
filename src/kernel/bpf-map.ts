import { native } from './native.js';

export const MapUpdate = { ANY: 0, NOEXIST: 1, EXIST: 2 } as const;

const PERCPU_TYPES = new Set(['percpu_hash', 'percpu_array', 'lru_percpu_hash', 'percpu_cgroup_storage']);

/** A loaded map, addressed by fd. Values of per-CPU maps come back as one Buffer per CPU. */
export class BpfMap {
  readonly name: string;
  readonly type: string;
  readonly fd: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly perCpu: boolean;
  readonly #cpus: number;
  readonly #stride: number;

  constructor(info: { name: string; type: string; fd: number; keySize: number; valueSize: number; maxEntries: number }) {
    this.name = info.name;
    this.type = info.type;
    this.fd = info.fd;
    this.keySize = info.keySize;
    this.valueSize = info.valueSize;
    this.maxEntries = info.maxEntries;
    this.perCpu = PERCPU_TYPES.has(info.type);
    this.#cpus = this.perCpu ? native().numPossibleCpus() : 1;
    // The kernel lays per-CPU values out on 8-byte boundaries.
    this.#stride = this.perCpu ? Math.ceil(info.valueSize / 8) * 8 : info.valueSize;
  }

  #checkKey(key: Buffer): void {
    if (key.length !== this.keySize) throw new RangeError(`map ${this.name}: key must be ${this.keySize} bytes, got ${key.length}`);
  }

  lookup(key: Buffer): Buffer | null {
    this.#checkKey(key);
    return native().mapLookup(this.fd, key, this.#stride * this.#cpus);
  }

  /** Per-CPU lookup split into one value per possible CPU. */
  lookupPerCpu(key: Buffer): Buffer[] | null {
    const raw = this.lookup(key);
    if (raw === null) return null;
    const out: Buffer[] = [];
    for (let cpu = 0; cpu < this.#cpus; cpu++) out.push(raw.subarray(cpu * this.#stride, cpu * this.#stride + this.valueSize));
    return out;
  }

  update(key: Buffer, value: Buffer, flags: number = MapUpdate.ANY): void {
    this.#checkKey(key);
    if (value.length !== this.#stride * this.#cpus && value.length !== this.valueSize) {
      throw new RangeError(`map ${this.name}: value must be ${this.valueSize} bytes, got ${value.length}`);
    }
    native().mapUpdate(this.fd, key, value, flags);
  }

  delete(key: Buffer): boolean {
    this.#checkKey(key);
    return native().mapDelete(this.fd, key);
  }

  *keys(): Generator<Buffer> {
    let key: Buffer | null = null;
    for (;;) {
      key = native().mapNextKey(this.fd, key, this.keySize);
      if (key === null) return;
      yield key;
    }
  }

  /** Number of entries, counted in native code (one call however large the map). */
  count(): number {
    return native().mapCount(this.fd, this.keySize);
  }

  /** Every entry, by batch lookup where the map type allows it. */
  dump(max = this.maxEntries): Array<{ key: Buffer; value: Buffer }> {
    const { keys, values, count } = native().mapDump(this.fd, this.keySize, this.#stride * this.#cpus, max);
    const out: Array<{ key: Buffer; value: Buffer }> = [];
    const vs = this.#stride * this.#cpus;
    for (let i = 0; i < count; i++) {
      out.push({ key: keys.subarray(i * this.keySize, (i + 1) * this.keySize), value: values.subarray(i * vs, (i + 1) * vs) });
    }
    return out;
  }
}
