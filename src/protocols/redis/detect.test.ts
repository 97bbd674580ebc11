import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikeRedisClient, looksLikeRedisServer } from './detect.js';
import { ALL_SESSIONS, bytes } from './fixtures.js';
import { COMMAND_DOCS_RESP2, COMMAND_DOCS_RESP3, replyChunks } from './command-docs-fixtures.js';

function firstChunk(session: (typeof ALL_SESSIONS)[number], dir: 'c' | 's'): string | undefined {
  for (const chunk of session.chunks) {
    if (dir === 'c' && 'c' in chunk) return chunk.c;
    if (dir === 's' && 's' in chunk) return chunk.s;
  }
  return undefined;
}

describe('looksLikeRedisClient / looksLikeRedisServer', () => {
  // A command is a RESP array of bulk strings, which is also a valid reply (and an array-of-bulks
  // reply reads as a command): direction comes from who connected, not from these bytes alone.
  it('recognises the first segment of every captured session; replies that are not arrays are not commands', () => {
    for (const session of ALL_SESSIONS) {
      const client = firstChunk(session, 'c');
      const server = firstChunk(session, 's');
      if (client !== undefined) assert.equal(looksLikeRedisClient(bytes(client)), true, `client: ${session.how}`);
      if (server !== undefined) {
        assert.equal(looksLikeRedisServer(bytes(server)), true, `server: ${session.how}`);
        if (!server.startsWith('*')) assert.equal(looksLikeRedisClient(bytes(server)), false, `server as client: ${session.how}`);
      }
    }
  });

  it('recognises the captured COMMAND DOCS exchanges (RESP2 array, RESP3 map)', () => {
    for (const fixture of [COMMAND_DOCS_RESP2, COMMAND_DOCS_RESP3]) {
      assert.equal(looksLikeRedisClient(bytes(fixture.request)), true);
      assert.equal(looksLikeRedisServer(replyChunks(fixture)[0]!.subarray(0, 256)), true);
    }
  });

  const clientCases: { name: string; input: string; want: boolean }[] = [
    { name: 'too short: empty', input: '', want: false },
    { name: 'too short: array header only', input: '*1\r\n', want: false },
    { name: 'shortest decidable prefix', input: '*1\r\n$', want: true },
    { name: 'two-digit count', input: '*12\r\n$3\r\nDEL\r\n', want: true },
    { name: 'prefix cut in the first length', input: '*2\r\n$1', want: true },
    { name: 'prefix cut in the command name', input: '*2\r\n$6\r\nLRA', want: true },
    { name: 'zero count', input: '*0\r\n$3\r\n', want: false },
    { name: 'array of integers (a reply, not a command)', input: '*2\r\n:1\r\n:2\r\n', want: false },
    { name: 'binary command name', input: '*1\r\n$3\r\n\x00\x01\x02\r\n', want: false },
    { name: 'missing CR', input: '*1\n$4\nPING\n', want: false },
    { name: 'inline PING', input: 'PING\r\n', want: true },
    { name: 'inline lower-case ping', input: 'ping\r\n', want: true },
    { name: 'inline with arguments', input: 'SET k "a b"\r\n', want: true },
    { name: 'inline unknown word', input: 'HELO mail.example.com\r\n', want: false },
    { name: 'inline word without a terminator yet', input: 'PING', want: false },
    { name: 'lower-case get is memcached, not Redis', input: 'get k1 k2\r\n', want: false },
    { name: 'memcached set', input: 'set k 0 0 5\r\nhello\r\n', want: false },
    { name: 'HTTP request line', input: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', want: false },
    { name: 'mixed-case word', input: 'PiNg\r\n', want: false },
    { name: 'TLS ClientHello', input: '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', want: false },
  ];
  for (const c of clientCases) {
    it(`client: ${c.name}`, () => assert.equal(looksLikeRedisClient(bytes(c.input)), c.want));
  }

  const serverCases: { name: string; input: string; want: boolean }[] = [
    { name: 'too short', input: '+O', want: false },
    { name: 'simple string', input: '+OK\r\n', want: true },
    { name: 'simple string without its CRLF yet', input: '+OK', want: false },
    { name: 'error', input: '-ERR unknown command\r\n', want: true },
    { name: 'error starting lower-case', input: '-err\r\n', want: false },
    { name: 'integer', input: ':1000\r\n', want: true },
    { name: 'negative integer', input: ':-1\r\n', want: true },
    { name: 'integer with junk', input: ':12a\r\n', want: false },
    { name: 'bulk string', input: '$5\r\nhello\r\n', want: true },
    { name: 'null bulk', input: '$-1\r\n', want: true },
    { name: 'bulk header cut', input: '$12', want: false },
    { name: 'array of bulks', input: '*2\r\n$1\r\na\r\n$1\r\nb\r\n', want: true },
    { name: 'array followed by a non-type byte', input: '*2\r\nxx', want: false },
    { name: 'empty array', input: '*0\r\n', want: true },
    { name: 'RESP3 null', input: '_\r\n', want: true },
    { name: 'RESP3 boolean', input: '#t\r\n', want: true },
    { name: 'RESP3 bad boolean', input: '#x\r\n', want: false },
    { name: 'RESP3 double', input: ',3.14\r\n', want: true },
    { name: 'RESP3 big number', input: '(3492890328409238509324850943850943825024385\r\n', want: true },
    { name: 'RESP3 blob error', input: '!21\r\nSYNTAX invalid syntax\r\n', want: true },
    { name: 'RESP3 verbatim', input: '=15\r\ntxt:Some string\r\n', want: true },
    { name: 'RESP3 map', input: '%2\r\n+a\r\n:1\r\n', want: true },
    { name: 'RESP3 set', input: '~1\r\n+a\r\n', want: true },
    { name: 'RESP3 push', input: '>3\r\n$7\r\nmessage\r\n', want: true },
    { name: 'RESP3 attribute', input: '|1\r\n+ttl\r\n:1\r\n+OK\r\n', want: true },
    { name: 'RESP3 streamed string', input: '$?\r\n;4\r\nHell\r\n', want: true },
    { name: 'memcached reply', input: 'STORED\r\n', want: false },
    { name: 'HTTP status line', input: 'HTTP/1.1 200 OK\r\n', want: false },
    { name: 'binary', input: '\x00\x00\x00\x08\x04\xd2', want: false },
  ];
  for (const c of serverCases) {
    it(`server: ${c.name}`, () => assert.equal(looksLikeRedisServer(bytes(c.input)), c.want));
  }
});
