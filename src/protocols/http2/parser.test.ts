import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { indexed, literal, sizeUpdate } from '../hpack/testkit.js';
import type { ProtocolExchange } from '../exchange.js';
import {
  ALL_CAPTURES, GRPC_NOT_FOUND, GRPC_SERVER_STREAMING, GRPC_UNARY, H2_404, H2_CANCEL, H2_GET, H2_LARGE, H2_MULTIPLEXED,
  H2_POST, chunkBytes, sideBytes,
} from './fixtures.js';
import { Http2Parser } from './parser.js';
import {
  PREFACE, captured, concatBytes, data, goaway, grpcMessage, headers, ping, pushPromise, requestBlock, responseBlock, rstStream,
  run, settings, windowUpdate, type Step,
} from './testkit.js';

const bytesOf = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const open = (...frames: Uint8Array[]): Step => ({ c: concatBytes(PREFACE, settings(), ...frames) });
const serverOpen = (...frames: Uint8Array[]): Step => ({ s: concatBytes(settings(), ...frames) });

function only(exchanges: ProtocolExchange[]): ProtocolExchange {
  assert.equal(exchanges.length, 1, JSON.stringify(exchanges));
  return exchanges[0]!;
}

describe('Http2Parser on captured Node http2 traffic', () => {
  it('GET: method, path, authority, user agent, status and byte counts', () => {
    const { exchanges, parser } = run(captured(H2_GET));
    const e = only(exchanges);
    assert.equal(e.operation, 'GET');
    assert.equal(e.resource, '/hello');
    assert.equal(e.status, '200');
    assert.equal(e.error, false);
    assert.equal(e.problem, null);
    assert.equal(e.protocol, undefined);
    assert.deepEqual(e.attributes, {
      'network.protocol.version': '2',
      'http.request.method': 'GET',
      'url.path': '/hello',
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'server.port': 35865,
      'user_agent.original': 'sonde-fixture/1.0',
      'http.response.status_code': 200,
      'http.request.body.size': 0,
      'http.response.body.size': 17,
    });
    // HEADERS (9 + 77); HEADERS (9 + 34) + DATA (9 + 17).
    assert.equal(e.requestBytes, 86);
    assert.equal(e.responseBytes, 69);
    assert.equal(e.startNs, 1000);
    assert.equal(e.endNs, 3000);
    assert.equal(parser.startedMidStream, false);
  });

  it('credentials (authorization, cookie) are never kept', () => {
    const { exchanges } = run(captured(H2_GET));
    assert.doesNotMatch(JSON.stringify(exchanges), /secret/);
  });

  it('POST with a body: query string dropped from the resource, body size counted', () => {
    const e = only(run(captured(H2_POST)).exchanges);
    assert.equal(e.operation, 'POST');
    assert.equal(e.resource, '/echo');
    assert.equal(e.attributes['http.request.body.size'], 43);
    assert.equal(e.attributes['http.response.body.size'], 15);
    assert.equal(e.requestBytes, 9 + 53 + 9 + 43);
  });

  it('404 is not an error at this level (the integrator decides for 4xx), its code is exposed', () => {
    const e = only(run(captured(H2_404)).exchanges);
    assert.equal(e.status, '404');
    assert.equal(e.error, false);
    assert.equal(e.attributes['http.response.status_code'], 404);
  });

  it('large DATA counted: 40000 bytes in three DATA frames', () => {
    const e = only(run(captured(H2_LARGE)).exchanges);
    assert.equal(e.attributes['http.response.body.size'], 40000);
    assert.equal(e.responseBytes, 9 + 43 + 3 * 9 + 40000);
  });

  it('large DATA counted: only the first bytes of each DATA frame captured, the rest gaps', () => {
    // Server chunk: SETTINGS ACK (9), HEADERS (9 + 43), then DATA frames of 16384, 16384, 7232.
    const big = captured(H2_LARGE).find((step) => 's' in step && step.s.length > 40000) as { s: Uint8Array };
    const starts = [61, 61 + 9 + 16384, 61 + 2 * (9 + 16384), big.s.length];
    const steps: Step[] = captured(H2_LARGE).flatMap((step): Step[] => {
      if (step !== big) return [step];
      const pieces: Step[] = [{ s: big.s.subarray(0, starts[0]! + 100) }];
      for (let i = 0; i < 3; i++) {
        if (i > 0) pieces.push({ s: big.s.subarray(starts[i]!, starts[i]! + 100) });
        pieces.push({ sgap: starts[i + 1]! - starts[i]! - 100 });
      }
      return pieces;
    });
    const { exchanges, parser } = run(steps);
    const e = only(exchanges);
    assert.equal(e.attributes['http.response.body.size'], 40000);
    assert.equal(e.responseBytes, 9 + 43 + 3 * 9 + 40000);
    assert.equal(e.problem, null);
    assert.equal(e.status, '200');
    assert.ok(parser.bufferedBytes < 100);
  });

  it('multiplexed streams complete out of order: /fast (stream 3) before /slow (stream 1)', () => {
    const { exchanges } = run(captured(H2_MULTIPLEXED));
    assert.deepEqual(exchanges.map((e) => [e.resource, e.status]), [['/fast', '200'], ['/slow', '200'], ['/fast', '200']]);
    assert.ok(exchanges[1]!.startNs < exchanges[0]!.startNs, '/slow started first');
    // The third request's header block is almost all dynamic-table references (10 bytes).
    assert.equal(exchanges[2]!.requestBytes, 19);
    assert.equal(exchanges[2]!.attributes['user_agent.original'], 'sonde-fixture/1.0');
  });

  it('RST_STREAM (CANCEL) from the client: status from the error code, error, partial body counted', () => {
    const e = only(run(captured(H2_CANCEL)).exchanges);
    assert.equal(e.status, 'CANCEL');
    assert.equal(e.error, true);
    assert.equal(e.attributes['error.type'], 'CANCEL');
    assert.equal(e.attributes['http.response.status_code'], 200);
    assert.equal(e.problem, null);
    assert.equal(e.requestBytes, 9 + 35 + 9 + 4);
  });

  it('every byte is either in an exchange or ignored (preface, connection frames)', () => {
    for (const c of ALL_CAPTURES) {
      const { exchanges, parser } = run(captured(c));
      const req = exchanges.reduce((n, e) => n + e.requestBytes, 0);
      const res = exchanges.reduce((n, e) => n + e.responseBytes, 0);
      assert.equal(req + parser.ignoredClientBytes, sideBytes(c, 'c').length, c.how);
      assert.equal(res + parser.ignoredServerBytes, sideBytes(c, 's').length, c.how);
    }
  });

  it('byte-by-byte delivery gives the same exchanges as the captured chunks', () => {
    const strip = (e: ProtocolExchange): unknown => ({ ...e, startNs: 0, endNs: 0 });
    for (const c of ALL_CAPTURES) {
      const whole = run(captured(c)).exchanges.map(strip);
      const steps: Step[] = [];
      for (const step of captured(c, false)) {
        if ('c' in step) for (const b of step.c) steps.push({ c: Uint8Array.of(b) });
        else if ('s' in step) for (const b of step.s) steps.push({ s: Uint8Array.of(b) });
      }
      steps.push({ close: true });
      assert.deepEqual(run(steps).exchanges.map(strip), whole, c.how);
    }
  });
});

