import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KAFKA_CONSUMER_FETCH, KAFKA_CONSUMER_GROUP, KAFKA_PRODUCER, hexBytes } from './fixtures.js';
import {
  FLEXIBLE_SESSION, KafkaWriter, concat, recordBatch, replay, request, response, run, summary, untimed, type Step,
} from './testkit.js';

const producerChunk = (i: number): Uint8Array => hexBytes(KAFKA_PRODUCER.chunks[i]!.hex);
/** Producer chunks: 0/1 ApiVersions, 2/3 Metadata, 4/5 Produce acks=-1, 6 Produce acks=0, 7/8 Metadata (missing). */
const API_VERSIONS = 0;
const METADATA = 2;
const PRODUCE = 4;
const PRODUCE_ACKS_0 = 6;
const METADATA_MISSING = 7;

const UUID = new Uint8Array(16).fill(0xab);

describe('KafkaParser', () => {
  it('producer session: one exchange per request, Produce acks=0 without response', () => {
    const { exchanges } = run(replay(KAFKA_PRODUCER));
    assert.deepEqual(exchanges.map(summary), [
      'ApiVersions/null/0/ok/null',
      'Metadata/orders/0/ok/null',
      'Produce/orders/0/ok/null',
      'Produce/orders/null/ok/null',
      'Metadata/missing/3/error/null',
    ]);
    assert.equal(exchanges[0]!.attributes['messaging.client.id'], 'sonde-fixture');
  });

  it('produce record count: records of the batch, topic and partition', () => {
    const { exchanges } = run([{ c: producerChunk(PRODUCE) }, { s: producerChunk(PRODUCE + 1) }, { close: true }]);
    assert.deepEqual(exchanges[0]!.attributes, {
      'messaging.system': 'kafka',
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'orders',
      'messaging.destination.partition.id': '0',
      'messaging.client.id': 'sonde-fixture',
      'messaging.batch.message_count': 2,
      'messaging.kafka.error_code': 0,
    });
    assert.equal(exchanges[0]!.requestBytes, producerChunk(PRODUCE).length);
    assert.equal(exchanges[0]!.responseBytes, producerChunk(PRODUCE + 1).length);
  });

  it('acks=0 no response: reported when the request is complete', () => {
    const { perStep, parser } = run([{ c: producerChunk(PRODUCE_ACKS_0) }]);
    assert.deepEqual(perStep[0]!.map(summary), ['Produce/orders/null/ok/null']);
    assert.equal(perStep[0]![0]!.attributes['messaging.batch.message_count'], 1);
    assert.equal(parser.pendingRequests, 0);
  });

  it('metadata unknown topic error: status is the code, error.type its name', () => {
    const { exchanges } = run([{ c: producerChunk(METADATA_MISSING) }, { s: producerChunk(METADATA_MISSING + 1) }, { close: true }]);
    const e = exchanges[0]!;
    assert.equal(e.status, '3');
    assert.equal(e.error, true);
    assert.equal(e.attributes['error.type'], 'UNKNOWN_TOPIC_OR_PARTITION');
    assert.equal(e.attributes['messaging.kafka.error_code'], 3);
  });

  it('flexible version header: ApiVersions v3 (response header v0), Metadata v12, Produce v9', () => {
    const apiVersions = request({
      apiKey: 18, apiVersion: 3, correlationId: 1, flexible: true,
      body: (w) => w.string('sonde-java', true).string('3.7.0', true).tagged(),
    });
    // ApiVersions answers with header v0 whatever the version: misreading it as v1 would take the
    // array length (3) for the error code.
    const apiVersionsReply = response(1, false, (w) => w.int16(0)
      .array([[0, 0, 9], [3, 0, 12]], true, (x, [k, lo, hi]) => x.int16(k!).int16(lo!).int16(hi!).tagged())
      .int32(0).tagged());
    const metadata = request({
      apiKey: 3, apiVersion: 12, correlationId: 2, flexible: true,
      body: (w) => w.array(['orders'], true, (x, name) => x.raw(UUID).string(name, true).tagged()).int8(1).int8(0).tagged(),
    });
    const metadataReply = response(2, true, (w) => w.int32(0)
      .array([0], true, (x) => x.int32(0).string('broker', true).int32(9092).string(null, true).tagged())
      .string('cluster', true).int32(0)
      .array(['orders'], true, (x, name) => x.int16(3).string(name, true).raw(UUID).int8(0).array([], true, () => {}).int32(0).tagged())
      .tagged());
    const records = concat(recordBatch(3), recordBatch(2));
    const produce = request({
      apiKey: 0, apiVersion: 9, correlationId: 3, flexible: true,
      body: (w) => w.string(null, true).int16(-1).int32(30_000)
        .array(['orders'], true, (x, name) => x.string(name, true)
          .array([0], true, (y, p) => y.int32(p).bytes(records, true).tagged()).tagged())
        .tagged(),
    });
    const produceReply = response(3, true, (w) => w
      .array(['orders'], true, (x, name) => x.string(name, true)
        .array([0], true, (y, p) => y.int32(p).int16(0).int64(10n).int64(-1n).int64(0n).array([], true, () => {}).string(null, true).tagged())
        .tagged())
      .int32(0).tagged());
    const { exchanges } = run([
      { c: apiVersions }, { s: apiVersionsReply }, { c: metadata }, { s: metadataReply }, { c: produce }, { s: produceReply }, { close: true },
    ]);
    assert.deepEqual(exchanges.map(summary), [
      'ApiVersions/null/0/ok/null',
      'Metadata/orders/3/error/null',
      'Produce/orders/0/ok/null',
    ]);
    assert.equal(exchanges[0]!.attributes['messaging.client.id'], 'test-client');
    assert.equal(exchanges[2]!.attributes['messaging.batch.message_count'], 5);
  });

  it('flexible versions: Produce v9 partition error, Fetch v12 records, Metadata v12', () => {
    const { exchanges } = run([{ c: FLEXIBLE_SESSION.client }, { s: FLEXIBLE_SESSION.server }, { close: true }]);
    assert.deepEqual(exchanges.map(summary), [
      'Produce/t/6/error/null',
      'Fetch/t/0/ok/null',
      'Metadata/t/3/error/null',
    ]);
    assert.equal(exchanges[0]!.attributes['messaging.batch.message_count'], 6);
    assert.equal(exchanges[0]!.attributes['messaging.destination.partition.id'], undefined, 'two partitions');
    assert.equal(exchanges[0]!.attributes['error.type'], 'NOT_LEADER_OR_FOLLOWER');
    assert.equal(exchanges[1]!.attributes['messaging.batch.message_count'], 3);
  });

  it('response split: byte by byte gives the same exchanges as whole chunks', () => {
    for (const session of [KAFKA_PRODUCER, KAFKA_CONSUMER_GROUP, KAFKA_CONSUMER_FETCH]) {
      const whole = run(replay(session)).exchanges.map(untimed);
      const steps: Step[] = [];
      for (const c of session.chunks) {
        for (const b of hexBytes(c.hex)) steps.push(c.from === 'client' ? { c: Uint8Array.of(b) } : { s: Uint8Array.of(b) });
      }
      steps.push({ close: true });
      assert.deepEqual(run(steps).exchanges.map(untimed), whole, session.how);
    }
  });

  it('unknown api key: paired and timed, named by number, not read', () => {
    const { exchanges } = run([
      { c: request({ apiKey: 200, apiVersion: 1, correlationId: 7, body: (w) => w.int32(42) }) },
      { s: response(7, false, (w) => w.int16(5).int32(0)) },
      { close: true },
    ]);
    assert.deepEqual(exchanges.map(summary), ['ApiKey200/null/null/ok/null']);
    assert.equal(exchanges[0]!.attributes['messaging.operation.name'], 'ApiKey200');
  });

  it('too short: a partial header is held, then dropped at close', () => {
    const { exchanges, parser, perStep } = run([{ c: producerChunk(METADATA).subarray(0, 9) }, { close: true }]);
    assert.equal(perStep[0]!.length, 0);
    assert.equal(exchanges.length, 0);
    assert.equal(parser.ignoredClientBytes, 9);
  });

  it('consumer group session: group calls name the group, topic calls the topic', () => {
    const { exchanges } = run(replay(KAFKA_CONSUMER_GROUP));
    assert.deepEqual(exchanges.map(summary), [
      'ApiVersions/null/0/ok/null',
      'Metadata/orders/0/ok/null',
      'FindCoordinator/sonde-group/0/ok/null',
      'JoinGroup/sonde-group/0/ok/null',
      'Metadata/orders/0/ok/null',
      'SyncGroup/sonde-group/0/ok/null',
      'OffsetFetch/sonde-group/0/ok/null',
      'ListOffsets/orders/0/ok/null',
      'OffsetCommit/sonde-group/0/ok/null',
      'LeaveGroup/sonde-group/0/ok/null',
    ]);
    assert.equal(exchanges[3]!.attributes['messaging.consumer.group.name'], 'sonde-group');
  });

  it('fetch record count: records of the batches in the response', () => {
    const { exchanges } = run(replay(KAFKA_CONSUMER_FETCH));
    assert.deepEqual(exchanges.map(summary), ['Fetch/orders/0/ok/null']);
    assert.equal(exchanges[0]!.attributes['messaging.batch.message_count'], 3);
    assert.equal(exchanges[0]!.attributes['messaging.operation.name'], 'poll');
  });

  /** A Fetch v11 request for `orders` and a response with the given partitions. */
  function fetchPair(partitions: { error: number; records: Uint8Array | null }[]): Step[] {
    const req = request({
      apiKey: 1, apiVersion: 11, correlationId: 5,
      body: (w) => w.int32(-1).int32(100).int32(1).int32(1 << 20).int8(1).int32(0).int32(-1)
        .array(['orders'], false, (x, t) => x.string(t, false).array([0], false, (y, p) => y.int32(p).int32(-1).int64(0n).int64(-1n).int32(1 << 20)))
        .array([], false, () => {}).string('', false),
    });
    const res = response(5, false, (w) => w.int32(0).int16(0).int32(0)
      .array(['orders'], false, (x, t) => x.string(t, false).array(partitions, false, (y, p) => y
        .int32(0).int16(p.error).int64(10n).int64(10n).int64(0n).array([[1n, 2n]], false, (z, [a, b]) => z.int64(a!).int64(b!)).int32(-1)
        .bytes(p.records, false))));
    return [{ c: req }, { s: res }, { close: true }];
  }

  it('fetch: control batches are not messages, a partial last batch is not counted', () => {
    const partialTail = recordBatch(4).subarray(0, 70);
    const { exchanges } = run(fetchPair([{ error: 0, records: concat(recordBatch(2), recordBatch(1, { attributes: 1 << 5 }), partialTail) }]));
    assert.equal(exchanges[0]!.attributes['messaging.batch.message_count'], 2);
    assert.equal(exchanges[0]!.problem, null);
  });

  it('fetch: first non-zero partition error wins', () => {
    const { exchanges } = run(fetchPair([{ error: 0, records: null }, { error: 1, records: null }, { error: 6, records: null }]));
    assert.deepEqual(exchanges.map(summary), ['Fetch/orders/1/error/null']);
    assert.equal(exchanges[0]!.attributes['error.type'], 'OFFSET_OUT_OF_RANGE');
  });

  it('fetch larger than the kept prefix: what was held counts, the rest is truncated', () => {
    const big = concat(recordBatch(3, { payloadBytes: 6000 }), recordBatch(5));
    const { exchanges } = run(fetchPair([{ error: 0, records: big }, { error: 6, records: null }]), { maxKeptBytes: 4096 });
    assert.deepEqual(exchanges.map(summary), ['Fetch/orders/0/ok/truncated']);
    assert.equal(exchanges[0]!.attributes['messaging.batch.message_count'], 3, 'a lower bound: the second batch header was not held');
  });

  it('gap then resync: a gap past a request end loses the next header; the parser finds the one after', () => {
    const metadata = producerChunk(METADATA);
    const produce = producerChunk(PRODUCE);
    const { exchanges, parser } = run([
      { c: producerChunk(API_VERSIONS) }, { s: producerChunk(API_VERSIONS + 1) },
      { c: metadata.subarray(0, 20) }, { cgap: metadata.length - 20 + 5 }, { c: produce.subarray(5) },
      { c: producerChunk(PRODUCE_ACKS_0) },
      { s: producerChunk(METADATA + 1) }, { s: producerChunk(PRODUCE + 1) },
      { close: true },
    ]);
    assert.deepEqual(exchanges.map(summary), [
      'ApiVersions/null/0/ok/null',
      'Produce/orders/null/ok/null', // acks=0, found again after the lost header
      'Metadata/orders/0/ok/truncated', // header held, client id and topics lost; the response names the topic
      'null/null/null/ok/truncated', // the first Produce was lost: its response stands alone
    ]);
    assert.equal(parser.ignoredClientBytes, produce.length);
  });

  it('junk is reported as unparsable, then parsing resumes', () => {
    const junk = new TextEncoder().encode('\x16\x03\x01 not kafka at all, nor anything');
    const { exchanges } = run([{ c: concat(junk, producerChunk(API_VERSIONS)) }, { s: producerChunk(API_VERSIONS + 1) }, { close: true }]);
    assert.deepEqual(exchanges.map(summary), ['null/null/null/ok/unparsable', 'ApiVersions/null/0/ok/null']);
    assert.equal(exchanges[0]!.requestBytes, junk.length);
  });

  it('close → no-response: unanswered requests end at close, as errors', () => {
    const { exchanges } = run([{ c: producerChunk(METADATA) }, { c: producerChunk(PRODUCE) }, { close: true }]);
    assert.deepEqual(exchanges.map(summary), ['Metadata/orders/null/error/no-response', 'Produce/orders/null/error/no-response']);
    assert.equal(exchanges[1]!.endNs, 3000);
  });

  it('close inside a response: connection-closed', () => {
    const res = producerChunk(METADATA + 1);
    const { exchanges } = run([{ c: producerChunk(METADATA) }, { s: res.subarray(0, 30) }, { close: true }]);
    assert.deepEqual(exchanges.map(summary), ['Metadata/orders/null/ok/connection-closed']);
    assert.equal(exchanges[0]!.responseBytes, 30);
  });

  it('a response to nothing stands alone, unread', () => {
    const { exchanges } = run([{ s: producerChunk(METADATA + 1) }, { close: true }]);
    assert.deepEqual(exchanges.map(summary), ['null/null/null/ok/truncated']);
  });

  it('pending cap: the oldest unanswered request gives way', () => {
    const req = (id: number): Step => ({ c: request({ apiKey: 12, apiVersion: 3, correlationId: id, body: (w) => w.string('g', false) }) });
    const { perStep } = run([req(1), req(2), req(3)], { maxPending: 2 });
    assert.deepEqual(perStep[2]!.map(summary), ['Heartbeat/g/null/error/no-response']);
  });

  it('legacy message sets (magic 1) are not counted', () => {
    const produce = request({
      apiKey: 0, apiVersion: 2, correlationId: 9,
      body: (w) => w.int16(1).int32(1000).array(['t'], false, (x, t) => x.string(t, false)
        .array([0], false, (y, p) => y.int32(p).bytes(recordBatch(2, { magic: 1 }), false))),
    });
    const { exchanges } = run([{ c: produce }, { close: true }]);
    assert.equal(exchanges[0]!.resource, 't');
    assert.equal(exchanges[0]!.attributes['messaging.batch.message_count'], undefined);
  });

  it('a writer sanity check: compact strings are varint length + 1', () => {
    assert.deepEqual(new KafkaWriter().string('ab', true).build(), Uint8Array.of(3, 0x61, 0x62));
    assert.deepEqual(new KafkaWriter().uvarint(300).build(), Uint8Array.of(0xac, 0x02));
  });
});
