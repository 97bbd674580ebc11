import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProtocolExchange } from '../exchange.js';
import { DnsParser } from './parser.js';
import {
  ALL_CAPTURES, DIG_A, DIG_AAAA, DIG_CNAME, DIG_NXDOMAIN, DIG_REFUSED, DIG_TCP_A, DIG_TCP_KEEPOPEN, NODE_NXDOMAIN,
  hex, type CapturedDns,
} from './fixtures.js';
import { MAX_KEPT_BYTES } from './tcp-framing.js';
import { buildMessage, concat, framed, question } from './testkit.js';

const q = (c: CapturedDns, i = 0): Uint8Array => hex(c.client[i]!);
const r = (c: CapturedDns, i = 0): Uint8Array => hex(c.server[i]!);

function only(out: ProtocolExchange[]): ProtocolExchange {
  assert.equal(out.length, 1, `expected one exchange, got ${out.length}`);
  return out[0]!;
}

describe('DnsParser over UDP', () => {
  it('datagram pairing by id', () => {
    const p = DnsParser.datagrams();
    assert.deepEqual(p.client(q(DIG_A), 1000), []);
    assert.equal(p.pendingQueries, 1);
    const e = only(p.server(r(DIG_A), 1500));
    assert.deepEqual(e, {
      startNs: 1000,
      endNs: 1500,
      requestBytes: DIG_A.client[0]!.length / 2,
      responseBytes: DIG_A.server[0]!.length / 2,
      operation: 'A',
      resource: 'example.test',
      status: 'NOERROR',
      error: false,
      attributes: {
        'network.transport': 'udp',
        'dns.question.name': 'example.test',
        'dns.question.type': 'A',
        'dns.response_code': 'NOERROR',
        'dns.answers.count': 1,
      },
      problem: null,
    });
    assert.equal(p.pendingQueries, 0);
  });

  const captured: { capture: CapturedDns; operation: string; resource: string; status: string; error: boolean; answers: number }[] = [
    { capture: DIG_AAAA, operation: 'AAAA', resource: 'v6.test', status: 'NOERROR', error: false, answers: 1 },
    { capture: DIG_CNAME, operation: 'A', resource: 'alias.test', status: 'NOERROR', error: false, answers: 2 },
    { capture: DIG_REFUSED, operation: 'A', resource: 'nothing.invalid', status: 'REFUSED', error: true, answers: 0 },
    { capture: DIG_NXDOMAIN, operation: 'A', resource: 'www.blocked.test', status: 'NXDOMAIN', error: true, answers: 0 },
    { capture: NODE_NXDOMAIN, operation: 'A', resource: 'gone.blocked.test', status: 'NXDOMAIN', error: true, answers: 0 },
  ];
  for (const c of captured) {
    it(`captured: ${c.capture.how}`, () => {
      const p = DnsParser.datagrams();
      p.client(q(c.capture), 1);
      const e = only(p.server(r(c.capture), 2));
      assert.deepEqual(
        [e.operation, e.resource, e.status, e.error, e.attributes['dns.answers.count'], e.problem],
        [c.operation, c.resource, c.status, c.error, c.answers, null],
      );
    });
  }

  it('NXDOMAIN is an error', () => {
    const p = DnsParser.datagrams();
    p.client(q(DIG_NXDOMAIN), 1);
    const e = only(p.server(r(DIG_NXDOMAIN), 2));
    assert.equal(e.error, true);
    assert.equal(e.status, 'NXDOMAIN');
    assert.equal(e.attributes['dns.response_code'], 'NXDOMAIN');
    assert.equal(e.problem, null, 'an answer that says no is still an answer');
  });

  it('out-of-order responses', () => {
    const p = DnsParser.datagrams();
    p.client(q(DIG_A), 10);
    p.client(q(DIG_AAAA), 20);
    p.client(q(DIG_CNAME), 30);
    const first = only(p.server(r(DIG_CNAME), 40));
    const second = only(p.server(r(DIG_A), 50));
    const third = only(p.server(r(DIG_AAAA), 60));
    assert.deepEqual([first.resource, first.startNs, first.endNs], ['alias.test', 30, 40]);
    assert.deepEqual([second.resource, second.startNs, second.endNs], ['example.test', 10, 50]);
    assert.deepEqual([third.resource, third.startNs, third.endNs], ['v6.test', 20, 60]);
  });

  it('same id, different questions: paired by question', () => {
    const p = DnsParser.datagrams();
    p.client(buildMessage({ id: 7, questions: [question('a.test', 1)] }), 1);
    p.client(buildMessage({ id: 7, questions: [question('a.test', 28)] }), 2);
    const e = only(p.server(buildMessage({ id: 7, response: true, questions: [question('a.test', 28)] }), 3));
    assert.deepEqual([e.operation, e.startNs], ['AAAA', 2]);
    assert.equal(p.pendingQueries, 1);
  });

  it('response to the same id but another question is unmatched', () => {
    const p = DnsParser.datagrams();
    p.client(buildMessage({ id: 7, questions: [question('a.test')] }), 1);
    assert.deepEqual(p.server(buildMessage({ id: 7, response: true, questions: [question('b.test')] }), 2), []);
    assert.equal(p.unmatchedResponses, 1);
    assert.equal(p.pendingQueries, 1);
  });

  it('response without a question pairs by id (FORMERR)', () => {
    const p = DnsParser.datagrams();
    p.client(buildMessage({ id: 9 }), 1);
    const e = only(p.server(buildMessage({ id: 9, response: true, rcode: 1, questions: [] }), 2));
    assert.deepEqual([e.status, e.error, e.resource], ['FORMERR', true, 'example.test']);
  });

  it('duplicate query', () => {
    const p = DnsParser.datagrams();
    p.client(q(DIG_A), 100);
    p.client(q(DIG_A), 200);
    p.client(q(DIG_A), 300);
    assert.equal(p.duplicateQueries, 2);
    assert.equal(p.pendingQueries, 1);
    const e = only(p.server(r(DIG_A), 400));
    assert.equal(e.startNs, 100, 'the first transmission starts the exchange');
    assert.equal(e.requestBytes, q(DIG_A).length);
    assert.deepEqual(p.server(r(DIG_A), 500), [], 'a second answer has no query left');
    assert.equal(p.unmatchedResponses, 1);
  });

  it('unmatched response', () => {
    const p = DnsParser.datagrams();
    assert.deepEqual(p.server(r(DIG_A), 1), []);
    assert.equal(p.unmatchedResponses, 1);
    assert.equal(p.ignoredServerBytes, r(DIG_A).length);
    assert.deepEqual(p.close(2), []);
  });

  it('expire → no-response', () => {
    const p = DnsParser.datagrams();
    p.client(q(DIG_A), 1_000);
    p.client(q(DIG_AAAA), 8_000);
    assert.deepEqual(p.expire(5_000, 10_000), [], 'not yet');
    const e = only(p.expire(15_000, 10_000));
    assert.deepEqual(
      [e.resource, e.startNs, e.endNs, e.status, e.error, e.problem, e.responseBytes],
      ['example.test', 1_000, 15_000, null, true, 'no-response', 0],
    );
    assert.equal(e.attributes['dns.response_code'], undefined);
    assert.equal(p.pendingQueries, 1);
    assert.equal(only(p.server(r(DIG_AAAA), 16_000)).problem, null, 'the other query is still answered');
  });

  it('close reports every pending query', () => {
    const p = DnsParser.datagrams();
    p.client(q(DIG_A), 1);
    p.client(q(DIG_AAAA), 2);
    const out = p.close(10);
    assert.deepEqual(out.map((e) => [e.resource, e.problem, e.endNs]), [['example.test', 'no-response', 10], ['v6.test', 'no-response', 10]]);
    assert.equal(p.pendingQueries, 0);
  });

  it('pending queries bounded: the oldest leaves as no-response', () => {
    const p = DnsParser.datagrams({ maxPending: 2 });
    p.client(buildMessage({ id: 1 }), 10);
    p.client(buildMessage({ id: 2 }), 20);
    const e = only(p.client(buildMessage({ id: 3 }), 30));
    assert.deepEqual([e.startNs, e.endNs, e.problem], [10, 10, 'no-response']);
    assert.equal(p.pendingQueries, 2);
  });

  it('datagram cut by the capture is truncated, still paired', () => {
    const p = DnsParser.datagrams();
    p.client(q(DIG_CNAME), 1);
    const cut = r(DIG_CNAME).subarray(0, 40);
    const e = only(p.server(cut, 2));
    assert.deepEqual([e.problem, e.status, e.resource, e.responseBytes], ['truncated', 'NOERROR', 'alias.test', 40]);
  });

  it('query with an unreadable name pairs by id and is unparsable', () => {
    const p = DnsParser.datagrams();
    p.client(buildMessage({ id: 5, questions: [[0xc0, 12, 0, 1, 0, 1]] }), 1);
    const e = only(p.server(buildMessage({ id: 5, response: true }), 2));
    assert.deepEqual([e.problem, e.resource, e.operation, e.status], ['unparsable', 'example.test', 'A', 'NOERROR']);
  });

  it('wrong direction and garbage are counted, not paired', () => {
    const p = DnsParser.datagrams();
    assert.deepEqual(p.client(r(DIG_A), 1), []);
    assert.deepEqual(p.server(q(DIG_A), 2), []);
    assert.deepEqual(p.client(Uint8Array.from([1, 2, 3]), 3), []);
    assert.equal(p.unreadableMessages, 3);
    assert.equal(p.pendingQueries, 0);
  });

  it('every captured UDP flow: bytes accounted', () => {
    for (const c of ALL_CAPTURES.filter((x) => x.transport === 'udp')) {
      const p = DnsParser.datagrams();
      const out: ProtocolExchange[] = [];
      let t = 0;
      for (const h of c.client) out.push(...p.client(hex(h), ++t));
      for (const h of c.server) out.push(...p.server(hex(h), ++t));
      out.push(...p.close(++t));
      assert.equal(out.length, c.client.length, c.how);
      assert.ok(out.every((e) => e.problem === null), c.how);
      assert.equal(out.reduce((n, e) => n + e.requestBytes, 0), c.client.join('').length / 2, c.how);
      assert.equal(out.reduce((n, e) => n + e.responseBytes, 0), c.server.join('').length / 2, c.how);
      assert.equal(p.bufferedBytes, 0);
    }
  });
});

