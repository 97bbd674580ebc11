// DNS queries and responses of one flow paired into exchanges. Over UDP each client()/server()
// call is one datagram; over TCP the bytes are a stream of length-prefixed messages. Either way
// responses may come in any order (RFC 7766 §6.2.1.1), so pairing is by message id and question,
// never by position. UDP has no close: queries nobody answers leave through expire() or when the
// pending queue is full.

import type { Attributes, ExchangeProblem, ProtocolExchange, ProtocolParser, ProtocolParserOptions } from '../exchange.js';
import { looksLikeDnsTcpQuery, looksLikeDnsTcpResponse } from './detect.js';
import { queryTypeName, responseCodeName } from './codes.js';
import { isDnsProblem, parseDnsMessage, type DnsHeader, type DnsProblem, type DnsQuestion } from './message.js';
import { PendingQueries, type PendingQuery } from './pending-queries.js';
import { DnsTcpFramer, type FramedMessage } from './tcp-framing.js';

/** Queries kept waiting for a response; past it the oldest is reported `no-response`. */
const DEFAULT_MAX_PENDING = 1024;

type Transport = 'udp' | 'tcp';

/** A message as the parser uses it, whichever transport carried it. */
interface Arrived {
  bytes: Uint8Array;
  wireBytes: number;
  /** The bytes are only the first part of the message, on purpose (the TCP framer's cap). */
  capped: boolean;
  cut: ExchangeProblem | null;
  startNs: number;
  endNs: number;
}

interface Read {
  header: DnsHeader;
  question: DnsQuestion | null;
  responseCode: number;
  problem: ExchangeProblem | null;
}

export class DnsParser implements ProtocolParser {
  /** Each client()/server() call is exactly one UDP datagram. */
  static datagrams(options: ProtocolParserOptions = {}): DnsParser {
    return new DnsParser('udp', options);
  }

  /** DNS over TCP: 2-byte length-prefixed messages, split and joined across chunks at random. */
  static stream(options: ProtocolParserOptions = {}): DnsParser {
    return new DnsParser('tcp', options);
  }

  private readonly pending = new PendingQueries();
  private readonly maxPending: number;
  private readonly clientFramer: DnsTcpFramer | null;
  private readonly serverFramer: DnsTcpFramer | null;
  /** Exchanges completed by the call in progress (framers hand messages over through callbacks). */
  private out: ProtocolExchange[] = [];
  private unmatched = 0;
  private duplicates = 0;
  private unreadable = 0;
  private ignoredClient = 0;
  private ignoredServer = 0;

  private constructor(private readonly transport: Transport, options: ProtocolParserOptions) {
    this.maxPending = Math.max(1, options.maxPending ?? DEFAULT_MAX_PENDING);
    if (transport === 'tcp') {
      this.clientFramer = new DnsTcpFramer((m) => this.onQuery(fromFramer(m)), looksLikeDnsTcpQuery);
      this.serverFramer = new DnsTcpFramer((m) => this.onResponse(fromFramer(m)), looksLikeDnsTcpResponse);
    } else {
      this.clientFramer = null;
      this.serverFramer = null;
    }
  }

  /** Bytes held between calls: parts of TCP messages (UDP holds none). */
  get bufferedBytes(): number {
    return (this.clientFramer?.bufferedBytes ?? 0) + (this.serverFramer?.bufferedBytes ?? 0);
  }

  get pendingQueries(): number {
    return this.pending.size;
  }

  /** Responses to no query seen (capture started late, or the query was already reported). */
  get unmatchedResponses(): number {
    return this.unmatched;
  }

  /** Queries repeating one still waiting (same id and question): retransmits, not new exchanges. */
  get duplicateQueries(): number {
    return this.duplicates;
  }

  /** Messages without a readable header, or a query from the server side / response from the client side. */
  get unreadableMessages(): number {
    return this.unreadable;
  }

  /** Client bytes in no exchange's requestBytes: duplicates, unreadable messages, gaps, lost framing. */
  get ignoredClientBytes(): number {
    return this.ignoredClient + (this.clientFramer?.skippedBytes ?? 0);
  }

  /** Server bytes in no exchange's responseBytes. */
  get ignoredServerBytes(): number {
    return this.ignoredServer + (this.serverFramer?.skippedBytes ?? 0);
  }

  client(bytes: Uint8Array, nowNs: number): ProtocolExchange[] {
    if (this.clientFramer !== null) this.clientFramer.push(bytes, nowNs);
    else this.onQuery(fromDatagram(bytes, nowNs));
    return this.flush();
  }

  server(bytes: Uint8Array, nowNs: number): ProtocolExchange[] {
    if (this.serverFramer !== null) this.serverFramer.push(bytes, nowNs);
    else this.onResponse(fromDatagram(bytes, nowNs));
    return this.flush();
  }

  /** Over UDP the lost bytes are a datagram (or its uncaptured tail): counted, nothing else. */
  clientGap(n: number, nowNs: number): ProtocolExchange[] {
    if (this.clientFramer !== null) this.clientFramer.gap(n, nowNs);
    else this.ignoredClient += Math.max(0, n);
    return this.flush();
  }

