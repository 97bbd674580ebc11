import { L7Protocol } from '../decode/generated/l7.js';
import { looksLikeHttp1Request, looksLikeHttp1Response } from '../protocols/http1/detect.js';
import { looksLikeHttp2Preface } from '../protocols/http2/detect.js';
import { Http2Parser } from '../protocols/http2/parser.js';
import { looksLikePostgresClient } from '../protocols/postgresql/detect.js';
import { PostgresParser } from '../protocols/postgresql/parser.js';
import { looksLikeMysqlClient, looksLikeMysqlServer } from '../protocols/mysql/detect.js';
import { MysqlParser } from '../protocols/mysql/parser.js';
import { looksLikeRedisClient } from '../protocols/redis/detect.js';
import { RedisParser } from '../protocols/redis/parser.js';
import { looksLikeMongoRequest } from '../protocols/mongodb/detect.js';
import { MongoParser } from '../protocols/mongodb/parser.js';
import { looksLikeKafkaRequest } from '../protocols/kafka/detect.js';
import { KafkaParser } from '../protocols/kafka/parser.js';
import { looksLikeMemcachedClient } from '../protocols/memcached/detect.js';
import { MemcachedParser } from '../protocols/memcached/parser.js';
import { DnsParser } from '../protocols/dns/parser.js';
import type { ProtocolParser } from '../protocols/exchange.js';
import type { L7ProtocolName } from './l7-exchange.js';

/** What correlate needs to know of a protocol the kernel detected, other than HTTP/1. */
export interface StreamProtocol {
  readonly name: L7ProtocolName;
  /**
   * Which end sent this first payload, when its bytes say so (a request → the sender is the
   * client). null when they do not; the connection's owner or listener decides then.
   */
  senderRole(payload: Uint8Array): 'client' | 'server' | null;
  create(): ProtocolParser;
}

const clientIf = (test: (p: Uint8Array) => boolean) => (p: Uint8Array): 'client' | null => (test(p) ? 'client' : null);

const STREAM_PROTOCOLS: ReadonlyMap<number, StreamProtocol> = new Map<number, StreamProtocol>([
  [L7Protocol.HTTP2, { name: 'http2', senderRole: clientIf(looksLikeHttp2Preface), create: () => new Http2Parser() }],
  [L7Protocol.POSTGRESQL, { name: 'postgresql', senderRole: clientIf(looksLikePostgresClient), create: () => new PostgresParser() }],
  [L7Protocol.MYSQL, {
    name: 'mysql',
    // The server speaks first (its greeting); a command packet is the client's.
    senderRole: (p) => (looksLikeMysqlServer(p) ? 'server' : looksLikeMysqlClient(p) ? 'client' : null),
    create: () => new MysqlParser(),
  }],
  [L7Protocol.REDIS, { name: 'redis', senderRole: clientIf(looksLikeRedisClient), create: () => new RedisParser() }],
  [L7Protocol.MONGODB, { name: 'mongodb', senderRole: clientIf(looksLikeMongoRequest), create: () => new MongoParser() }],
  [L7Protocol.KAFKA, { name: 'kafka', senderRole: clientIf(looksLikeKafkaRequest), create: () => new KafkaParser() }],
  [L7Protocol.MEMCACHED, { name: 'memcached', senderRole: clientIf(looksLikeMemcachedClient), create: () => new MemcachedParser() }],
  // DNS over TCP: which end is the client comes from the DNS port, not the bytes.
  [L7Protocol.DNS, { name: 'dns', senderRole: () => null, create: () => DnsParser.stream() }],
]);

/** The parser family of a kernel protocol id other than HTTP/1; undefined for ids we do not parse. */
export function streamProtocol(kernelId: number): StreamProtocol | undefined {
  return STREAM_PROTOCOLS.get(kernelId);
}

export function isHttp1(kernelId: number): boolean {
  return kernelId === L7Protocol.HTTP1;
}

/** HTTP/1: a request line is the client's, a status line the server's. */
export function http1SenderRole(payload: Uint8Array): 'client' | 'server' | null {
  if (looksLikeHttp1Request(payload)) return 'client';
  if (looksLikeHttp1Response(payload)) return 'server';
  return null;
}
