// What the parser reads from a Kafka response: the first non-zero error code anywhere in it
// (top level, topic or partition), the topic it names first, and for Fetch the records it
// carries. A response says nothing of its own layout, so it is read with the api key and version
// of the request it answers. APIs whose layout is not known here are paired and timed, not read.

import {
  API_ADD_OFFSETS_TO_TXN, API_API_VERSIONS, API_CREATE_TOPICS, API_END_TXN, API_FETCH, API_FIND_COORDINATOR,
  API_HEARTBEAT, API_INIT_PRODUCER_ID, API_JOIN_GROUP, API_LEAVE_GROUP, API_LIST_OFFSETS, API_METADATA,
  API_OFFSET_COMMIT, API_OFFSET_FETCH, API_PRODUCE, API_SASL_AUTHENTICATE, API_SASL_HANDSHAKE, API_SYNC_GROUP,
  isFlexible, responseHeaderIsFlexible,
} from './api.js';
import { countRecords } from './records.js';
import { WireReader } from './reader.js';

/** size int32 + correlation_id int32. */
export const KAFKA_RESPONSE_HEADER_BYTES = 8;

export interface KafkaResponse {
  correlationId: number;
  /**
   * First non-zero error code read, 0 when every one read was 0, null when the layout is not
   * known here or no error code was reached.
   */
  errorCode: number | null;
  /** Fetch: records in the batches of all partitions (a lower bound when `truncated`). */
  recordCount: number | null;
  topic: string | null;
  truncated: boolean;
  malformed: boolean;
}

/** The version of the request a response answers: needed to read it. */
export interface AnsweredRequest {
  apiKey: number;
  apiVersion: number;
}

/** Correlation id of the response in `head` (which must hold 8 bytes). */
export function responseCorrelationId(head: Uint8Array): number {
  return (head[4]! << 24) | (head[5]! << 16) | (head[6]! << 8) | head[7]!;
}

/** Reads a response from the held prefix `head` of a message `length` bytes long (size field included). */
export function readKafkaResponse(head: Uint8Array, length: number, request: AnsweredRequest): KafkaResponse {
  const r = new WireReader(head, 4, length);
  const res: KafkaResponse = { correlationId: r.int32(), errorCode: null, recordCount: null, topic: null, truncated: false, malformed: false };
  if (responseHeaderIsFlexible(request.apiKey, request.apiVersion)) r.skipTaggedFields();
  if (!r.failed) {
    const scan = new Scan(r, res, isFlexible(request.apiKey, request.apiVersion));
    scan.body(request.apiKey, request.apiVersion);
  }
  res.truncated ||= r.cut;
  res.malformed = r.bad;
  return res;
}

/** Throttle time precedes the error code from this version on, for APIs shaped [throttle] error. */
const THROTTLE_THEN_ERROR: ReadonlyMap<number, number> = new Map([
  [API_JOIN_GROUP, 2], [API_HEARTBEAT, 1], [API_LEAVE_GROUP, 1], [API_SYNC_GROUP, 1],
  [API_INIT_PRODUCER_ID, 0], [API_ADD_OFFSETS_TO_TXN, 0], [API_END_TXN, 0],
  [API_API_VERSIONS, Infinity], [API_SASL_HANDSHAKE, Infinity], [API_SASL_AUTHENTICATE, Infinity],
]);

class Scan {
  constructor(private readonly r: WireReader, private readonly res: KafkaResponse, private readonly flex: boolean) {}

  private error(code: number): void {
    if (this.r.failed) return;
    if (this.res.errorCode === null || this.res.errorCode === 0) this.res.errorCode = code;
  }

  private topicName(index: number): void {
    const name = this.r.string(this.flex);
    if (index === 0) this.res.topic = name;
  }

  private tagged(): void {
    if (this.flex) this.r.skipTaggedFields();
  }

  /** Runs `item` once per element of an array, stopping at the first failure. */
  private each(item: (index: number) => void): void {
    const n = this.r.length(this.flex);
    for (let i = 0; i < n && !this.r.failed; i++) item(i);
  }

  body(apiKey: number, v: number): void {
    const r = this.r;
    const throttleFrom = THROTTLE_THEN_ERROR.get(apiKey);
    if (throttleFrom !== undefined) {
      if (v >= throttleFrom) r.skip(4);
      this.error(r.int16());
      return;
    }
    switch (apiKey) {
      case API_PRODUCE: if (v <= 12) this.produce(v); return;
      case API_FETCH: if (v <= 17) this.fetch(v); return;
      case API_METADATA: if (v <= 13) this.metadata(v); return;
      case API_LIST_OFFSETS: if (v <= 8) this.listOffsets(v); return;
      case API_OFFSET_COMMIT: if (v <= 9) this.offsetCommit(v); return;
      case API_OFFSET_FETCH: if (v <= 9) this.offsetFetch(v); return;
      case API_FIND_COORDINATOR: this.findCoordinator(v); return;
      case API_CREATE_TOPICS: if (v <= 7) this.createTopics(v); return;
      default:
    }
  }