describe('DnsParser over TCP', () => {
  const query = q(DIG_TCP_A);
  const response = r(DIG_TCP_A);

  it('captured exchange', () => {
    const p = DnsParser.stream();
    p.client(query, 1);
    const e = only(p.server(response, 2));
    assert.deepEqual(
      [e.operation, e.resource, e.status, e.requestBytes, e.responseBytes, e.attributes['network.transport'], e.problem],
      ['A', 'example.test', 'NOERROR', query.length, response.length, 'tcp', null],
    );
  });

  it('tcp length prefix split across chunks', () => {
    const p = DnsParser.stream();
    let t = 0;
    for (let i = 0; i < query.length; i++) assert.deepEqual(p.client(query.subarray(i, i + 1), ++t), []);
    assert.equal(p.pendingQueries, 1);
    const out: ProtocolExchange[] = [];
    // First byte of the prefix alone, then the rest of the prefix with part of the header, then the rest.
    out.push(...p.server(response.subarray(0, 1), 100));
    assert.equal(p.bufferedBytes, 1);
    out.push(...p.server(response.subarray(1, 7), 200));
    out.push(...p.server(response.subarray(7), 300));
    const e = only(out);
    assert.deepEqual([e.startNs, e.endNs, e.status, e.responseBytes], [1, 300, 'NOERROR', response.length]);
    assert.equal(p.bufferedBytes, 0);
  });

  it('two messages in one chunk', () => {
    const p = DnsParser.stream();
    assert.deepEqual(p.client(concat(DIG_TCP_KEEPOPEN.client.map(hex)), 1), []);
    assert.equal(p.pendingQueries, 2);
    const out = p.server(concat(DIG_TCP_KEEPOPEN.server.map(hex)), 2);
    assert.deepEqual(out.map((e) => [e.operation, e.resource, e.status]), [['A', 'example.test', 'NOERROR'], ['AAAA', 'multi.test', 'NOERROR']]);
  });

  it('a message and a half, then the rest', () => {
    const p = DnsParser.stream();
    const both = concat(DIG_TCP_KEEPOPEN.server.map(hex));
    p.client(concat(DIG_TCP_KEEPOPEN.client.map(hex)), 1);
    const cut = hex(DIG_TCP_KEEPOPEN.server[0]!).length + 5;
    assert.equal(p.server(both.subarray(0, cut), 2).length, 1);
    assert.equal(p.server(both.subarray(cut), 3).length, 1);
  });

  it('gap inside a response: paired from the header, truncated', () => {
    const p = DnsParser.stream();
    p.client(query, 1);
    p.server(response.subarray(0, 40), 2);
    p.serverGap(10, 3);
    const e = only(p.server(response.subarray(50), 4));
    assert.deepEqual([e.problem, e.status, e.responseBytes], ['truncated', 'NOERROR', response.length]);
  });

  it('gap over a length prefix: skips chunks until one starts a message', () => {
    const p = DnsParser.stream();
    const [q1, q2] = DIG_TCP_KEEPOPEN.client.map(hex) as [Uint8Array, Uint8Array];
    const [r1, r2] = DIG_TCP_KEEPOPEN.server.map(hex) as [Uint8Array, Uint8Array];
    p.client(q1, 1);
    p.client(q2, 2);
    p.serverGap(r1.length + 1, 3); // all of r1 and the first byte of r2
    assert.deepEqual(p.server(r2.subarray(1), 4), [], 'the rest of r2 cannot be framed');
    assert.equal(p.ignoredServerBytes, r1.length + r2.length);
    p.client(query, 5);
    assert.equal(only(p.server(response, 6)).resource, 'example.test', 'framing regained at a message start');
    const left = p.close(7);
    assert.deepEqual(left.map((e) => e.problem), ['no-response', 'no-response']);
  });

  it('large response: only the start is kept', () => {
    const answers = Array.from({ length: 400 }, () => ({ type: 16, rdata: new Array<number>(40).fill(0x61) }));
    const big = framed(buildMessage({ id: 0x1234, response: true, answers }));
    assert.ok(big.length > 4 * MAX_KEPT_BYTES);
    const p = DnsParser.stream();
    p.client(framed(buildMessage({ id: 0x1234 })), 1);
    const out: ProtocolExchange[] = [];
    for (let i = 0; i < big.length; i += 1000) {
      out.push(...p.server(big.subarray(i, i + 1000), 2 + i));
      assert.ok(p.bufferedBytes <= MAX_KEPT_BYTES + 2, `buffered ${p.bufferedBytes}`);
    }
    const e = only(out);
    assert.deepEqual([e.problem, e.responseBytes, e.attributes['dns.answers.count']], [null, big.length, 400]);
  });

  it('connection closed inside a response', () => {
    const p = DnsParser.stream();
    p.client(query, 1);
    p.server(response.subarray(0, 30), 2);
    const e = only(p.close(3));
    assert.deepEqual([e.problem, e.status, e.responseBytes, e.endNs], ['connection-closed', 'NOERROR', 30, 3]);
  });

  it('connection closed inside a query', () => {
    const p = DnsParser.stream();
    p.client(query.subarray(0, 35), 1);
    const e = only(p.close(2));
    assert.deepEqual([e.problem, e.resource, e.requestBytes], ['connection-closed', 'example.test', 35]);
    assert.equal(p.pendingQueries, 0);
  });

  it('bytes accounted across random splits', () => {
    const client = concat([...DIG_TCP_KEEPOPEN.client.map(hex), query]);
    const server = concat([...DIG_TCP_KEEPOPEN.server.map(hex), response]);
    for (let step = 1; step < 30; step += 3) {
      const p = DnsParser.stream();
      const out: ProtocolExchange[] = [];
      for (let i = 0; i < client.length; i += step) out.push(...p.client(client.subarray(i, i + step), i));
      for (let i = 0; i < server.length; i += step) out.push(...p.server(server.subarray(i, i + step), 1000 + i));
      out.push(...p.close(5000));
      assert.deepEqual(out.map((e) => e.resource), ['example.test', 'multi.test', 'example.test'], `step ${step}`);
      assert.equal(out.reduce((n, e) => n + e.requestBytes, 0), client.length);
      assert.equal(out.reduce((n, e) => n + e.responseBytes, 0), server.length);
    }
  });
});