  serverGap(n: number, nowNs: number): ProtocolExchange[] {
    if (this.serverFramer !== null) this.serverFramer.gap(n, nowNs);
    else this.ignoredServer += Math.max(0, n);
    return this.flush();
  }

  /** Reports queries unanswered for longer than `timeoutNs` as `no-response`, ending at `nowNs`. */
  expire(nowNs: number, timeoutNs: number): ProtocolExchange[] {
    for (const q of this.pending.takeWhere((p) => nowNs - p.startNs > timeoutNs)) this.out.push(this.unanswered(q, nowNs));
    return this.flush();
  }

  close(nowNs: number): ProtocolExchange[] {
    this.clientFramer?.end(nowNs);
    this.serverFramer?.end(nowNs);
    for (const q of this.pending.takeWhere(() => true)) this.out.push(this.unanswered(q, nowNs));
    return this.flush();
  }

  private onQuery(m: Arrived): void {
    const read = readMessage(m);
    if (read === null || read.header.isResponse) {
      this.unreadable++;
      this.ignoredClient += m.wireBytes;
      return;
    }
    const { id } = read.header;
    if (this.pending.findSame(id, read.question) !== null) {
      this.duplicates++;
      this.ignoredClient += m.wireBytes;
      return;
    }
    const query: PendingQuery = {
      id, question: read.question, startNs: m.startNs, endNs: m.endNs, requestBytes: m.wireBytes, problem: read.problem,
    };
    // The connection ended inside the query: no response can follow.
    if (m.cut === 'connection-closed') {
      this.out.push(this.unanswered(query, m.endNs));
      return;
    }
    if (this.pending.size >= this.maxPending) {
      const oldest = this.pending.takeOldest();
      if (oldest !== null) this.out.push(this.unanswered(oldest, oldest.endNs));
    }
    this.pending.add(query);
  }

  private onResponse(m: Arrived): void {
    const read = readMessage(m);
    if (read === null || !read.header.isResponse) {
      this.unreadable++;
      this.ignoredServer += m.wireBytes;
      return;
    }
    const query = this.pending.takeAnswered(read.header.id, read.question);
    if (query === null) {
      this.unmatched++;
      this.ignoredServer += m.wireBytes;
      return;
    }
    const status = responseCodeName(read.responseCode);
    const attributes = this.attributes(query.question ?? read.question);
    attributes['dns.response_code'] = status;
    attributes['dns.answers.count'] = read.header.answerCount;
    this.out.push({
      startNs: query.startNs,
      endNs: Math.max(query.startNs, m.endNs),
      requestBytes: query.requestBytes,
      responseBytes: m.wireBytes,
      ...questionFields(query.question ?? read.question),
      status,
      error: read.responseCode !== 0,
      attributes,
      problem: query.problem ?? read.problem,
    });
  }

  private unanswered(query: PendingQuery, nowNs: number): ProtocolExchange {
    return {
      startNs: query.startNs,
      endNs: Math.max(query.startNs, query.endNs, nowNs),
      requestBytes: query.requestBytes,
      responseBytes: 0,
      ...questionFields(query.question),
      status: null,
      error: true,
      attributes: this.attributes(query.question),
      problem: query.problem ?? 'no-response',
    };
  }

  private attributes(question: DnsQuestion | null): Attributes {
    const attributes: Attributes = { 'network.transport': this.transport };
    if (question !== null) {
      attributes['dns.question.name'] = question.name;
      attributes['dns.question.type'] = queryTypeName(question.type);
    }
    return attributes;
  }

  private flush(): ProtocolExchange[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}

function questionFields(question: DnsQuestion | null): { operation: string | null; resource: string | null } {
  if (question === null) return { operation: null, resource: null };
  return { operation: queryTypeName(question.type), resource: question.name };
}

function fromDatagram(bytes: Uint8Array, nowNs: number): Arrived {
  return { bytes, wireBytes: bytes.length, capped: false, cut: null, startNs: nowNs, endNs: nowNs };
}

function fromFramer(m: FramedMessage): Arrived {
  const capped = !m.whole && m.cut === null;
  return { bytes: m.bytes, wireBytes: m.wireBytes, capped, cut: m.cut, startNs: m.startNs, endNs: m.endNs };
}

/** null: not even a header to pair by. */
function readMessage(m: Arrived): Read | null {
  const parsed = parseDnsMessage(m.bytes);
  if (!isDnsProblem(parsed)) {
    return { header: parsed.header, question: parsed.question, responseCode: parsed.responseCode, problem: m.cut };
  }
  if (parsed.header === null) return null;
  return {
    header: parsed.header,
    question: parsed.question,
    responseCode: parsed.header.rcode,
    problem: problemOf(parsed, m),
  };
}

function problemOf(parsed: DnsProblem, m: Arrived): ExchangeProblem | null {
  if (parsed.problem !== 'truncated') return 'unparsable';
  // Ran out of bytes. A message cut by a gap or the close says so; one the framer capped on
  // purpose lost nothing needed once its question was read. Otherwise a datagram is shorter
  // than its counts say, most likely because the capture kept only its first bytes.
  if (m.cut !== null) return m.cut;
  if (m.capped && (parsed.question !== null || parsed.header?.questionCount === 0)) return null;
  return 'truncated';
}