  private produce(v: number): void {
    const r = this.r;
    this.each((t) => {
      this.topicName(t);
      this.each(() => {
        r.skip(4); // index
        this.error(r.int16());
        r.skip(8); // base_offset
        if (v >= 2) r.skip(8); // log_append_time_ms
        if (v >= 5) r.skip(8); // log_start_offset
        if (v >= 8) {
          this.each(() => { r.skip(4); r.skipString(this.flex); this.tagged(); }); // record_errors
          r.skipString(this.flex); // error_message
        }
        this.tagged();
      });
      this.tagged();
    });
  }

  private fetch(v: number): void {
    const r = this.r;
    if (v >= 1) r.skip(4); // throttle_time_ms
    if (v >= 7) { this.error(r.int16()); r.skip(4); } // error_code, session_id
    let records = 0;
    this.each((t) => {
      if (v < 13) this.topicName(t); else r.skip(16);
      this.each(() => {
        r.skip(4); // partition
        this.error(r.int16());
        r.skip(8); // high_watermark
        if (v >= 4) r.skip(8); // last_stable_offset
        if (v >= 5) r.skip(8); // log_start_offset
        if (v >= 4) {
          if (this.flex) this.each(() => { r.skip(16); this.tagged(); });
          else r.skipFixedArray(false, 16); // aborted_transactions
        }
        if (v >= 11) r.skip(4); // preferred_read_replica
        const size = r.length(this.flex);
        if (size > 0 && !r.failed) {
          const counted = countRecords(r, size);
          if (counted.records !== null) records += counted.records;
          if (counted.partial) this.res.truncated = true;
        }
        this.tagged();
      });
      this.tagged();
    });
    this.res.recordCount = records;
  }

  private metadata(v: number): void {
    const r = this.r;
    if (v >= 3) r.skip(4); // throttle_time_ms
    this.each(() => { // brokers
      r.skip(4);
      r.skipString(this.flex); // host
      r.skip(4);
      if (v >= 1) r.skipString(this.flex); // rack
      this.tagged();
    });
    if (v >= 2) r.skipString(this.flex); // cluster_id
    if (v >= 1) r.skip(4); // controller_id
    this.each((t) => {
      this.error(r.int16());
      this.topicName(t);
      if (v >= 10) r.skip(16); // topic_id
      if (v >= 1) r.skip(1); // is_internal
      this.each(() => {
        this.error(r.int16());
        r.skip(8); // partition_index, leader_id
        if (v >= 7) r.skip(4); // leader_epoch
        r.skipFixedArray(this.flex, 4); // replica_nodes
        r.skipFixedArray(this.flex, 4); // isr_nodes
        if (v >= 5) r.skipFixedArray(this.flex, 4); // offline_replicas
        this.tagged();
      });
      if (v >= 8) r.skip(4); // topic_authorized_operations
      this.tagged();
    });
    if (v >= 8 && v <= 10) r.skip(4); // cluster_authorized_operations
    if (v >= 13) this.error(r.int16());
  }

  private listOffsets(v: number): void {
    const r = this.r;
    if (v >= 2) r.skip(4);
    this.each((t) => {
      this.topicName(t);
      this.each(() => {
        r.skip(4);
        this.error(r.int16());
        if (v === 0) r.skipFixedArray(false, 8); // old_style_offsets
        else r.skip(16); // timestamp, offset
        if (v >= 4) r.skip(4); // leader_epoch
        this.tagged();
      });
      this.tagged();
    });
  }

  private offsetCommit(v: number): void {
    const r = this.r;
    if (v >= 3) r.skip(4);
    this.each((t) => {
      this.topicName(t);
      this.each(() => { r.skip(4); this.error(r.int16()); this.tagged(); });
      this.tagged();
    });
  }

  private offsetFetchTopics(v: number): void {
    const r = this.r;
    this.each((t) => {
      this.topicName(t);
      this.each(() => {
        r.skip(4 + 8); // partition_index, committed_offset
        if (v >= 5) r.skip(4); // committed_leader_epoch
        r.skipString(this.flex); // metadata
        this.error(r.int16());
        this.tagged();
      });
      this.tagged();
    });
  }

  private offsetFetch(v: number): void {
    const r = this.r;
    if (v >= 3) r.skip(4);
    if (v >= 8) {
      this.each(() => {
        r.skipString(this.flex); // group_id
        this.offsetFetchTopics(v);
        this.error(r.int16());
        this.tagged();
      });
      return;
    }
    this.offsetFetchTopics(v);
    if (v >= 2) this.error(r.int16());
  }

  private findCoordinator(v: number): void {
    const r = this.r;
    if (v >= 1) r.skip(4);
    if (v < 4) {
      this.error(r.int16());
      return;
    }
    this.each(() => {
      r.skipString(this.flex); // key
      r.skip(4); // node_id
      r.skipString(this.flex); // host
      r.skip(4); // port
      this.error(r.int16());
      r.skipString(this.flex); // error_message
      this.tagged();
    });
  }

  private createTopics(v: number): void {
    const r = this.r;
    if (v >= 2) r.skip(4);
    this.each((t) => {
      this.topicName(t);
      if (v >= 7) r.skip(16); // topic_id
      this.error(r.int16());
      if (v >= 1) r.skipString(this.flex); // error_message
      if (v >= 5) {
        r.skip(4 + 2); // num_partitions, replication_factor
        this.each(() => { // configs
          r.skipString(this.flex);
          r.skipString(this.flex);
          r.skip(3); // read_only, config_source, is_sensitive
          this.tagged();
        });
      }
      this.tagged();
    });
  }
}