describe('Http2Parser gRPC (captured @grpc/grpc-js traffic)', () => {
  it('gRPC unary: two calls, method, service, status 0 and one message each way', () => {
    const { exchanges } = run(captured(GRPC_UNARY));
    assert.equal(exchanges.length, 2);
    for (const e of exchanges) {
      assert.equal(e.protocol, 'grpc');
      assert.equal(e.operation, 'SayHello');
      assert.equal(e.resource, '/sonde.test.Greeter/SayHello');
      assert.equal(e.status, '0');
      assert.equal(e.error, false);
      assert.equal(e.problem, null);
      assert.equal(e.attributes['rpc.system'], 'grpc');
      assert.equal(e.attributes['rpc.service'], 'sonde.test.Greeter');
      assert.equal(e.attributes['rpc.method'], 'SayHello');
      assert.equal(e.attributes['rpc.grpc.status_code'], 0);
      assert.equal(e.attributes['rpc.request.messages'], 1);
      assert.equal(e.attributes['rpc.response.messages'], 1);
    }
  });

  it('gRPC server-streaming: 3 response messages', () => {
    const e = only(run(captured(GRPC_SERVER_STREAMING)).exchanges);
    assert.equal(e.operation, 'StreamGreetings');
    assert.equal(e.attributes['rpc.request.messages'], 1);
    assert.equal(e.attributes['rpc.response.messages'], 3);
    assert.equal(e.status, '0');
  });

  it('gRPC error NOT_FOUND as a trailers-only response: status 5, error, no response message', () => {
    const e = only(run(captured(GRPC_NOT_FOUND)).exchanges);
    assert.equal(e.operation, 'Lookup');
    assert.equal(e.status, '5');
    assert.equal(e.error, true);
    assert.equal(e.attributes['rpc.grpc.status_code'], 5);
    assert.equal(e.attributes['rpc.response.messages'], 0);
    assert.equal(e.attributes['http.response.status_code'], 200);
  });

  it('trailers-only response (synthetic): grpc-status in the only HEADERS, END_STREAM on it', () => {
    const { exchanges } = run([
      open(headers(1, requestBlock('POST', '/pkg.Svc/Get', [['content-type', 'application/grpc']])), data(1, grpcMessage('q'), { endStream: true })),
      serverOpen(headers(1, responseBlock('200', [['content-type', 'application/grpc'], ['grpc-status', '14']]), { endStream: true })),
    ]);
    const e = only(exchanges);
    assert.equal(e.status, '14');
    assert.equal(e.error, true);
    assert.equal(e.attributes['rpc.service'], 'pkg.Svc');
  });

  it('client-streaming and bidi: one exchange per stream, messages counted across DATA frame splits', () => {
    const msgs = concatBytes(grpcMessage('a'), grpcMessage('bb'), grpcMessage(''), grpcMessage('dddd'));
    const { exchanges } = run([
      open(headers(1, requestBlock('POST', '/chat.Room/Talk', [['content-type', 'application/grpc+proto']])),
        data(1, msgs.subarray(0, 3)), data(1, msgs.subarray(3, 12))),
      serverOpen(headers(1, responseBlock('200', [['content-type', 'application/grpc']])), data(1, grpcMessage('x'))),
      { c: data(1, msgs.subarray(12), { endStream: true }) },
      { s: concatBytes(data(1, concatBytes(grpcMessage('y'), grpcMessage('z'))), headers(1, literal('grpc-status', '0'), { endStream: true })) },
    ]);
    const e = only(exchanges);
    assert.equal(e.attributes['rpc.request.messages'], 4);
    assert.equal(e.attributes['rpc.response.messages'], 3);
    assert.equal(e.status, '0');
  });

  it('no grpc-status at all with HTTP 503: the code a client derives (UNAVAILABLE, 14)', () => {
    const { exchanges } = run([
      open(headers(1, requestBlock('POST', '/a.B/C', [['content-type', 'application/grpc']]), { endStream: true })),
      serverOpen(headers(1, responseBlock('503'), { endStream: true })),
    ]);
    const e = only(exchanges);
    assert.equal(e.status, '14');
    assert.equal(e.error, true);
  });
});

