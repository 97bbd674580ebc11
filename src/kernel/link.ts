import { native, type NativeHandle } from './native.js';

/** An attachment of a program to a hook. Destroying it detaches; so does the agent dying. */
export class Link {
  #handle: NativeHandle | null;
  readonly description: string;
  /** A uprobe: its detach waits for the kernel (RCU grace periods), so closes hand it to a reaper. */
  readonly slowDetach: boolean;

  constructor(handle: NativeHandle, description: string, slowDetach = false) {
    this.#handle = handle;
    this.description = description;
    this.slowDetach = slowDetach;
  }

  get attached(): boolean {
    return this.#handle !== null;
  }

  destroy(): void {
    if (this.#handle === null) return;
    native().linkDestroy(this.#handle);
    this.#handle = null;
  }

  /**
   * Destroys these links together. Slow ones (uprobes) are detached by a reaper process that
   * exits on its own, so the agent is not held up by the kernel's grace periods: their programs
   * may run for a few seconds more.
   */
  static destroyAll(links: readonly Link[]): void {
    const slow: NativeHandle[] = [];
    for (const link of links) {
      if (link.#handle === null) continue;
      if (link.slowDetach) slow.push(link.#handle);
      else native().linkDestroy(link.#handle);
      link.#handle = null;
    }
    if (slow.length > 0) native().linksReleaseDetached(slow);
  }
}
