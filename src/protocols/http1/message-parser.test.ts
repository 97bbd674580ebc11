import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  NGINX_304, NGINX_HEAD, NGINX_KEEPALIVE, NGINX_PIPELINED, NGINX_SECRETS, NODE_100_CONTINUE, NODE_204,
  NODE_CHUNKED_TRAILERS, NODE_CHUNKED_UPLOAD, NODE_CLOSE_DELIMITED, PYTHON_GET, PYTHON_HEAD, RFC6455_WEBSOCKET,
  bytes, joined, type CapturedConnection,
} from './fixtures.js';
import { HTTP1_DEFAULT_MAX_HEADER_BYTES, Http1MessageParser } from './message-parser.js';
import { accountedBytes, byteByByte, parseMessages, splitAt, untimed, type Piece } from './testkit.js';
import type { Http1Request, Http1Response } from './types.js';

const requests = (pieces: readonly Piece[], opts: Parameters<typeof parseMessages>[2] = {}) =>
  parseMessages<Http1Request>('request', pieces, opts);
const responses = (pieces: readonly Piece[], opts: Parameters<typeof parseMessages>[2] = {}) =>
  parseMessages<Http1Response>('response', pieces, opts);

const headLength = (s: string) => s.indexOf('\r\n\r\n') + 4;

const ALL_FIXTURES: [string, CapturedConnection][] = [
  ['python GET', PYTHON_GET],
  ['python HEAD', PYTHON_HEAD],
  ['node chunked + trailers', NODE_CHUNKED_TRAILERS],
  ['node 204', NODE_204],
  ['node close-delimited', NODE_CLOSE_DELIMITED],
  ['node 100-continue', NODE_100_CONTINUE],
  ['node chunked upload', NODE_CHUNKED_UPLOAD],
  ['nginx keep-alive', NGINX_KEEPALIVE],
  ['nginx HEAD', NGINX_HEAD],
  ['nginx 304', NGINX_304],
  ['nginx secrets', NGINX_SECRETS],
  ['nginx pipelined', NGINX_PIPELINED],
  ['RFC 6455 websocket', RFC6455_WEBSOCKET],
];

/** Request methods of a fixture, which the response side needs for framing. */
function methodsOf(c: CapturedConnection): string[] {
  return requests(c.client, { end: true }).messages.map((m) => m.method);
}

