// What the parser reads from a Kafka request (the Kafka protocol guide's request header v1/v2
// and the request schemas of the APIs that name a topic or a group). Only metadata is kept:
// api key and version, correlation and client ids, topic and group names, acks, record counts;
// never keys, values or headers of records.

import {
  API_CREATE_TOPICS, API_DELETE_TOPICS, API_DESCRIBE_GROUPS, API_FETCH, API_FIND_COORDINATOR, API_HEARTBEAT,
  API_JOIN_GROUP, API_LEAVE_GROUP, API_LIST_OFFSETS, API_METADATA, API_OFFSET_COMMIT, API_OFFSET_FETCH, API_PRODUCE,
  API_SYNC_GROUP, isFlexible,
} from './api.js';
import { countRecords } from './records.js';
import { WireReader } from './reader.js';

/** size int32 + api_key int16 + api_version int16 + correlation_id int32 + client_id length int16. */
export const KAFKA_REQUEST_HEADER_BYTES = 14;

/** Produce versions whose topics are named (v13 moved to topic ids). */
const MAX_NAMED_PRODUCE_VERSION = 12;

export interface KafkaRequest {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** Topic named first (Produce, Fetch, Metadata, ListOffsets, CreateTopics, DeleteTopics). */
  topic: string | null;
  /** The partition, when the request names exactly one (Produce). */
  partition: number | null;
  /** Consumer group (or other coordinator key) the request is about. */
  group: string | null;
  /** Produce: 0 means no response will come. */
  acks: number | null;
  /** Produce: records in all batches; null when unknown (legacy message sets). */
  recordCount: number | null;
  /** A field this parser needed lay past the captured prefix. */
  truncated: boolean;
  /** The bytes contradict the request's schema. */
  malformed: boolean;
}

/** Reads a request from the held prefix `head` of a message `length` bytes long (size field included). */
export function readKafkaRequest(head: Uint8Array, length: number): KafkaRequest {
  const r = new WireReader(head, 4, length);
  const req: KafkaRequest = {
    apiKey: r.int16(), apiVersion: r.int16(), correlationId: r.int32(), clientId: null,
    topic: null, partition: null, group: null, acks: null, recordCount: null, truncated: false, malformed: false,
  };
  req.clientId = r.string(false);
  const flexible = isFlexible(req.apiKey, req.apiVersion);
  if (flexible) r.skipTaggedFields();
  if (!r.failed) readBody(r, req, flexible);
  req.truncated ||= r.cut;
  req.malformed = r.bad;
  return req;
}

function readBody(r: WireReader, req: KafkaRequest, flex: boolean): void {
  const v = req.apiVersion;
  switch (req.apiKey) {
    case API_PRODUCE: readProduce(r, req, flex); return;
    case API_FETCH: {
      if (v <= 14) r.skip(4); // replica_id (later in a tagged field)
      r.skip(8); // max_wait_ms, min_bytes
      if (v >= 3) r.skip(4); // max_bytes
      if (v >= 4) r.skip(1); // isolation_level
      if (v >= 7) r.skip(8); // session_id, session_epoch
      if (r.length(flex) > 0 && v < 13) req.topic = r.string(flex);
      return;
    }
    case API_METADATA: {
      const n = r.length(flex);
      if (n <= 0) return;
      if (v >= 10) r.skip(16); // topic_id
      req.topic = r.string(flex);
      return;
    }
    case API_LIST_OFFSETS:
      r.skip(4); // replica_id
      if (v >= 2) r.skip(1); // isolation_level
      if (r.length(flex) > 0) req.topic = r.string(flex);
      return;
    case API_CREATE_TOPICS:
      if (r.length(flex) > 0) req.topic = r.string(flex);
      return;
    case API_DELETE_TOPICS:
      if (v <= 5 && r.length(flex) > 0) req.topic = r.string(flex);
      return;
    case API_OFFSET_FETCH:
      if (v >= 8 && r.length(flex) <= 0) return; // v8+: a list of groups
      req.group = r.string(flex);
      return;
    case API_FIND_COORDINATOR: {
      if (v >= 4) {
        const keyType = r.int8();
        if (r.length(flex) > 0 && keyType === 0) req.group = r.string(flex);
        return;
      }
      const key = r.string(flex);
      // key_type (v1+): 0 = consumer group, 1 = transactional id.
      if (v === 0 || r.int8() === 0) req.group = key;
      return;
    }
    case API_DESCRIBE_GROUPS:
      if (r.length(flex) > 0) req.group = r.string(flex);
      return;
    case API_OFFSET_COMMIT: case API_JOIN_GROUP: case API_HEARTBEAT: case API_LEAVE_GROUP: case API_SYNC_GROUP:
      req.group = r.string(flex);
      return;
    default:
  }
}

function readProduce(r: WireReader, req: KafkaRequest, flex: boolean): void {
  const v = req.apiVersion;
  if (v >= 3) r.skipString(flex); // transactional_id
  req.acks = r.int16();
  r.skip(4); // timeout_ms
  const topics = r.length(flex);
  let partitions = 0;
  let records: number | null = 0;
  for (let t = 0; t < topics && !r.failed; t++) {
    if (v <= MAX_NAMED_PRODUCE_VERSION) {
      const name = r.string(flex);
      if (t === 0) req.topic = name;
    } else {
      r.skip(16); // topic_id
    }
    const n = r.length(flex);
    for (let p = 0; p < n && !r.failed; p++) {
      const index = r.int32();
      if (partitions++ === 0) req.partition = index;
      const size = r.length(flex);
      if (size > 0 && !r.failed) {
        const counted = countRecords(r, size);
        records = counted.records === null || records === null ? null : records + counted.records;
        if (counted.partial) req.truncated = true;
      }
      if (flex) r.skipTaggedFields();
    }
    if (flex) r.skipTaggedFields();
  }
  if (partitions !== 1) req.partition = null;
  req.recordCount = records;
}
