import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Http1Connection } from './connection.js';
import {
  NGINX_304, NGINX_HEAD, NGINX_KEEPALIVE, NGINX_PIPELINED, NODE_100_CONTINUE, NODE_204, NODE_CHUNKED_TRAILERS,
  NODE_CLOSE_DELIMITED, PYTHON_GET, RFC6455_WEBSOCKET, bytes, joined,
} from './fixtures.js';
import { byteByByte, runConnection, untimedExchange, type Step } from './testkit.js';

const c = (s: string): Step => ({ c: s });
const s = (x: string): Step => ({ s: x });
const close: Step = { close: true };

const BAD_REQUEST =
  'HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\nContent-Length: 11\r\n' +
  'Connection: close\r\n\r\nbad request';

describe('Http1Connection: pairing', () => {
  it('keep-alive 2 exchanges (nginx), each reported when its response completes', () => {
    const conn = new Http1Connection();
    const [req1, req2] = NGINX_KEEPALIVE.client as [string, string];
    const [res1, res2] = NGINX_KEEPALIVE.server as [string, string];
    assert.deepEqual(conn.client(bytes(req1), 100), []);
    const first = conn.server(bytes(res1), 250);
    assert.equal(first.length, 1);
    assert.deepEqual(conn.client(bytes(req2), 300), []);
    const second = conn.server(bytes(res2), 480);
    assert.equal(second.length, 1);
    assert.deepEqual(conn.close(500), []);
    const [a, b] = [first[0]!, second[0]!];
    assert.equal(a.request?.target, '/api');
    assert.equal(a.response?.status, 200);
    assert.equal(a.response?.headers['content-type'], 'application/json');
    assert.equal(a.startNs, 100);
    assert.equal(a.endNs, 250);
    assert.equal(a.requestBytes, req1.length);
    assert.equal(a.responseBytes, res1.length);
    assert.equal(a.problem, null);
    assert.equal(b.request?.target, '/hello.txt');
    assert.equal(b.response?.bodyBytes, 17);
    assert.equal(b.startNs, 300);
    assert.equal(b.endNs, 480);
  });

  it('pipelined 3 requests: FIFO pairing, responses in one segment', () => {
    const { exchanges } = runConnection([c(joined(NGINX_PIPELINED.client)), s(joined(NGINX_PIPELINED.server)), close]);
    assert.deepEqual(exchanges.map((e) => [e.request?.target, e.response?.status, e.response?.bodyBytes, e.problem]), [
      ['/api', 200, 15, null], ['/hello.txt', 200, 17, null], ['/missing', 404, 153, null],
    ]);
    assert.equal(exchanges.reduce((n, e) => n + e.responseBytes, 0), joined(NGINX_PIPELINED.server).length);
  });

  it('HEAD response with content-length but no body: the request method frames the response', () => {
    const { exchanges } = runConnection([
      c(joined(NGINX_HEAD.client) + NGINX_KEEPALIVE.client[1]!),
      s(joined(NGINX_HEAD.server) + NGINX_KEEPALIVE.server[1]!),
    ]);
    assert.deepEqual(exchanges.map((e) => [e.request?.method, e.response?.bodyBytes, e.responseBytes]), [
      ['HEAD', 0, joined(NGINX_HEAD.server).length],
      ['GET', 17, NGINX_KEEPALIVE.server[1]!.length],
    ]);
  });

  it('204 and 304 no body', () => {
    const { exchanges } = runConnection([
      c(joined(NODE_204.client)), s(joined(NODE_204.server)),
      c(joined(NGINX_304.client)), s(joined(NGINX_304.server)),
    ]);
    assert.deepEqual(exchanges.map((e) => [e.response?.status, e.response?.bodyBytes, e.problem]), [[204, 0, null], [304, 0, null]]);
  });

  it('chunked with trailers', () => {
    const { exchanges } = runConnection([c(joined(NODE_CHUNKED_TRAILERS.client)), s(joined(NODE_CHUNKED_TRAILERS.server))]);
    assert.equal(exchanges.length, 1);
    assert.equal(exchanges[0]!.response?.bodyBytes, 41);
    assert.equal(exchanges[0]!.responseBytes, joined(NODE_CHUNKED_TRAILERS.server).length);
  });

  it('100-continue: interim response, then body, then the final response make one exchange', () => {
    const [head, body] = NODE_100_CONTINUE.client as [string, string];
    const [cont, final] = NODE_100_CONTINUE.server as [string, string];
    const conn = new Http1Connection();
    assert.deepEqual(conn.client(bytes(head), 10), []);
    assert.deepEqual(conn.server(bytes(cont), 20), []);
    assert.deepEqual(conn.client(bytes(body), 30), []);
    const [e] = conn.server(bytes(final), 40);
    assert.ok(e);
    assert.deepEqual(e.interim, [100]);
    assert.equal(e.response?.status, 200);
    assert.equal(e.request?.bodyBytes, 96);
    assert.equal(e.requestBytes, head.length + body.length);
    assert.equal(e.responseBytes, cont.length + final.length);
    assert.equal(e.startNs, 10);
    assert.equal(e.endNs, 40);
    assert.equal(e.problem, null);
  });

  it('a response that completes before its request body waits for the request', () => {
    const [head, body] = NODE_100_CONTINUE.client as [string, string];
    const early = 'HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n';
    const conn = new Http1Connection();
    conn.client(bytes(head), 1);
    assert.deepEqual(conn.server(bytes(early), 2), []);
    const [e] = conn.client(bytes(body), 3);
    assert.equal(e?.response?.status, 413);
    assert.equal(e?.requestBytes, head.length + body.length);
  });

  it('close-delimited response completes at close, ending at its last byte', () => {
    const { exchanges } = runConnection([
      c(joined(NODE_CLOSE_DELIMITED.client)), s(NODE_CLOSE_DELIMITED.server[0]!), s(NODE_CLOSE_DELIMITED.server[1]!), close,
    ]);
    assert.equal(exchanges.length, 1);
    const e = exchanges[0]!;
    assert.equal(e.response?.bodyFraming, 'close');
    assert.equal(e.response?.bodyBytes, 26);
    assert.equal(e.problem, null);
    assert.equal(e.endNs, 3000);
  });

  it('response without request', () => {
    const { exchanges } = runConnection([s(joined(PYTHON_GET.server))]);
    assert.equal(exchanges.length, 1);
    assert.equal(exchanges[0]!.request, null);
    assert.equal(exchanges[0]!.requestBytes, 0);
    assert.equal(exchanges[0]!.response?.status, 200);
    assert.equal(exchanges[0]!.startNs, 1000);
    assert.equal(exchanges[0]!.problem, null);
  });

  it('connection closed before response → no-response', () => {
    const { exchanges } = runConnection([c(joined(PYTHON_GET.client)), close]);
    assert.equal(exchanges.length, 1);
    assert.equal(exchanges[0]!.problem, 'no-response');
    assert.equal(exchanges[0]!.response, null);
    assert.equal(exchanges[0]!.startNs, 1000);
    assert.equal(exchanges[0]!.endNs, 2000, 'until the close was seen');
    const piped = runConnection([c(joined(NGINX_PIPELINED.client)), s(NGINX_KEEPALIVE.server[0]!), close]).exchanges;
    assert.deepEqual(piped.map((e) => [e.request?.target, e.problem]), [['/api', null], ['/hello.txt', 'no-response'], ['/missing', 'no-response']]);
  });

  it('connection closed in the middle of a response → connection-closed', () => {
    const res = joined(PYTHON_GET.server);
    const { exchanges } = runConnection([c(joined(PYTHON_GET.client)), s(res.slice(0, -5)), close]);
    assert.equal(exchanges[0]!.problem, 'connection-closed');
    assert.equal(exchanges[0]!.response?.bodyBytes, 12);
  });

  it('bytes after close are ignored and counted', () => {
    const { conn } = runConnection([c(joined(PYTHON_GET.client)), close, c('GET / HTTP/1.1\r\n\r\n'), { sgap: 5 }]);
    assert.equal(conn.closed, true);
    assert.equal(conn.ignoredClientBytes, 18);
    assert.equal(conn.ignoredServerBytes, 5);
    assert.deepEqual(conn.close(9), []);
  });

  it('bounded pending exchanges: the oldest unanswered request is reported as no-response', () => {
    const conn = new Http1Connection({ maxPendingExchanges: 2 });
    const out = [];
    for (let i = 0; i < 5; i++) out.push(...conn.client(bytes(`GET /${i} HTTP/1.1\r\n\r\n`), i));
    assert.equal(conn.pendingExchanges, 2);
    assert.deepEqual(out.map((e) => [e.request?.target, e.problem]), [['/0', 'no-response'], ['/1', 'no-response'], ['/2', 'no-response']]);
  });
});

