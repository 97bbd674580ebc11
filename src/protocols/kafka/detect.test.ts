import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikeKafkaRequest } from './detect.js';
import { KAFKA_CONSUMER_FETCH, KAFKA_CONSUMER_GROUP, KAFKA_PRODUCER, hexBytes } from './fixtures.js';
import { KafkaWriter, request } from './testkit.js';

const CAPTURED = [KAFKA_PRODUCER, KAFKA_CONSUMER_GROUP, KAFKA_CONSUMER_FETCH];

/** size, api_key, api_version, correlation_id, client_id length, then `rest`. */
function head(size: number, apiKey: number, apiVersion: number, correlationId: number, clientIdLength: number, rest = ''): Uint8Array {
  return new KafkaWriter().int32(size).int16(apiKey).int16(apiVersion).int32(correlationId).int16(clientIdLength)
    .raw(new TextEncoder().encode(rest)).build();
}

describe('looksLikeKafkaRequest', () => {
  it('recognises every captured request, and all but one captured response are not taken for one', () => {
    const lookAlikes: string[] = [];
    for (const s of CAPTURED) {
      for (const c of s.chunks) {
        const b = hexBytes(c.hex);
        if (c.from === 'client') {
          assert.equal(looksLikeKafkaRequest(b), true, s.how);
          assert.equal(looksLikeKafkaRequest(b.subarray(0, 14)), true, 'the header alone decides');
        } else if (looksLikeKafkaRequest(b)) {
          lookAlikes.push(c.hex.slice(0, 28));
        }
      }
    }
    // A Produce response (correlation id 2, one topic, "orders") reads as a Produce v2 request
    // from client "orders": the layouts coincide. A connection's first response is ApiVersions'.
    assert.deepEqual(lookAlikes, ['00000036000000020000000100066f7264657273'.slice(0, 28)]);
  });

  const cases: { name: string; input: Uint8Array; want: boolean }[] = [
    { name: 'too short', input: head(40, 3, 6, 1, 5).subarray(0, 13), want: false },
    { name: 'empty', input: new Uint8Array(0), want: false },
    { name: 'header only', input: head(40, 3, 6, 1, 5), want: true },
    { name: 'null client id (allowed by the protocol, refused here)', input: head(10, 18, 0, 0, -1), want: false },
    { name: 'empty client id', input: head(10, 18, 0, 0, 0), want: false },
    { name: 'response shaped like a header: small correlation id, zeros', input: head(86, 0, 0, 0, 0, '\x00\x0c'), want: false },
    { name: 'flexible ApiVersions v3', input: request({ apiKey: 18, apiVersion: 3, correlationId: 0, flexible: true, clientId: 'java' }), want: true },
    { name: 'highest named api key', input: head(40, 92, 0, 1, 3, 'abc'), want: true },
    { name: 'api key past the table', input: head(40, 93, 0, 1, 3, 'abc'), want: false },
    { name: 'negative api key', input: head(40, -1, 0, 1, 3, 'abc'), want: false },
    { name: 'api version too high', input: head(40, 0, 21, 1, 3, 'abc'), want: false },
    { name: 'size below the header', input: head(9, 18, 0, 0, 1), want: false },
    { name: 'size above 100 MiB', input: head(100 * 1024 * 1024 + 1, 0, 7, 1, 3, 'abc'), want: false },
    { name: 'negative correlation id', input: head(40, 3, 6, -5, 3, 'abc'), want: false },
    { name: 'client id longer than the request', input: head(20, 3, 6, 1, 11), want: false },
    { name: 'client id length negative', input: head(40, 3, 6, 1, -2), want: false },
    { name: 'client id with control bytes', input: head(40, 3, 6, 1, 3, 'a\x01c'), want: false },
    { name: 'HTTP request', input: new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), want: false },
    { name: 'MongoDB OP_MSG', input: Uint8Array.from(Buffer.from('5600000003000000000000 00dd0700000000000000'.replace(/ /g, ''), 'hex')), want: false },
    { name: 'Redis command', input: new TextEncoder().encode('*1\r\n$4\r\nPING\r\n'), want: false },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(looksLikeKafkaRequest(c.input), c.want));
  }
});
