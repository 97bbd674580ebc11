// Where framing may resume after it was lost (or before it was ever found, when the capture
// starts mid-connection). The client side is easy: commands start at sequence 0 with a known
// command byte, and a client sends one only after the previous response, so a command usually
// opens a capture chunk. The server side relies on sequence ids: packets of one response are
// numbered consecutively, so a chain of headers whose lengths land exactly on the next header
// with the next id is a strong sign of real framing.

import { MAX_PACKET_PAYLOAD } from './constants.js';
import { ACCEPT, HOLD, REJECT, RESYNC_WINDOW, WAIT, type SyncRule, type Verdict } from './framer.js';
import { commandVerdict, greetingVerdict, handshakeResponseVerdict, payloadLength, responseStartVerdict } from './signatures.js';

/** Consecutive whole packets that prove a chain anywhere in the window. */
const PROVING_CHAIN = 4;
/** Packets that prove a chain ending exactly where the captured bytes end. */
const PROVING_CHAIN_AT_END = 2;

/**
 * Where a packet judged plausible may start: at a chunk start, or as a whole packet that ends
 * where the bytes end or right before another plausible command.
 */
function placeCommand(buf: Uint8Array, at: number, chunkStart: boolean): Verdict {
  if (chunkStart) return ACCEPT;
  const len = payloadLength(buf, at);
  const end = at + 4 + len;
  if (end === buf.length) return ACCEPT;
  if (end > buf.length) return end - at <= RESYNC_WINDOW ? WAIT : REJECT;
  return commandVerdict(buf, end);
}

export class ClientSyncRule implements SyncRule {
  /** Before the login completed: a HandshakeResponse41 / SSLRequest may come (sequence 1). */
  allowHandshake = true;

  check(buf: Uint8Array, at: number, chunkStart: boolean): Verdict {
    if (buf.length - at < 5) return chunkStart ? HOLD : WAIT;
    const seq = buf[at + 3];
    let verdict: Verdict = REJECT;
    if (seq === 0) verdict = commandVerdict(buf, at);
    else if (seq === 1 && this.allowHandshake) verdict = handshakeResponseVerdict(buf, at);
    if (verdict === WAIT && chunkStart) return HOLD;
    return verdict === ACCEPT ? placeCommand(buf, at, chunkStart) : verdict;
  }
}

export class ServerSyncRule implements SyncRule {
  /** Before the login: the greeting may come. */
  allowGreeting = true;
  /**
   * The client sent a command since framing was lost: its response starts a chunk, with this
   * sequence id (null: no such hint).
   */
  expectedResponseSeq: number | null = null;

  check(buf: Uint8Array, at: number, chunkStart: boolean): Verdict {
    if (chunkStart) {
      const greeting = this.allowGreeting ? greetingVerdict(buf, at) : REJECT;
      const seq = this.expectedResponseSeq;
      const response = seq !== null ? responseStartVerdict(buf, at, seq) : REJECT;
      if (greeting === ACCEPT || response === ACCEPT) return ACCEPT;
      if (greeting === WAIT || response === WAIT) return HOLD;
    }
    return chainVerdict(buf, at);
  }
}

function chainVerdict(buf: Uint8Array, at: number): Verdict {
  let pos = at;
  let links = 0;
  let previousSeq = -1;
  while (links < PROVING_CHAIN) {
    // Ends where the bytes end: proven, or wait for the next bytes to extend the chain.
    if (pos === buf.length) return links >= PROVING_CHAIN_AT_END ? ACCEPT : WAIT;
    if (buf.length - pos < 4) return WAIT;
    const len = payloadLength(buf, pos);
    const seq = buf[pos + 3]!;
    if (len === MAX_PACKET_PAYLOAD) return REJECT;
    if (previousSeq >= 0 && seq !== ((previousSeq + 1) & 0xff)) return REJECT;
    const end = pos + 4 + len;
    if (end > buf.length) return end - at <= RESYNC_WINDOW ? WAIT : REJECT;
    links++;
    previousSeq = seq;
    pos = end;
  }
  return ACCEPT;
}
