// What one HTTP/2 stream has shown so far: request head, final response, trailers, byte and
// message counts, how it ended. One stream is one exchange.

import type { HeaderField } from '../hpack/decoder.js';
import { GrpcMessageCounter } from './grpc-messages.js';

export class Http2Stream {
  readonly id: number;
  startNs: number;
  endNs: number;
  /** Frame bytes (headers included) each side sent on this stream. */
  requestBytes = 0;
  responseBytes = 0;
  /** DATA content bytes (padding excluded). */
  requestBodyBytes = 0;
  responseBodyBytes = 0;

  method: string | null = null;
  path: string | null = null;
  scheme: string | null = null;
  authority: string | null = null;
  userAgent: string | null = null;
  requestContentType: string | null = null;
  /** The request's HEADERS were decoded (some fields may still be unknown). */
  requestHeadSeen = false;
  /** Some field of this side's header blocks came from HPACK state we never saw. */
  requestFieldsUnknown = false;
  responseFieldsUnknown = false;

  /** Final (non-1xx) :status, null when not seen or unknown. */
  status: string | null = null;
  finalResponseSeen = false;
  responseContentType: string | null = null;
  grpcStatus: string | null = null;

  /** END_STREAM seen from each side. */
  requestEnded = false;
  responseEnded = false;

  /** RST_STREAM error code; -1 when the frame was seen but its code lost. */
  resetCode: number | null = null;
  /** The server's GOAWAY said it never processed this stream. */
  refused = false;

  /** Capture lost bytes this stream needed (a header block, frames while out of sync). */
  truncated = false;
  /** Frames of this stream may be missing: seen from mid-way, or the capture lost sync while open. */
  partial = false;
  /** A header block of this stream could not be fully decoded. */
  malformed = false;

  readonly requestMessages = new GrpcMessageCounter();
  readonly responseMessages = new GrpcMessageCounter();

  constructor(id: number, startNs: number) {
    this.id = id;
    this.startNs = startNs;
    this.endNs = startNs;
  }

  /** The client's header block: the request head the first time, trailers after. */
  applyRequestFields(fields: readonly HeaderField[]): void {
    if (this.requestHeadSeen) return;
    this.requestHeadSeen = true;
    if (fields.some((f) => f.unknown)) this.requestFieldsUnknown = true;
    for (const f of fields) {
      if (f.name === null || f.value === null) continue;
      switch (f.name) {
        case ':method': this.method ??= f.value; break;
        case ':path': this.path ??= f.value; break;
        case ':scheme': this.scheme ??= f.value; break;
        case ':authority': this.authority ??= f.value; break;
        case 'user-agent': this.userAgent ??= f.value; break;
        case 'content-type': this.requestContentType ??= f.value; break;
        default:
      }
    }
    // No request pseudo-header and nothing unknown: trailers of a request whose start we missed.
    if (this.method === null && this.path === null && !this.requestFieldsUnknown) this.partial = true;
  }

  /**
   * The server's header block: informational (1xx) responses are passed over, the first other
   * one is the final response (gRPC "trailers-only" when it carries grpc-status), later ones are
   * trailers.
   */
  applyResponseFields(fields: readonly HeaderField[]): void {
    if (fields.some((f) => f.unknown)) this.responseFieldsUnknown = true;
    if (this.finalResponseSeen) {
      const grpc = fieldValue(fields, 'grpc-status');
      if (grpc !== null) this.grpcStatus = grpc;
      return;
    }
    const status = fieldValue(fields, ':status');
    // 101 is final in HTTP/1.1 terms and forbidden in HTTP/2 (RFC 9113 §8.6); never wait past it.
    if (status !== null && status.length === 3 && status[0] === '1' && status !== '101') return;
    this.finalResponseSeen = true;
    this.status = status;
    this.responseContentType = fieldValue(fields, 'content-type');
    this.grpcStatus = fieldValue(fields, 'grpc-status');
  }
}

function fieldValue(fields: readonly HeaderField[], name: string): string | null {
  for (const f of fields) if (f.name === name && f.value !== null) return f.value;
  return null;
}