describe('Http2Parser stream lifecycle (synthetic frames)', () => {
  it('multiplexed streams complete out of order, each with its own bytes', () => {
    const { exchanges } = run([
      open(headers(1, requestBlock('GET', '/one'), { endStream: true }), headers(3, requestBlock('GET', '/three'), { endStream: true }),
        headers(5, requestBlock('POST', '/five'))),
      serverOpen(headers(3, responseBlock('200')), headers(1, responseBlock('200'))),
      { s: data(1, bytesOf('1'), { endStream: true }) },
      { c: data(5, bytesOf('body'), { endStream: true }) },
      { s: concatBytes(data(3, bytesOf('33'), { endStream: true }), headers(5, responseBlock('500'), { endStream: true })) },
    ]);
    assert.deepEqual(exchanges.map((e) => [e.resource, e.status, e.error]), [['/one', '200', false], ['/three', '200', false], ['/five', '500', true]]);
    assert.equal(exchanges[2]!.attributes['http.request.body.size'], 4);
  });

  it('RST_STREAM from the server before any response: status REFUSED_STREAM, error', () => {
    const e = only(run([open(headers(1, requestBlock('GET', '/r'), { endStream: true })), serverOpen(rstStream(1, 7))]).exchanges);
    assert.equal(e.status, 'REFUSED_STREAM');
    assert.equal(e.error, true);
    assert.equal(e.responseBytes, 13);
  });

  it('GOAWAY: streams above last-stream-id are reported unanswered at once, the others go on', () => {
    const { exchanges, emittedAt } = run([
      open(headers(1, requestBlock('GET', '/a'), { endStream: true }), headers(3, requestBlock('GET', '/b'), { endStream: true }),
        headers(5, requestBlock('GET', '/c'), { endStream: true })),
      serverOpen(goaway(3, 0)),
      { s: concatBytes(headers(1, responseBlock('200'), { endStream: true }), headers(3, responseBlock('200'), { endStream: true })) },
      { close: true },
    ]);
    assert.deepEqual(exchanges.map((e) => [e.resource, e.problem, e.error]), [['/c', 'no-response', true], ['/a', null, false], ['/b', null, false]]);
    assert.deepEqual(emittedAt, [1, 2, 2]);
  });

  it('close: unanswered requests no-response, a response cut short connection-closed', () => {
    const { exchanges } = run([
      open(headers(1, requestBlock('GET', '/never'), { endStream: true }), headers(3, requestBlock('GET', '/cut'), { endStream: true })),
      serverOpen(headers(3, responseBlock('200')), data(3, bytesOf('part'))),
      { close: true },
    ]);
    assert.deepEqual(exchanges.map((e) => [e.resource, e.problem, e.error, e.status]), [
      ['/never', 'no-response', true, null],
      ['/cut', 'connection-closed', false, '200'],
    ]);
  });

  it('informational 100 is passed over, the final response counts', () => {
    const { exchanges } = run([
      open(headers(1, requestBlock('POST', '/upload', [['expect', '100-continue']]))),
      serverOpen(headers(1, responseBlock('100'))),
      { c: data(1, bytesOf('payload'), { endStream: true }) },
      { s: headers(1, responseBlock('201'), { endStream: true }) },
    ]);
    assert.equal(only(exchanges).status, '201');
  });

  it('WINDOW_UPDATE, PING, PRIORITY tolerated: connection ones ignored, stream ones counted', () => {
    const { exchanges, parser } = run([
      open(headers(1, requestBlock('GET', '/w'), { endStream: true }), windowUpdate(0, 1000), windowUpdate(1, 1000), ping()),
      serverOpen(ping(true), headers(1, responseBlock('200'), { endStream: true })),
    ]);
    const e = only(exchanges);
    assert.equal(e.requestBytes, 9 + requestBlock('GET', '/w').length + 13);
    assert.equal(parser.ignoredClientBytes, 24 + 9 + 13 + 17);
  });

  it("SETTINGS_HEADER_TABLE_SIZE from the server bounds the client's table size updates", () => {
    const request = headers(1, concatBytes(sizeUpdate(8192), requestBlock('GET', '/t')), { endStream: true });
    const allowed = run([
      { s: settings([[1, 8192]]) },
      open(request),
      { s: headers(1, responseBlock('200'), { endStream: true }) },
    ]);
    assert.equal(only(allowed.exchanges).problem, null);
    const refused = run([
      { s: settings() },
      open(request),
      { s: headers(1, responseBlock('200'), { endStream: true }) },
    ]);
    assert.equal(only(refused.exchanges).problem, 'unparsable');
    assert.equal(only(refused.exchanges).resource, '/t', 'a problem, yet the fields still decoded');
  });

  it('server push: the promised stream is its own exchange with the promised request', () => {
    const { exchanges } = run([
      open(headers(1, requestBlock('GET', '/page'), { endStream: true })),
      serverOpen(pushPromise(1, 2, requestBlock('GET', '/style.css')), headers(1, responseBlock('200'), { endStream: true }),
        headers(2, responseBlock('200')), data(2, bytesOf('css'), { endStream: true })),
    ]);
    assert.deepEqual(exchanges.map((e) => [e.resource, e.status, e.requestBytes]), [['/page', '200', 9 + requestBlock('GET', '/page').length], ['/style.css', '200', 0]]);
  });

  it('more open streams than maxPending: the oldest is reported no-response', () => {
    const frames = [1, 3, 5, 7].map((id) => headers(id, requestBlock('GET', `/${id}`), { endStream: true }));
    const { exchanges, parser } = run([open(...frames)], { maxPending: 2 });
    assert.deepEqual(exchanges.map((e) => [e.resource, e.problem]), [['/1', 'no-response'], ['/3', 'no-response']]);
    assert.equal(parser.pendingStreams, 2);
  });

  it('h2c upgrade: stream 1 is the HTTP/1.1 request, its response comes as HTTP/2', () => {
    const { exchanges } = run([
      { c: concatBytes(PREFACE, settings()) },
      { s: concatBytes(settings([[3, 100]]), headers(1, responseBlock('200', [['content-type', 'text/html']])), data(1, bytesOf('<html>'), { endStream: true })) },
      { c: concatBytes(settings([], true), headers(3, requestBlock('GET', '/next'), { endStream: true })) },
      { s: headers(3, responseBlock('404'), { endStream: true }) },
    ], { afterUpgrade: { method: 'GET', path: '/up?x=1', authority: 'example.com' } });
    assert.deepEqual(exchanges.map((e) => [e.operation, e.resource, e.status, e.requestBytes]), [
      ['GET', '/up', '200', 0],
      ['GET', '/next', '404', 9 + requestBlock('GET', '/next').length],
    ]);
    assert.equal(exchanges[0]!.attributes['server.address'], 'example.com');
    assert.equal(exchanges[0]!.attributes['http.response.body.size'], 6);
    assert.equal(exchanges[0]!.problem, null);
  });
});

