// The two directions of a connection whose messages carry a length prefix (Kafka, MongoDB), as
// one parser's ProtocolParser methods need them: bytes and gaps go to the right FrameStream until
// close, after which they are only counted (nothing can be paired with them any more).

import type { FrameStream } from './length-prefixed-frames.js';

export class FramedConnection {
  private closed = false;
  private lateClient = 0;
  private lateServer = 0;

  constructor(private readonly requests: FrameStream, private readonly responses: FrameStream) {}

  client(bytes: Uint8Array, nowNs: number): void {
    if (this.closed) this.lateClient += bytes.length;
    else this.requests.push(bytes, nowNs);
  }

  server(bytes: Uint8Array, nowNs: number): void {
    if (this.closed) this.lateServer += bytes.length;
    else this.responses.push(bytes, nowNs);
  }

  clientGap(n: number, nowNs: number): void {
    if (this.closed) { if (n > 0) this.lateClient += n; } else this.requests.gap(n, nowNs);
  }

  serverGap(n: number, nowNs: number): void {
    if (this.closed) { if (n > 0) this.lateServer += n; } else this.responses.gap(n, nowNs);
  }

  /** Ends both directions (messages in progress are delivered as cut); false if already closed. */
  close(nowNs: number): boolean {
    if (this.closed) return false;
    this.closed = true;
    this.requests.end(nowNs);
    this.responses.end(nowNs);
    return true;
  }

  /** Bytes held by the two directions (partial headers, kept message prefixes). */
  get bufferedBytes(): number {
    return this.requests.bufferedBytes + this.responses.bufferedBytes;
  }

  /** Client bytes in no exchange: lost with sync after a gap, cut headers, after close. */
  get ignoredClientBytes(): number {
    return this.requests.ignoredBytes + this.lateClient;
  }

  get ignoredServerBytes(): number {
    return this.responses.ignoredBytes + this.lateServer;
  }
}