describe('Http1MessageParser: framing', () => {
  it('too short: a partial request line emits nothing until the stream ends', () => {
    const { messages, parser } = requests(['GET /ind']);
    assert.equal(messages.length, 0);
    assert.equal(parser.bufferedBytes, 8);
    const ended = requests(['GET /ind'], { end: true });
    assert.equal(ended.messages.length, 1);
    assert.equal(ended.messages[0]!.problem, 'connection-closed');
    assert.equal(ended.messages[0]!.method, 'GET');
    assert.equal(ended.messages[0]!.target, '');
    assert.equal(ended.messages[0]!.messageBytes, 8);
    const res = responses(['HTTP/1.'], { end: true });
    assert.equal(res.messages.length, 1);
    assert.equal(res.messages[0]!.status, 0);
    assert.equal(res.messages[0]!.problem, 'connection-closed');
    assert.equal(requests([], { end: true }).messages.length, 0);
    assert.equal(requests([''], { end: true }).messages.length, 0);
  });

  it('request line and selected headers (python GET)', () => {
    const [m] = requests(PYTHON_GET.client).messages;
    assert.ok(m);
    assert.equal(m.kind, 'request');
    assert.equal(m.method, 'GET');
    assert.equal(m.target, '/hello.txt');
    assert.equal(m.version, '1.1');
    assert.equal(m.headers.host, '127.0.0.1:18401');
    assert.equal(m.headers['user-agent'], 'curl/7.88.1');
    assert.equal(m.headers['content-length'], null);
    assert.equal(m.headerBytes, 88);
    assert.equal(m.messageBytes, 88);
    assert.equal(m.bodyBytes, 0);
    assert.equal(m.bodyFraming, 'none');
    assert.equal(m.problem, null);
    assert.equal(m.startNs, 1000);
    assert.equal(m.endNs, 1000);
  });

  it('reads views into a larger capture batch, and Buffers', () => {
    const res = joined(PYTHON_GET.server);
    const batch = new Uint8Array(1000).fill(0x41);
    batch.set(bytes(res), 300);
    const messages: Http1Response[] = [];
    const p = Http1MessageParser.responses({ onHead() {}, onMessage: (m) => messages.push(m) });
    p.push(new Uint8Array(batch.buffer, 300, 100), 1);
    p.push(batch.subarray(400, 300 + res.length), 2);
    p.push(Buffer.from(res, 'latin1'), 3);
    assert.deepEqual(messages.map((m) => [m.status, m.bodyBytes, m.messageBytes]), [[200, 17, res.length], [200, 17, res.length]]);
  });

  it('content-length body (python GET response, HTTP/1.0)', () => {
    const s = joined(PYTHON_GET.server);
    const [m] = responses(PYTHON_GET.server).messages;
    assert.ok(m);
    assert.equal(m.status, 200);
    assert.equal(m.reason, 'OK');
    assert.equal(m.version, '1.0');
    assert.equal(m.headers['content-type'], 'text/plain', 'field names are case-insensitive');
    assert.equal(m.headers['content-length'], '17');
    assert.equal(m.bodyFraming, 'content-length');
    assert.equal(m.bodyBytes, 17);
    assert.equal(m.headerBytes, headLength(s));
    assert.equal(m.messageBytes, s.length);
    assert.equal(m.gapBytes, 0);
  });

  it('content-length request body arriving in a later segment (100-continue upload)', () => {
    const [m] = requests(NODE_100_CONTINUE.client).messages;
    assert.ok(m);
    assert.equal(m.method, 'POST');
    assert.equal(m.headers.expect, '100-continue');
    assert.equal(m.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(m.bodyBytes, 96);
    assert.equal(m.headerBytes, 177);
    assert.equal(m.messageBytes, 177 + 96);
    assert.equal(m.startNs, 1000);
    assert.equal(m.endNs, 2000, 'ends with the segment that carried the last body byte');
  });

  it('chunked with trailers (node addTrailers)', () => {
    const s = joined(NODE_CHUNKED_TRAILERS.server);
    const { messages } = responses([s, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'], { methods: ['GET', 'GET'] });
    assert.equal(messages.length, 2, 'the trailer section ends the message; the next one parses');
    const m = messages[0]!;
    assert.equal(m.bodyFraming, 'chunked');
    assert.equal(m.headers['transfer-encoding'], 'chunked');
    assert.equal(m.bodyBytes, 'first chunk\n'.length + 'second, longer chunk of data\n'.length);
    assert.equal(m.headerBytes, headLength(s));
    assert.equal(m.messageBytes, s.length);
    assert.equal(messages[1]!.messageBytes, 38);
  });

  it('chunked with extensions (curl chunked upload, extensions added per RFC 9112 §7.1.1)', () => {
    const plain = joined(NODE_CHUNKED_UPLOAD.client);
    const withExt = plain
      .replace('\r\n\r\n60\r\n', '\r\n\r\n60;name=sonde ; quoted="a;b"\r\n')
      .replace('\r\n0\r\n\r\n', '\r\n0;last\r\nX-Trailer: 1\r\n\r\n');
    assert.notEqual(withExt, plain);
    for (const s of [plain, withExt]) {
      const [m] = requests([s]).messages;
      assert.ok(m);
      assert.equal(m.bodyFraming, 'chunked');
      assert.equal(m.bodyBytes, 96);
      assert.equal(m.messageBytes, s.length);
      assert.equal(m.problem, null);
    }
  });

  it('chunk-size edge cases', () => {
    const head = 'POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n';
    const next = 'GET /next HTTP/1.1\r\n\r\n';
    const cases: { name: string; body: string; bodyBytes: number; problem: string | null }[] = [
      { name: 'upper-case hex and leading zeros', body: '00A\r\n0123456789\r\n0\r\n\r\n', bodyBytes: 10, problem: null },
      { name: 'bare LF framing', body: '3\nabc\n0\n\n', bodyBytes: 3, problem: null },
      { name: 'no digits', body: ';x\r\nabc\r\n0\r\n\r\n', bodyBytes: 0, problem: 'unparsable' },
      { name: 'bad byte after data', body: '3\r\nabcX0\r\n\r\n', bodyBytes: 3, problem: 'unparsable' },
      { name: 'size too large', body: 'fffffffffffffff\r\n', bodyBytes: 0, problem: 'unparsable' },
    ];
    for (const c of cases) {
      const { messages } = requests([head + c.body + next]);
      assert.equal(messages.length, 2, c.name);
      assert.equal(messages[0]!.bodyBytes, c.bodyBytes, c.name);
      assert.equal(messages[0]!.problem, c.problem, c.name);
      assert.equal(messages[0]!.messageBytes, head.length + c.body.length, c.name);
      assert.equal(messages[1]!.target, '/next', c.name);
    }
  });

  it('close-delimited response (node, HTTP/1.0 client, no length)', () => {
    const s = joined(NODE_CLOSE_DELIMITED.server);
    assert.equal(responses(NODE_CLOSE_DELIMITED.server).messages.length, 0, 'not complete before close');
    const [m] = responses(NODE_CLOSE_DELIMITED.server, { end: true }).messages;
    assert.ok(m);
    assert.equal(m.bodyFraming, 'close');
    assert.equal(m.bodyBytes, 'part one\npart two\nthe end\n'.length);
    assert.equal(m.messageBytes, s.length);
    assert.equal(m.problem, null);
    assert.equal(m.endNs, 2000, 'last body byte, not the close');
  });

  it('HEAD response with content-length but no body', () => {
    for (const c of [PYTHON_HEAD, NGINX_HEAD]) {
      const head = joined(c.server);
      const get = NGINX_KEEPALIVE.server[1]!;
      const { messages } = responses([head + get], { methods: ['HEAD', 'GET'] });
      assert.equal(messages.length, 2);
      assert.equal(messages[0]!.headers['content-length'], '17');
      assert.equal(messages[0]!.bodyBytes, 0);
      assert.equal(messages[0]!.bodyFraming, 'none');
      assert.equal(messages[0]!.messageBytes, head.length);
      assert.equal(messages[1]!.bodyBytes, 17);
    }
    // Without knowing the method, the body would be expected: why the connection passes it.
    const blind = responses([joined(NGINX_HEAD.server)]);
    assert.equal(blind.messages.length, 0);
  });

  it('204 and 304 no body', () => {
    const s = joined(NODE_204.server) + joined(NGINX_304.server) +
      'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n' +
      'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    const { messages } = responses([s]);
    assert.deepEqual(messages.map((m) => [m.status, m.bodyBytes, m.bodyFraming]), [
      [204, 0, 'none'], [304, 0, 'none'], [204, 0, 'none'], [304, 0, 'none'], [200, 2, 'content-length'],
    ]);
    assert.equal(messages[0]!.reason, 'No Content');
    assert.equal(messages[1]!.reason, 'Not Modified');
  });

  it('100-continue: the interim response has no body and the final one follows', () => {
    const { messages } = responses(NODE_100_CONTINUE.server, { methods: ['POST'] });
    assert.deepEqual(messages.map((m) => [m.status, m.reason, m.bodyBytes, m.messageBytes]), [
      [100, 'Continue', 0, 25],
      [200, 'OK', 15, 170],
    ]);
  });

  it('pipelined 3 requests in one segment', () => {
    const { messages } = requests(NGINX_PIPELINED.client);
    assert.deepEqual(messages.map((m) => m.target), ['/api', '/hello.txt', '/missing']);
    assert.equal(messages[2]!.headers.connection, 'close');
    assert.equal(messages.reduce((n, m) => n + m.messageBytes, 0), joined(NGINX_PIPELINED.client).length);
    const res = responses(NGINX_PIPELINED.server, { methods: ['GET', 'GET', 'GET'] }).messages;
    assert.deepEqual(res.map((m) => [m.status, m.bodyBytes]), [[200, 15], [200, 17], [404, 153]]);
  });

  it('transfer-encoding rules (RFC 9112 §6.3)', () => {
    const next = 'GET /next HTTP/1.1\r\n\r\n';
    const te = requests(['POST /a HTTP/1.1\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n' + next]).messages;
    assert.equal(te[0]!.bodyFraming, 'chunked', 'chunked wins over Content-Length');
    assert.equal(te[0]!.bodyBytes, 2);
    assert.equal(te[1]!.target, '/next');
    const gz = requests(['POST /a HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\nxyz' + next]).messages;
    assert.equal(gz[0]!.problem, 'unparsable', 'a request whose final coding is not chunked has no knowable length');
    assert.equal(gz[1]!.target, '/next');
    const two = requests(['POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\ntransfer-encoding: CHUNKED\r\n\r\n0\r\n\r\n']).messages;
    assert.equal(two[0]!.bodyFraming, 'chunked', 'the last field carries the final coding');
    assert.equal(two[0]!.headers['transfer-encoding'], 'gzip, CHUNKED');
    const res = responses(['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc'], { end: true }).messages;
    assert.equal(res[0]!.bodyFraming, 'close', 'a response without final chunked ends at close');
    assert.equal(res[0]!.bodyBytes, 3);
  });

  it('CONNECT 2xx and 101 switch the stream to a tunnel', () => {
    const p = responses(['HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01\x00\x05hello'], { methods: ['CONNECT'] });
    assert.equal(p.messages.length, 1);
    assert.equal(p.messages[0]!.bodyFraming, 'tunnel');
    assert.equal(p.parser.switched, true);
    assert.equal(p.parser.passthroughBytes, 10);
    const ws = responses(RFC6455_WEBSOCKET.server, { methods: ['GET'] });
    assert.equal(ws.messages.length, 1);
    assert.equal(ws.messages[0]!.status, 101);
    assert.equal(ws.parser.passthroughBytes, RFC6455_WEBSOCKET.server[1]!.length);
  });

  it('requests without length have no body; blank lines before a request are tolerated', () => {
    const { messages } = requests(['\r\nGET /a HTTP/1.1\r\n\r\n\r\n\nDELETE /b HTTP/1.1\r\n\r\n']);
    assert.deepEqual(messages.map((m) => [m.method, m.messageBytes, m.headerBytes]), [['GET', 21, 19], ['DELETE', 25, 22]]);
  });

  it('bare LF line endings and a status line without reason', () => {
    const req = requests(['GET /lf HTTP/1.1\nHost: h\n\n']).messages;
    assert.equal(req[0]!.headers.host, 'h');
    assert.equal(req[0]!.headerBytes, 26);
    const res = responses(['HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx']).messages;
    assert.equal(res[0]!.reason, '');
    assert.equal(res[0]!.bodyBytes, 1);
  });

  it('custom methods and absolute-form targets', () => {
    const [m] = requests(['PURGE http://cache.local/x?y=1 HTTP/1.1\r\n\r\n']).messages;
    assert.equal(m!.method, 'PURGE');
    assert.equal(m!.target, 'http://cache.local/x?y=1');
    const [o] = requests(['OPTIONS * HTTP/1.1\r\n\r\n']).messages;
    assert.equal(o!.target, '*');
  });
});

describe('Http1MessageParser: secrets', () => {
  it('redacts authorization, cookie and set-cookie by default', () => {
    const [m] = requests(NGINX_SECRETS.client).messages;
    assert.equal(m!.headers.cookie, '[REDACTED]');
    assert.equal(m!.headers.authorization, '[REDACTED]');
    const [r] = responses(['HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n']).messages;
    assert.equal(r!.headers['set-cookie'], '[REDACTED]');
    assert.equal(requests(PYTHON_GET.client).messages[0]!.headers.cookie, null, 'absent stays null');
  });

  it('keeps values when redactSecrets is false', () => {
    const [m] = requests(NGINX_SECRETS.client, { redactSecrets: false }).messages;
    assert.equal(m!.headers.cookie, 'session=s3cr3t');
    assert.equal(m!.headers.authorization, 'Bearer tok');
  });
});

describe('Http1MessageParser: chunking', () => {
  for (const [name, c] of ALL_FIXTURES) {
    it(`split at every byte: ${name}`, () => {
      const methods = methodsOf(c);
      for (const [dir, segs] of [['client', c.client], ['server', c.server]] as const) {
        const s = joined(segs);
        const run = (pieces: string[]) => {
          const r = dir === 'client'
            ? requests(pieces, { end: true })
            : responses(pieces, { end: true, methods });
          assert.equal(accountedBytes(r.messages, r.parser), s.length, `${dir}: every byte attributed`);
          return r.messages.map(untimed);
        };
        const whole = run([s]);
        assert.ok(whole.length > 0);
        for (let k = 1; k < s.length; k++) assert.deepEqual(run(splitAt(s, k)), whole, `${dir} split at ${k}`);
        for (let k = 1; k + 7 < s.length; k += 7) assert.deepEqual(run(splitAt(s, k, k + 3, k + 7)), whole, `${dir} split at ${k},+3,+7`);
        assert.deepEqual(run(byteByByte(s)), whole, `${dir} one byte at a time`);
      }
    });
  }
});

describe('Http1MessageParser: gaps', () => {
  it('gap inside body keeps exact sizes (content-length)', () => {
    const s = joined(PYTHON_GET.server);
    const h = headLength(s);
    const { messages } = responses([s.slice(0, h + 5), 7, s.slice(h + 12)]);
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.bodyBytes, 17);
    assert.equal(messages[0]!.gapBytes, 7);
    assert.equal(messages[0]!.messageBytes, s.length);
    assert.equal(messages[0]!.problem, null);
    assert.equal(messages[0]!.endNs, 3000);
  });

  it('gap inside body keeps exact sizes (chunk data, close-delimited)', () => {
    const c = joined(NODE_CHUNKED_TRAILERS.server);
    const at = c.indexOf('first chunk') + 2;
    const chunked = responses([c.slice(0, at), 5, c.slice(at + 5)]).messages;
    assert.equal(chunked[0]!.bodyBytes, 41);
    assert.equal(chunked[0]!.messageBytes, c.length);
    assert.equal(chunked[0]!.problem, null);
    const d = joined(NODE_CLOSE_DELIMITED.server);
    const h = headLength(d);
    const close = responses([d.slice(0, h + 1), 10, d.slice(h + 11)], { end: true }).messages;
    assert.equal(close[0]!.bodyBytes, 26);
    assert.equal(close[0]!.gapBytes, 10);
    assert.equal(close[0]!.messageBytes, d.length);
  });

  it('a gap running past the body end loses the next message start: truncated, then resync', () => {
    const s = joined(NGINX_PIPELINED.server);
    const first = s.indexOf('HTTP/1.1 200 OK', 10);
    // Body of the first response ends at `first`; the gap also swallows 20 bytes of the second.
    const h = headLength(s);
    const { messages } = responses([s.slice(0, h), first - h + 20, s.slice(first + 20)], { methods: ['GET', 'GET', 'GET'] });
    assert.deepEqual(messages.map((m) => [m.status, m.problem]), [[200, null], [0, 'truncated'], [404, null]]);
    assert.equal(messages[0]!.bodyBytes, 15);
    assert.equal(messages.reduce((n, m) => n + m.messageBytes, 0), s.length);
  });

  it('gap inside headers → truncated then resync', () => {
    const [req1, req2] = [NGINX_KEEPALIVE.client[0]!, NGINX_KEEPALIVE.client[1]!];
    const cut = req1.indexOf('User-Agent');
    const { messages, parser } = requests([req1.slice(0, cut + 4), req1.length - cut - 4, req2]);
    assert.equal(messages.length, 2);
    const m = messages[0]!;
    assert.equal(m.problem, 'truncated');
    assert.equal(m.method, 'GET');
    assert.equal(m.target, '/api');
    assert.equal(m.headers.host, '127.0.0.1:18481', 'complete lines before the gap are kept');
    assert.equal(m.headers['user-agent'], null);
    assert.equal(m.messageBytes, req1.length);
    assert.equal(m.gapBytes, req1.length - cut - 4);
    assert.equal(messages[1]!.target, '/hello.txt');
    assert.equal(messages[1]!.problem, null);
    assert.equal(parser.bufferedBytes, 0);
  });

  it('gap in a chunk-size line → truncated, resync at the next status line', () => {
    const c = joined(NODE_CHUNKED_TRAILERS.server);
    const at = c.indexOf('1d\r\n');
    const next = joined(NODE_204.server);
    const { messages } = responses([c.slice(0, at + 1), 3, c.slice(at + 4) + next], { methods: ['GET', 'GET'] });
    assert.deepEqual(messages.map((m) => [m.status, m.problem]), [[200, 'truncated'], [204, null]]);
    assert.equal(messages[0]!.messageBytes, c.length, 'skipped bytes stay with the truncated message');
  });

  it('a gap before any message is a lost start (its place is kept)', () => {
    const { messages } = requests([40, 'tail of something\r\nGET /x HTTP/1.1\r\n\r\n']);
    assert.deepEqual(messages.map((m) => [m.method, m.problem, m.messageBytes]), [['', 'truncated', 40 + 19], ['GET', null, 19]]);
  });

  it('ignores nonsense gap lengths, floors fractional ones', () => {
    const { messages, parser } = requests([0, -5, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 'GET / HTTP/1.1\r\n\r\n']);
    assert.equal(messages.length, 1);
    assert.equal(parser.totalBytes, 18);
    const body = requests(['POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\n', 2.7, 'xy', 'GET / HTTP/1.1\r\n\r\n']).messages;
    assert.deepEqual(body.map((m) => [m.bodyBytes, m.gapBytes, m.problem]), [[4, 2, null], [0, 0, null]]);
  });
});

describe('Http1MessageParser: bad input', () => {
  it('garbage then valid request → resync', () => {
    const garbage = '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\nstill junk ';
    const valid = joined(PYTHON_GET.client);
    for (const pieces of [[garbage + valid], byteByByte(garbage + valid), [garbage, valid]]) {
      const { messages } = requests(pieces);
      assert.equal(messages.length, 2);
      assert.equal(messages[0]!.problem, 'unparsable');
      assert.equal(messages[0]!.method, '');
      assert.equal(messages[0]!.messageBytes, garbage.length);
      assert.equal(messages[1]!.target, '/hello.txt');
      assert.equal(messages[1]!.problem, null);
    }
  });

  it('garbage glued to a request line: the method is found at its known-method suffix', () => {
    const { messages } = requests(['{"a":1}xyzGET /glued HTTP/1.1\r\n\r\n']);
    assert.deepEqual(messages.map((m) => [m.method, m.target, m.messageBytes]), [['', '', 10], ['GET', '/glued', 23]]);
  });

  it('resync finds a start line ending a line longer than the limit, for any segmentation', () => {
    const limit = 256;
    const reqStream = '\x00binary' + 'z'.repeat(1000) + '}GET /ok HTTP/1.1\r\nHost: h\r\n\r\n';
    const resStream = 'HTTP/2 nope\r\n' + 'HTTP/1.1 2'.repeat(90) + 'HTTP/1.1 204 No Content\r\n\r\n';
    for (const [kind, s, want] of [['request', reqStream, '/ok'], ['response', resStream, 204]] as const) {
      const results = [1, 3, 7, 100, 255, 256, 257, 5000].map((size) => {
        const pieces: string[] = [];
        for (let i = 0; i < s.length; i += size) pieces.push(s.slice(i, i + size));
        const r = parseMessages(kind, pieces, { maxHeaderBytes: limit, end: true });
        assert.ok(r.parser.bufferCapacity <= limit);
        return r.messages;
      });
      for (const messages of results) {
        assert.equal(messages.length, 2, `${kind}: garbage, then the message`);
        assert.equal(messages[0]!.problem, 'unparsable');
        const m = messages[1]!;
        assert.equal(m.kind === 'request' ? m.target : m.status, want);
        assert.deepEqual(messages.map(untimed), results[0]!.map(untimed));
      }
    }
  });

  it('garbage then a status line → resync', () => {
    const { messages } = responses(['HTTP/2 200\r\n\r\n...body tail...' + joined(NODE_204.server)]);
    assert.deepEqual(messages.map((m) => [m.status, m.problem]), [[0, 'unparsable'], [204, null]]);
  });

  it('conflicting content-length → unparsable', () => {
    const next = 'GET /next HTTP/1.1\r\n\r\n';
    const cases: { name: string; fields: string; problem: string | null; body: number }[] = [
      { name: 'two different values', fields: 'Content-Length: 5\r\nContent-Length: 6\r\n', problem: 'unparsable', body: 0 },
      { name: 'list of different values', fields: 'Content-Length: 5, 6\r\n', problem: 'unparsable', body: 0 },
      { name: 'negative', fields: 'Content-Length: -5\r\n', problem: 'unparsable', body: 0 },
      { name: 'not a number', fields: 'Content-Length: 5x\r\n', problem: 'unparsable', body: 0 },
      { name: 'empty', fields: 'Content-Length:\r\n', problem: 'unparsable', body: 0 },
      { name: 'beyond 2^53', fields: 'Content-Length: 99999999999999999999\r\n', problem: 'unparsable', body: 0 },
      { name: 'repeated identical values are one', fields: 'Content-Length: 5\r\nContent-Length: 5\r\n', problem: null, body: 5 },
      { name: 'identical list is one', fields: 'Content-Length: 5, 5\r\n', problem: null, body: 5 },
    ];
    for (const c of cases) {
      const s = `POST /a HTTP/1.1\r\n${c.fields}\r\nhello${next}`;
      const { messages } = requests([s]);
      assert.equal(messages.length, 2, c.name);
      assert.equal(messages[0]!.problem, c.problem, c.name);
      assert.equal(messages[0]!.bodyBytes, c.body, c.name);
      assert.equal(messages[0]!.bodyFraming, c.problem === null ? 'content-length' : 'unknown', c.name);
      assert.equal(messages[0]!.messageBytes, s.length - next.length, `${c.name}: skipped body stays with the message`);
      assert.equal(messages[1]!.target, '/next', c.name);
    }
  });

  it('header too large → truncated, bounded memory', () => {
    const big = 'GET /big HTTP/1.1\r\nHost: h\r\nCookie: ' + 'c'.repeat(20_000) + '\r\nAccept: */*\r\n\r\n';
    const next = 'GET /after HTTP/1.1\r\nHost: h\r\n\r\n';
    const s = big + next;
    const pieces: string[] = [];
    for (let i = 0; i < s.length; i += 1000) pieces.push(s.slice(i, i + 1000));
    for (const feed of [[s], pieces]) {
      const messages: Http1Request[] = [];
      const p = Http1MessageParser.requests({ onHead() {}, onMessage: (m) => messages.push(m) });
      let maxBuffered = 0;
      let maxCapacity = 0;
      for (const piece of feed) {
        p.push(bytes(piece), 1);
        maxBuffered = Math.max(maxBuffered, p.bufferedBytes);
        maxCapacity = Math.max(maxCapacity, p.bufferCapacity);
      }
      assert.ok(maxBuffered <= HTTP1_DEFAULT_MAX_HEADER_BYTES, `buffered ${maxBuffered}`);
      assert.ok(maxCapacity <= HTTP1_DEFAULT_MAX_HEADER_BYTES, `buffer size ${maxCapacity}`);
      assert.ok(p.bufferCapacity <= 4096, 'a grown buffer is released after the oversized head');
      assert.equal(messages.length, 2);
      assert.equal(messages[0]!.problem, 'truncated');
      assert.equal(messages[0]!.target, '/big');
      assert.equal(messages[0]!.headers.host, 'h');
      assert.equal(messages[0]!.headers.cookie, null, 'the unfinished line is not kept');
      assert.equal(messages[0]!.headerBytes, HTTP1_DEFAULT_MAX_HEADER_BYTES);
      assert.equal(messages[0]!.messageBytes, big.length);
      assert.equal(messages[1]!.target, '/after');
    }
    // A configured limit applies the same way.
    const small = requests([joined(NGINX_SECRETS.client)], { maxHeaderBytes: 256 });
    assert.equal(small.messages[0]!.problem, null, '133 bytes fit in 256');
    const tiny = requests(['GET / HTTP/1.1\r\nX: ' + 'y'.repeat(300) + '\r\n\r\n'], { maxHeaderBytes: 256, end: true });
    assert.equal(tiny.messages[0]!.problem, 'truncated');
  });

  it('never throws on hostile field lines, keeps parsing', () => {
    const s = 'GET / HTTP/1.1\r\n: empty name\r\nno colon here\r\n folded\r\nHost : spaced\r\n\x00\x01: bin\r\nHost:ok\r\n\r\n';
    const [m] = requests([s]).messages;
    assert.equal(m!.headers.host, 'ok');
    assert.equal(m!.headerBytes, s.length);
  });
});