describe('Http2Parser mid-stream start and lost bytes', () => {
  it('mid-stream start: static/literal headers recovered, dynamic ones unknown', () => {
    // The request reuses :authority and user-agent from a table filled before capture began.
    const block = concatBytes(indexed(3), literal(4, '/orders/7', 'without'), indexed(6), indexed(62), indexed(63), literal(31, 'application/json'));
    const { exchanges, parser } = run([
      { c: concatBytes(headers(9, block), data(9, bytesOf('{}'), { endStream: true })) },
      { s: concatBytes(headers(9, concatBytes(indexed(8), indexed(64))), data(9, bytesOf('ok'), { endStream: true })) },
    ]);
    const e = only(exchanges);
    assert.equal(parser.startedMidStream, true);
    assert.equal(e.operation, 'POST');
    assert.equal(e.resource, '/orders/7');
    assert.equal(e.status, '200');
    assert.equal(e.attributes['server.address'], undefined, 'never a guessed authority');
    assert.equal(e.attributes['user_agent.original'], undefined);
    assert.equal(e.problem, null);
  });

  it('mid-stream start on captured gRPC: the second call, its content-type unknown, is still gRPC by its framing', () => {
    const e = only(run(captured(GRPC_UNARY).slice(6)).exchanges);
    assert.equal(e.protocol, 'grpc');
    assert.equal(e.operation, 'SayHello');
    assert.equal(e.status, null, 'grpc-status came from the unseen table');
    assert.equal(e.error, false);
    assert.equal(e.problem, 'truncated');
    assert.equal(e.attributes['rpc.request.messages'], 1);
  });

  it('mid-stream start inside a frame: bytes before the first frame boundary are skipped', () => {
    const tail = bytesOf('rest of a DATA frame we joined half-way');
    const { exchanges, parser } = run([
      { c: concatBytes(tail, headers(11, requestBlock('GET', '/mid')), data(11, bytesOf('x'), { endStream: true })) },
      { s: concatBytes(bytesOf('junk!'), headers(11, responseBlock('204'), { endStream: true })) },
    ]);
    const e = only(exchanges);
    assert.equal(e.resource, '/mid');
    assert.equal(e.status, '204');
    assert.equal(parser.ignoredClientBytes, tail.length);
    assert.equal(parser.ignoredServerBytes, 5);
  });

  it('mid-stream start: a response whose request was never seen is reported truncated', () => {
    const { exchanges } = run([
      { s: concatBytes(headers(5, responseBlock('200')), data(5, bytesOf('late'), { endStream: true })) },
      { close: true },
    ]);
    const e = only(exchanges);
    assert.equal(e.operation, null);
    assert.equal(e.status, '200');
    assert.equal(e.problem, 'truncated');
  });

  it('mid-stream start on a large frame cut by the capture: the segment start is taken as a frame start', () => {
    const big = data(13, new Uint8Array(16384).fill(0x41));
    const { exchanges, parser } = run([
      { s: big.subarray(0, 100) },
      { sgap: big.length - 100 },
      { s: data(13, bytesOf('end'), { endStream: true }) },
    ]);
    const e = only(exchanges);
    assert.equal(e.responseBytes, big.length + 9 + 3);
    assert.equal(e.problem, 'truncated');
    assert.equal(parser.ignoredServerBytes, 0);
  });

  it('mid-stream start: request trailers of a stream joined late are not taken for a request', () => {
    const { exchanges } = run([
      { c: headers(21, literal('x-checksum', 'abc'), { endStream: true }) },
      { s: headers(21, responseBlock('200'), { endStream: true }) },
    ]);
    const e = only(exchanges);
    assert.equal(e.operation, null);
    assert.equal(e.problem, 'truncated');
  });

  it('gap inside a request header block: that stream truncated, later dynamic references unknown, never stale', () => {
    const first = headers(1, concatBytes(indexed(2), literal(4, '/first', 'incremental')), { endStream: true });
    const { exchanges } = run([
      { c: concatBytes(PREFACE, settings(), first.subarray(0, 12)) },
      { cgap: first.length - 12 },
      { c: headers(3, concatBytes(indexed(2), indexed(62)), { endStream: true }) },
      serverOpen(headers(1, responseBlock('200'), { endStream: true }), headers(3, responseBlock('200'), { endStream: true })),
    ]);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.resource, e.problem]), [[null, null, 'truncated'], ['GET', null, null]]);
  });

  it('gap over frame headers: resync on a frame of a known stream, the stream is reported truncated', () => {
    const { exchanges } = run([
      open(headers(1, requestBlock('GET', '/g'), { endStream: true })),
      serverOpen(headers(1, responseBlock('200'))),
      { sgap: 30 },
      { s: concatBytes(bytesOf('tail'), data(1, bytesOf('end'), { endStream: true })) },
    ]);
    const e = only(exchanges);
    assert.equal(e.resource, '/g');
    assert.equal(e.problem, 'truncated');
    assert.equal(e.attributes['http.response.body.size'], undefined, 'body size unknown after lost frames');
  });

  it('garbage instead of HTTP/2: the direction is given up, nothing throws, bytes counted', () => {
    const junk = new Uint8Array(400_000);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919) & 0xff;
    const p = new Http2Parser();
    p.client(junk, 1);
    assert.equal(p.unparsable, true);
    assert.equal(p.ignoredClientBytes, junk.length);
    assert.deepEqual(p.close(2), []);
  });

  it('bytes after close are counted, not parsed', () => {
    const p = new Http2Parser();
    p.close(1);
    assert.deepEqual(p.client(chunkBytes(H2_GET.chunks[0]![1]), 2), []);
    assert.equal(p.ignoredClientBytes, chunkBytes(H2_GET.chunks[0]![1]).length);
  });
});
