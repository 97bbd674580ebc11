import { BpfMap } from './bpf-map.js';
import { Link } from './link.js';
import { native, type NativeHandle, type NativeProgramInfo } from './native.js';
import { RingBuffer, type BatchHandler } from './ring-buffer.js';

/**
 * A BPF object file: opened (a spec that can still be configured), then loaded into the kernel.
 * Closing it destroys every link and ring-buffer consumer made through it, then the object.
 */
export class BpfObject {
  readonly path: string;
  #handle: NativeHandle | null;
  #loaded = false;
  readonly #links: Link[] = [];
  readonly #ringBuffers: RingBuffer[] = [];
  readonly #maps = new Map<string, BpfMap>();

  private constructor(path: string, handle: NativeHandle) {
    this.path = path;
    this.#handle = handle;
  }

  static open(path: string): BpfObject {
    return new BpfObject(path, native().objectOpen(path));
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  #live(): NativeHandle {
    if (this.#handle === null) throw new Error(`BPF object ${this.path} is closed`);
    return this.#handle;
  }

  #beforeLoad(what: string): NativeHandle {
    if (this.#loaded) throw new Error(`${what} must happen before load (${this.path})`);
    return this.#live();
  }

  programs(): NativeProgramInfo[] {
    return native().objectPrograms(this.#live());
  }

  /** Writes a `const volatile` global. Values are little-endian bytes of the variable's size. */
  setGlobal(name: string, value: Buffer): this {
    native().objectSetGlobal(this.#beforeLoad(`setting ${name}`), name, value);
    return this;
  }

  setGlobalU32(name: string, value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value >>> 0);
    return this.setGlobal(name, b);
  }

  setGlobalU16(name: string, value: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(value & 0xffff);
    return this.setGlobal(name, b);
  }

  setGlobalBool(name: string, value: boolean): this {
    return this.setGlobal(name, Buffer.from([value ? 1 : 0]));
  }

  setMaxEntries(map: string, maxEntries: number): this {
    native().objectSetMaxEntries(this.#beforeLoad(`sizing ${map}`), map, maxEntries);
    return this;
  }

  /** Loads only the named programs; the rest of the object's programs stay out of the kernel. */
  onlyPrograms(names: readonly string[]): this {
    const handle = this.#beforeLoad('choosing programs');
    const wanted = new Set(names);
    for (const p of native().objectPrograms(handle)) native().objectSetAutoload(handle, p.name, wanted.has(p.name));
    return this;
  }

  load(): this {
    native().objectLoad(this.#beforeLoad('load'));
    this.#loaded = true;
    return this;
  }

  /**
   * load() with the verifier's work on another thread, so this one can load another object (or
   * serve requests) meanwhile. Nothing else may be done with this object until it settles.
   */
  async loadAsync(): Promise<this> {
    await native().objectLoadAsync(this.#beforeLoad('load'));
    this.#loaded = true;
    return this;
  }

  #track(link: Link): Link {
    this.#links.push(link);
    return link;
  }

  /** Attaches by the program's section (tp/, tp_btf/, raw_tp/, ...). */
  attach(program: string): Link {
    return this.#track(new Link(native().attach(this.#live(), program), program));
  }

  attachUprobe(program: string, opts: { binary: string; func: string; pid?: number; retprobe?: boolean }): Link {
    const handle = native().attachUprobe(this.#live(), program, opts.binary, opts.func, opts.pid ?? -1, opts.retprobe ?? false);
    return this.#track(new Link(handle, `${program} -> ${opts.binary}:${opts.func}`, true));
  }

  attachPerfEvent(program: string, perfFd: number): Link {
    return this.#track(new Link(native().attachPerfEvent(this.#live(), program, perfFd), `${program} -> perf fd ${perfFd}`));
  }

  attachCgroup(program: string, cgroupPath: string): Link {
    return this.#track(new Link(native().attachCgroup(this.#live(), program, cgroupPath), `${program} -> ${cgroupPath}`));
  }

  map(name: string): BpfMap {
    let map = this.#maps.get(name);
    if (map) return map;
    const info = native().objectMaps(this.#live()).find((m) => m.name === name);
    if (!info) throw new Error(`BPF object ${this.path} has no map ${name}`);
    if (info.fd < 0) throw new Error(`map ${name} has no fd: load the object first`);
    map = new BpfMap(info);
    this.#maps.set(name, map);
    return map;
  }

  ringBuffer(mapName: string, onBatch: BatchHandler, intervalMs = 0, queueDepth = 16, yieldBetweenBatches = false): RingBuffer {
    const rb = new RingBuffer(mapName, this.map(mapName).fd, onBatch, intervalMs, queueDepth, yieldBetweenBatches);
    this.#ringBuffers.push(rb);
    return rb;
  }

  get links(): readonly Link[] {
    return this.#links;
  }

  close(): void {
    if (this.#handle === null) return;
    for (const rb of this.#ringBuffers) rb.close();
    Link.destroyAll(this.#links);
    native().objectClose(this.#handle);
    this.#handle = null;
  }
}