describe('Http1Connection: upgrades', () => {
  it('websocket upgrade stops parsing', () => {
    const [hs, frame] = RFC6455_WEBSOCKET.client as [string, string];
    const [accept, sframe] = RFC6455_WEBSOCKET.server as [string, string];
    const conn = new Http1Connection();
    assert.deepEqual(conn.client(bytes(hs), 1), []);
    const [e] = conn.server(bytes(accept), 2);
    assert.ok(e);
    assert.equal(e.upgraded, true);
    assert.equal(e.request?.headers.upgrade, 'websocket');
    assert.equal(e.response?.status, 101);
    assert.equal(e.response?.bodyFraming, 'tunnel');
    assert.equal(e.problem, null);
    assert.equal(conn.upgraded, true);
    // Frames, even ones that look like HTTP, are not parsed.
    const lookalike = 'GET /not-http-anymore HTTP/1.1\r\n\r\n';
    assert.deepEqual(conn.client(bytes(frame), 3), []);
    assert.deepEqual(conn.server(bytes(sframe), 4), []);
    assert.deepEqual(conn.client(bytes(lookalike), 5), []);
    assert.deepEqual(conn.serverGap(1000, 6), []);
    assert.deepEqual(conn.close(7), []);
    assert.equal(conn.ignoredClientBytes, frame.length + lookalike.length);
    assert.equal(conn.ignoredServerBytes, sframe.length + 1000);
  });

  it('client frames seen before the 101 are not mistaken for garbage requests', () => {
    const [hs, frame] = RFC6455_WEBSOCKET.client as [string, string];
    const { exchanges, conn } = runConnection([c(hs), c(frame), s(RFC6455_WEBSOCKET.server[0]!), close]);
    assert.equal(exchanges.length, 1);
    assert.equal(exchanges[0]!.upgraded, true);
    assert.equal(conn.ignoredClientBytes, frame.length);
  });

  it('a declined upgrade keeps parsing HTTP', () => {
    const hs = RFC6455_WEBSOCKET.client[0]!;
    const { exchanges } = runConnection([
      c(hs), s('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'),
      c(joined(PYTHON_GET.client)), s(joined(PYTHON_GET.server)),
    ]);
    assert.deepEqual(exchanges.map((e) => [e.response?.status, e.upgraded]), [[400, false], [200, false]]);
  });

  it('CONNECT 200 opens a tunnel', () => {
    const tls = '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03';
    const { exchanges, conn } = runConnection([
      c('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'), c(tls),
      s('HTTP/1.1 200 Connection established\r\n\r\n'), s('\x16\x03\x03\x00\x7a'),
    ]);
    assert.equal(exchanges.length, 1);
    assert.equal(exchanges[0]!.request?.target, 'example.com:443');
    assert.equal(exchanges[0]!.upgraded, true);
    assert.equal(conn.ignoredClientBytes, tls.length);
    assert.equal(conn.ignoredServerBytes, 5);
  });
});

