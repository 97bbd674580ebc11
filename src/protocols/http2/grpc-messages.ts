// Counts gRPC length-prefixed messages in one direction of one stream (gRPC over HTTP/2:
// "Length-Prefixed-Message" = compressed flag (1 byte) + length (uint32 BE) + message). DATA
// content streams through in arbitrary pieces; a message is counted once its 5-byte prefix is
// complete. Lost bytes inside a message body are skipped exactly (the length says how many);
// lost bytes inside a prefix make the count unknowable from there (`lost`).

const PREFIX_SIZE = 5;

export class GrpcMessageCounter {
  /** Messages whose prefix was seen (the last one may be incomplete). */
  messages = 0;
  /** The count is no longer exact: a prefix was lost, or bytes were not gRPC framing. */
  lost = false;
  private prefixFill = 0;
  private length = 0;
  private bodyLeft = 0;

  feed(chunk: Uint8Array): void {
    let i = 0;
    const n = chunk.length;
    while (i < n && !this.lost) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, n - i);
        this.bodyLeft -= take;
        i += take;
        continue;
      }
      const b = chunk[i++]!;
      if (this.prefixFill === 0) {
        // Compressed-Flag is 0 or 1; anything else is not gRPC framing.
        if (b > 1) {
          this.lost = true;
          return;
        }
        this.length = 0;
      } else {
        this.length = this.length * 256 + b;
      }
      if (++this.prefixFill === PREFIX_SIZE) {
        this.prefixFill = 0;
        this.messages++;
        this.bodyLeft = this.length;
      }
    }
  }

  /** `n` bytes of content were not captured. */
  skip(n: number): void {
    if (this.lost || n <= 0) return;
    if (this.prefixFill === 0 && n <= this.bodyLeft) {
      this.bodyLeft -= n;
      return;
    }
    this.lost = true;
  }

  /** Whether the stream ended on a message boundary (no half-read prefix or body). */
  get atBoundary(): boolean {
    return this.prefixFill === 0 && this.bodyLeft === 0;
  }
}
