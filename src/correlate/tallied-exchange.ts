import { L7Protocol, type L7Tally, type L7TallyKey } from '../decode/generated/l7.js';
import { apiName } from '../protocols/kafka/api.js';
import { streamProtocol } from './l7-protocols.js';
import { NO_HEADERS, type L7Exchange, type L7ProtocolName } from './l7-exchange.js';
import type { ExchangeIdentity } from './protocol-record.js';

/** Exchanges alike counted by the kernel: `count` of them, each taking `exchange.durationMs` on average. */
export interface TalliedExchange {
  exchange: L7Exchange;
  count: number;
}

// A first token is a protocol word (GET, SET, SELECT...), never free text: anything else is not named.
const WORD = /^[A-Za-z][A-Za-z0-9_.-]{0,15}$/;

/** The record protocol of a kernel protocol id, or null for ids the kernel does not tally. */
export function talliedProtocol(kernelId: number): L7ProtocolName | null {
  if (kernelId === L7Protocol.HTTP1) return 'http';
  const name = streamProtocol(kernelId)?.name;
  return name === undefined || name === 'http2' || name === 'dns' ? null : name;
}

/**
 * What a tally's request asked, as the parsers name it: the HTTP method as sent, a command or SQL
 * verb upper-cased, a Kafka API by its key; null when the kernel read no word.
 */
export function talliedOperation(protocol: L7ProtocolName, key: Pick<L7TallyKey, 'operation' | 'message'>): string | null {
  if (protocol === 'kafka') return apiName(key.message);
  if (!WORD.test(key.operation)) return null;
  return protocol === 'http' ? key.operation : key.operation.toUpperCase();
}

/**
 * One exchange per latency bucket the kernel filled, carrying that bucket's mean latency: the
 * sums are exact, and each observation lands in the bucket of every metric whose bounds are
 * tally bounds (bpf/l7.h). No payload was seen, so sizes are 0 and the HTTP version is taken as
 * 1.1. Non-HTTP failures carry the status text `ERROR` (the kernel sees only that it failed).
 */
export function talliedExchanges(identity: ExchangeIdentity, key: L7TallyKey, tally: L7Tally, protocol: L7ProtocolName, wallMs: number): TalliedExchange[] {
  const out: TalliedExchange[] = [];
  const http = protocol === 'http';
  const operation = talliedOperation(protocol, key);
  const failed = !http && key.status === 1;
  for (let i = 0; i < tally.bucketCounts.length; i++) {
    const count = tally.bucketCounts[i] ?? 0;
    if (count <= 0) continue;
    const durationMs = (tally.bucketSumNs[i] ?? 0) / count / 1e6;
    out.push({
      count,
      exchange: {
        protocol,
        ...identity,
        startMs: wallMs - durationMs,
        durationMs,
        method: http ? operation : null,
        target: null,
        httpVersion: http ? '1.1' : null,
        status: http && key.status > 0 ? key.status : null,
        requestBytes: 0,
        responseBytes: 0,
        requestBodyBytes: 0,
        responseBodyBytes: 0,
        requestHeaders: NO_HEADERS,
        responseHeaders: NO_HEADERS,
        upgraded: false,
        problem: null,
        operation: http ? null : operation,
        resource: null,
        statusText: http ? null : failed ? 'ERROR' : null,
        failed: http ? null : failed,
        attributes: {},
        tallyKey: key.detail,
      },
    });
  }
  return out;
}