describe('Http1Connection: gaps and bad input', () => {
  it('gap inside body keeps exact sizes', () => {
    const [head, body] = NODE_100_CONTINUE.client as [string, string];
    const { exchanges } = runConnection([
      c(head), s(NODE_100_CONTINUE.server[0]!), c(body.slice(0, 10)), { cgap: 80 }, c(body.slice(90)),
      s(NODE_100_CONTINUE.server[1]!.slice(0, 160)), { sgap: 10 },
    ]);
    assert.equal(exchanges.length, 1);
    const e = exchanges[0]!;
    assert.equal(e.requestBytes, head.length + body.length);
    assert.equal(e.request?.bodyBytes, 96);
    assert.equal(e.request?.gapBytes, 80);
    assert.equal(e.responseBytes, 25 + 170);
    assert.equal(e.response?.bodyBytes, 15);
    assert.equal(e.response?.gapBytes, 10);
    assert.equal(e.problem, null);
    assert.equal(e.endNs, 7000, 'the gap carried the last response byte');
  });

  it('gap inside headers → truncated then resync, pairing kept', () => {
    const [req1, req2] = NGINX_KEEPALIVE.client as [string, string];
    const { exchanges } = runConnection([
      c(req1.slice(0, 30)), { cgap: req1.length - 30 }, s(NGINX_KEEPALIVE.server[0]!),
      c(req2), s(NGINX_KEEPALIVE.server[1]!),
    ]);
    assert.deepEqual(exchanges.map((e) => [e.request?.target, e.response?.status, e.response?.bodyBytes, e.problem]), [
      ['/api', 200, 15, 'truncated'], ['/hello.txt', 200, 17, null],
    ]);
  });

  it('a lost request start still takes its place in the FIFO', () => {
    const [req1, req2] = NGINX_KEEPALIVE.client as [string, string];
    const { exchanges } = runConnection([
      { cgap: req1.length }, c(req2), s(joined(NGINX_KEEPALIVE.server)),
    ]);
    assert.deepEqual(exchanges.map((e) => [e.request?.method, e.response?.bodyBytes, e.problem]), [
      ['', 15, 'truncated'], ['GET', 17, null],
    ]);
  });

  it('garbage then valid request → resync', () => {
    const garbage = '\x16\x03\x01\x00\x05hello\r\n';
    const { exchanges } = runConnection([
      c(garbage), c(joined(PYTHON_GET.client)), s(BAD_REQUEST.replace('Connection: close', 'Connection: keep-alive')),
      s(joined(PYTHON_GET.server)),
    ]);
    assert.deepEqual(exchanges.map((e) => [e.request?.method, e.request?.target, e.response?.status, e.problem]), [
      ['', '', 400, 'unparsable'], ['GET', '/hello.txt', 200, null],
    ]);
    assert.equal(exchanges[0]!.requestBytes, garbage.length);
  });

  it('conflicting content-length → unparsable', () => {
    const req = 'POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd';
    const { exchanges } = runConnection([c(req), s(BAD_REQUEST), close]);
    assert.equal(exchanges.length, 1);
    assert.equal(exchanges[0]!.problem, 'unparsable');
    assert.equal(exchanges[0]!.request?.target, '/upload');
    assert.equal(exchanges[0]!.response?.status, 400);
    assert.equal(exchanges[0]!.requestBytes, req.length);
  });

  it('split at every byte: same exchanges for any segmentation', () => {
    const scenarios: [string, Step[]][] = [
      ['keep-alive', [c(NGINX_KEEPALIVE.client[0]!), s(NGINX_KEEPALIVE.server[0]!), c(NGINX_KEEPALIVE.client[1]!), s(NGINX_KEEPALIVE.server[1]!), close]],
      ['100-continue', [c(NODE_100_CONTINUE.client[0]!), s(NODE_100_CONTINUE.server[0]!), c(NODE_100_CONTINUE.client[1]!), s(NODE_100_CONTINUE.server[1]!), close]],
      ['websocket', [c(RFC6455_WEBSOCKET.client[0]!), s(RFC6455_WEBSOCKET.server[0]!), c(RFC6455_WEBSOCKET.client[1]!), s(RFC6455_WEBSOCKET.server[1]!), close]],
    ];
    for (const [name, steps] of scenarios) {
      const whole = runConnection(steps).exchanges.map(untimedExchange);
      assert.ok(whole.length > 0);
      for (let i = 0; i < steps.length; i++) {
        const step = steps[i]!;
        const text = 'c' in step ? step.c : 's' in step ? step.s : null;
        if (text === null) continue;
        const make = (p: string): Step => ('c' in step ? { c: p } : { s: p });
        for (let k = 1; k < text.length; k++) {
          const split: Step[] = [...steps.slice(0, i), make(text.slice(0, k)), make(text.slice(k)), ...steps.slice(i + 1)];
          assert.deepEqual(runConnection(split).exchanges.map(untimedExchange), whole, `${name}: step ${i} split at ${k}`);
        }
        const bytewise: Step[] = [...steps.slice(0, i), ...byteByByte(text).map(make), ...steps.slice(i + 1)];
        assert.deepEqual(runConnection(bytewise).exchanges.map(untimedExchange), whole, `${name}: step ${i} byte by byte`);
      }
    }
  });
});
