import { native, type NativeHandle } from './native.js';

/** An attachment of a program to a hook. Destroying it detaches; so does the agent dying. */
export class Link {
  #handle: NativeHandle | null;
  readonly description: string;

  constructor(handle: NativeHandle, description: string) {
    this.#handle = handle;
    this.description = description;
  }

  get attached(): boolean {
    return this.#handle !== null;
  }

  destroy(): void {
    if (this.#handle === null) return;
    native().linkDestroy(this.#handle);
    this.#handle = null;
  }
}
