import { Http1Connection, type Http1ConnectionOptions } from '../protocols/http1/connection.js';
import type { Http1Exchange } from '../protocols/http1/types.js';
import type { ProtocolExchange, ProtocolParser } from '../protocols/exchange.js';

/** An exchange from either parser family: HTTP/1's richer records, or the common contract. */
export type ParsedExchange = { kind: 'http1'; exchange: Http1Exchange } | { kind: 'protocol'; exchange: ProtocolExchange };

/** One connection's parser as the connection table drives it, whatever the protocol. */
export interface StreamParser {
  client(bytes: Uint8Array, nowNs: number): ParsedExchange[];
  server(bytes: Uint8Array, nowNs: number): ParsedExchange[];
  clientGap(n: number, nowNs: number): ParsedExchange[];
  serverGap(n: number, nowNs: number): ParsedExchange[];
  close(nowNs: number): ParsedExchange[];
}

const NONE: ParsedExchange[] = [];

function wrap<T>(items: T[], as: (item: T) => ParsedExchange): ParsedExchange[] {
  // Most calls complete nothing: no allocation for them.
  return items.length === 0 ? NONE : items.map(as);
}

const http1 = (exchange: Http1Exchange): ParsedExchange => ({ kind: 'http1', exchange });
const protocol = (exchange: ProtocolExchange): ParsedExchange => ({ kind: 'protocol', exchange });

export class Http1StreamParser implements StreamParser {
  readonly #connection: Http1Connection;

  constructor(options: Http1ConnectionOptions) {
    this.#connection = new Http1Connection(options);
  }

  client(bytes: Uint8Array, nowNs: number): ParsedExchange[] {
    return wrap(this.#connection.client(bytes, nowNs), http1);
  }

  server(bytes: Uint8Array, nowNs: number): ParsedExchange[] {
    return wrap(this.#connection.server(bytes, nowNs), http1);
  }

  clientGap(n: number, nowNs: number): ParsedExchange[] {
    return wrap(this.#connection.clientGap(n, nowNs), http1);
  }

  serverGap(n: number, nowNs: number): ParsedExchange[] {
    return wrap(this.#connection.serverGap(n, nowNs), http1);
  }

  close(nowNs: number): ParsedExchange[] {
    return wrap(this.#connection.close(nowNs), http1);
  }
}

export class ProtocolStreamParser implements StreamParser {
  readonly #parser: ProtocolParser;

  constructor(parser: ProtocolParser) {
    this.#parser = parser;
  }

  client(bytes: Uint8Array, nowNs: number): ParsedExchange[] {
    return wrap(this.#parser.client(bytes, nowNs), protocol);
  }

  server(bytes: Uint8Array, nowNs: number): ParsedExchange[] {
    return wrap(this.#parser.server(bytes, nowNs), protocol);
  }

  clientGap(n: number, nowNs: number): ParsedExchange[] {
    return wrap(this.#parser.clientGap(n, nowNs), protocol);
  }

  serverGap(n: number, nowNs: number): ParsedExchange[] {
    return wrap(this.#parser.serverGap(n, nowNs), protocol);
  }

  close(nowNs: number): ParsedExchange[] {
    return wrap(this.#parser.close(nowNs), protocol);
  }
}
