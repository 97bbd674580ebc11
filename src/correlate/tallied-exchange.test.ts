import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { L7Protocol, type L7Tally, type L7TallyKey } from '../decode/generated/l7.js';
import { talliedExchanges, talliedOperation, talliedProtocol } from './tallied-exchange.js';
import type { ExchangeIdentity } from './protocol-record.js';

const identity: ExchangeIdentity = {
  side: 'client', pid: 7, comm: 'redis-benchmark', exe: null, serviceName: 'redis-benchmark', peerService: 'redis-server',
  family: 4, localAddr: '127.0.0.1', localPort: 40000, remoteAddr: '127.0.0.1', remotePort: 6379, socketCookie: 99, tls: false,
};

function key(extra: Partial<L7TallyKey> = {}): L7TallyKey {
  return { cookie: 99, detail: 0, status: 0, epoch: 1, message: 0, operation: 'SET', ...extra };
}

function tally(counts: Record<number, [number, number]>): L7Tally {
  const bucketCounts = new Array<number>(20).fill(0);
  const bucketSumNs = new Array<number>(20).fill(0);
  for (const [i, [n, sum]] of Object.entries(counts)) {
    bucketCounts[Number(i)] = n;
    bucketSumNs[Number(i)] = sum;
  }
  return { bucketCounts, bucketSumNs, pid: 7, peerPid: 0, protocol: L7Protocol.REDIS, family: 2, server: 0, tls: 0, localPort: 40000, remotePort: 6379, localAddr: new Uint8Array(16), remoteAddr: new Uint8Array(16) };
}

describe('talliedExchanges', () => {
  it('makes one exchange per filled bucket, at the bucket mean', () => {
    const out = talliedExchanges(identity, key(), tally({ 0: [3, 90_000], 4: [1, 800_000] }), 'redis', 1000);
    assert.deepEqual(out.map((t) => [t.count, t.exchange.durationMs]), [[3, 0.03], [1, 0.8]]);
    assert.equal(out[0]?.exchange.operation, 'SET');
    assert.equal(out[0]?.exchange.failed, false);
    assert.equal(out[0]?.exchange.serviceName, 'redis-benchmark');
  });

  it('marks a failed tally with the status text ERROR', () => {
    const [t] = talliedExchanges(identity, key({ status: 1 }), tally({ 1: [2, 150_000] }), 'redis', 1000);
    assert.equal(t?.exchange.failed, true);
    assert.equal(t?.exchange.statusText, 'ERROR');
  });

  it('fills the HTTP fields for HTTP tallies', () => {
    const [t] = talliedExchanges({ ...identity, side: 'server' }, key({ operation: 'GET', status: 404, detail: 123 }), tally({ 2: [1, 200_000] }), 'http', 1000);
    assert.equal(t?.exchange.method, 'GET');
    assert.equal(t?.exchange.status, 404);
    assert.equal(t?.exchange.operation, null);
    assert.equal(t?.exchange.tallyKey, 123);
  });

  it('makes nothing of an empty tally', () => {
    assert.deepEqual(talliedExchanges(identity, key(), tally({}), 'redis', 1000), []);
  });
});

describe('talliedOperation', () => {
  const cases: Array<[string, Parameters<typeof talliedOperation>[0], string, number, string | null]> = [
    ['redis command upper-cased', 'redis', 'set', 0, 'SET'],
    ['SQL verb upper-cased', 'postgresql', 'select', 0x51, 'SELECT'],
    ['HTTP method as sent', 'http', 'GET', 0, 'GET'],
    ['no word read', 'postgresql', '', 0x42, null],
    ['not a word', 'redis', '\u0001\u0002', 0, null],
    ['Kafka by API key', 'kafka', '', 3, 'Metadata'],
  ];
  for (const [name, protocol, operation, message, expected] of cases) {
    it(name, () => assert.equal(talliedOperation(protocol, { operation, message }), expected));
  }
});

describe('talliedProtocol', () => {
  it('names the protocols the kernel tallies and no others', () => {
    assert.equal(talliedProtocol(L7Protocol.HTTP1), 'http');
    assert.equal(talliedProtocol(L7Protocol.POSTGRESQL), 'postgresql');
    assert.equal(talliedProtocol(L7Protocol.HTTP2), null);
    assert.equal(talliedProtocol(L7Protocol.DNS), null);
    assert.equal(talliedProtocol(200), null);
  });
});
