import { formatIPv4, formatIPv6 } from './ip-address.js';

// Text read from kernel events, remembered by its bytes. A host has few distinct command names
// and peer addresses, but every flow event carries them: making the views and strings anew for
// each was a third of everything the agent allocated under a connection storm.

const utf8 = new TextDecoder('utf-8');
/** Distinct IPv4 addresses remembered; past it the cache starts over (a scan, say). */
const MAX_V4 = 4096;
/** Command names remembered; a new one replaces the oldest (round-robin). */
const COMM_SLOTS = 16;

/** Text of a 16-byte address slot at `at` (IPv4 uses its first four bytes). */
export class AddressTexts {
  readonly #v4 = new Map<number, string>();

  format(view: DataView, at: number, family: 4 | 6): string {
    if (family === 6) return formatIPv6(new Uint8Array(view.buffer, view.byteOffset + at, 16));
    const key = view.getUint32(at, true);
    let text = this.#v4.get(key);
    if (text === undefined) {
      if (this.#v4.size >= MAX_V4) this.#v4.clear();
      text = formatIPv4(new Uint8Array(view.buffer, view.byteOffset + at, 4));
      this.#v4.set(key, text);
    }
    return text;
  }
}

/** A NUL-terminated 16-byte command name (TASK_COMM_LEN), read as UTF-8. */
export class CommTexts {
  /** Four little-endian words of each remembered name, then its text. */
  readonly #words = new Uint32Array(COMM_SLOTS * 4);
  readonly #texts: (string | undefined)[] = new Array<string | undefined>(COMM_SLOTS).fill(undefined);
  #next = 0;

  read(view: DataView, at: number): string {
    const w0 = view.getUint32(at, true);
    const w1 = view.getUint32(at + 4, true);
    const w2 = view.getUint32(at + 8, true);
    const w3 = view.getUint32(at + 12, true);
    const words = this.#words;
    for (let i = 0; i < COMM_SLOTS; i++) {
      const b = i * 4;
      if (words[b] === w0 && words[b + 1] === w1 && words[b + 2] === w2 && words[b + 3] === w3) {
        const text = this.#texts[i];
        if (text !== undefined) return text;
      }
    }
    const bytes = new Uint8Array(view.buffer, view.byteOffset + at, 16);
    let end = bytes.indexOf(0);
    if (end < 0) end = 16;
    const text = utf8.decode(bytes.subarray(0, end));
    const slot = this.#next;
    this.#next = (slot + 1) % COMM_SLOTS;
    words[slot * 4] = w0;
    words[slot * 4 + 1] = w1;
    words[slot * 4 + 2] = w2;
    words[slot * 4 + 3] = w3;
    this.#texts[slot] = text;
    return text;
  }
}
