import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikeHttp1Request, looksLikeHttp1Response } from './detect.js';
import {
  NGINX_304, NGINX_HEAD, NGINX_KEEPALIVE, NGINX_PIPELINED, NODE_100_CONTINUE, NODE_204, NODE_CHUNKED_TRAILERS,
  NODE_CHUNKED_UPLOAD, NODE_CLOSE_DELIMITED, PYTHON_GET, PYTHON_HEAD, RFC6455_WEBSOCKET, bytes,
} from './fixtures.js';

const CAPTURED = [
  PYTHON_GET, PYTHON_HEAD, NODE_CHUNKED_TRAILERS, NODE_204, NODE_CLOSE_DELIMITED, NODE_100_CONTINUE,
  NODE_CHUNKED_UPLOAD, NGINX_KEEPALIVE, NGINX_HEAD, NGINX_304, NGINX_PIPELINED, RFC6455_WEBSOCKET,
];

describe('looksLikeHttp1Request / looksLikeHttp1Response', () => {
  it('recognises the first segment of every captured stream', () => {
    for (const c of CAPTURED) {
      assert.equal(looksLikeHttp1Request(bytes(c.client[0]!)), true, c.how);
      assert.equal(looksLikeHttp1Response(bytes(c.server[0]!)), true, c.how);
      assert.equal(looksLikeHttp1Request(bytes(c.server[0]!)), false, c.how);
      assert.equal(looksLikeHttp1Response(bytes(c.client[0]!)), false, c.how);
    }
  });

  const requestCases: { name: string; input: string; want: boolean }[] = [
    { name: 'too short: empty', input: '', want: false },
    { name: 'too short: method only', input: 'GET', want: false },
    { name: 'too short: method and space', input: 'GET ', want: false },
    { name: 'shortest decidable prefix', input: 'GET /', want: true },
    { name: 'prefix cut in the target, known method', input: 'POST /api/v1/orders?id=', want: true },
    { name: 'prefix cut in the version', input: 'GET / HTTP/1', want: true },
    { name: 'prefix cut in the target, unknown method', input: 'FROB /x', want: false },
    { name: 'complete line, custom method', input: 'FROB /x HTTP/1.1\r\n', want: true },
    { name: 'absolute-form', input: 'GET http://example.com/ HTTP/1.1\r\n', want: true },
    { name: 'authority-form (CONNECT)', input: 'CONNECT example.com:443 HTTP/1.1\r\n', want: true },
    { name: 'asterisk-form', input: 'OPTIONS * HTTP/1.1\r\n', want: true },
    { name: 'HTTP/1.0 with bare LF', input: 'GET / HTTP/1.0\n', want: true },
    { name: 'HTTP/2 connection preface', input: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', want: false },
    { name: 'Redis inline command', input: 'GET key\r\n', want: false },
    { name: 'Redis RESP array', input: '*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n', want: false },
    { name: 'SSH banner', input: 'SSH-2.0-OpenSSH_9.2p1\r\n', want: false },
    { name: 'TLS ClientHello', input: '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', want: false },
    { name: 'PostgreSQL startup', input: '\x00\x00\x00\x08\x04\xd2\x16\x2f', want: false },
    { name: 'space in method position', input: ' GET / HTTP/1.1\r\n', want: false },
    { name: 'control byte in target', input: 'GET /\x01 HTTP/1.1\r\n', want: false },
    { name: 'junk after version', input: 'GET / HTTP/1.1x\r\n', want: false },
    { name: 'overlong token', input: 'A'.repeat(40) + ' / HTTP/1.1\r\n', want: false },
  ];
  for (const c of requestCases) {
    it(`request: ${c.name}`, () => assert.equal(looksLikeHttp1Request(bytes(c.input)), c.want));
  }

  const responseCases: { name: string; input: string; want: boolean }[] = [
    { name: 'too short', input: 'HTTP/1.1 20', want: false },
    { name: 'exactly version and status', input: 'HTTP/1.1 200', want: true },
    { name: 'status and reason', input: 'HTTP/1.0 404 Not Found\r\n', want: true },
    { name: 'no reason', input: 'HTTP/1.1 204\r\n', want: true },
    { name: 'HTTP/2 status line', input: 'HTTP/2 200\r\n', want: false },
    { name: 'status out of range', input: 'HTTP/1.1 600 Nope\r\n', want: false },
    { name: 'four-digit status', input: 'HTTP/1.1 2000 OK\r\n', want: false },
    { name: 'lower-case', input: 'http/1.1 200 OK\r\n', want: false },
    { name: 'RTSP', input: 'RTSP/1.0 200 OK\r\n', want: false },
  ];
  for (const c of responseCases) {
    it(`response: ${c.name}`, () => assert.equal(looksLikeHttp1Response(bytes(c.input)), c.want));
  }
});
