import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikeMemcachedClient, looksLikeMemcachedServer } from './detect.js';
import { ALL_SESSIONS, bytes } from './fixtures.js';

/** The ERRORS session's deliberately invalid commands (memcached answers them ERROR / CLIENT_ERROR). */
const INVALID_COMMANDS = new Set(['bogus k\r\n', 'set k 0 0 abc\r\n', 'hello\r\n']);

describe('looksLikeMemcachedClient / looksLikeMemcachedServer', () => {
  it('recognises every command and reply line of the sessions, each side only as itself', () => {
    for (const session of ALL_SESSIONS) {
      for (const chunk of session.chunks) {
        if ('c' in chunk) {
          const want = !INVALID_COMMANDS.has(chunk.c);
          assert.equal(looksLikeMemcachedClient(bytes(chunk.c)), want, `client: ${JSON.stringify(chunk.c)}`);
          assert.equal(looksLikeMemcachedServer(bytes(chunk.c)), false, `client as server: ${JSON.stringify(chunk.c)}`);
        }
      }
      const first = session.chunks.find((ch) => 's' in ch);
      if (first !== undefined && 's' in first) {
        assert.equal(looksLikeMemcachedServer(bytes(first.s)), true, `server: ${JSON.stringify(first.s)}`);
        assert.equal(looksLikeMemcachedClient(bytes(first.s)), false, `server as client: ${JSON.stringify(first.s)}`);
      }
    }
  });

  const clientCases: { name: string; input: string; want: boolean }[] = [
    { name: 'too short', input: 'ge', want: false },
    { name: 'command word only, nothing after it yet', input: 'get', want: false },
    { name: 'get with a key', input: 'get k\r\n', want: true },
    { name: 'get cut after the space', input: 'get ', want: true },
    { name: 'set with data', input: 'set k 0 60 5\r\nhello\r\n', want: true },
    { name: 'set with noreply', input: 'set k 0 60 5 noreply\r\n', want: true },
    { name: 'set with a non-numeric length', input: 'set k 0 60 five\r\n', want: false },
    { name: 'set with too few arguments (Redis-style)', input: 'set k v\r\n', want: false },
    { name: 'cas needs its unique', input: 'cas k 0 0 1\r\n', want: false },
    { name: 'cas', input: 'cas k 0 0 1 99\r\n', want: true },
    { name: 'gat needs an exptime and a key', input: 'gat 10 k\r\n', want: true },
    { name: 'incr', input: 'incr n 1\r\n', want: true },
    { name: 'incr without a number', input: 'incr n\r\n', want: false },
    { name: 'stats with an argument', input: 'stats slabs\r\n', want: true },
    { name: 'flush_all', input: 'flush_all\r\n', want: true },
    { name: 'version takes no argument', input: 'version 2\r\n', want: false },
    { name: 'meta get', input: 'mg foo v t\r\n', want: true },
    { name: 'meta no-op', input: 'mn\r\n', want: true },
    { name: 'meta set', input: 'ms foo 2 T90\r\nhi\r\n', want: true },
    { name: 'upper-case GET (Redis inline or HTTP)', input: 'GET k\r\n', want: false },
    { name: 'HTTP request', input: 'GET / HTTP/1.1\r\n', want: false },
    { name: 'Redis RESP command', input: '*2\r\n$3\r\nget\r\n$1\r\nk\r\n', want: false },
    { name: 'binary protocol request (magic 0x80): not parsed, not claimed', input: '\x80\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x03', want: false },
    { name: 'control byte in a key', input: 'get k\x01\r\n', want: false },
  ];
  for (const c of clientCases) {
    it(`client: ${c.name}`, () => assert.equal(looksLikeMemcachedClient(bytes(c.input)), c.want));
  }

  const serverCases: { name: string; input: string; want: boolean }[] = [
    { name: 'too short', input: 'EN', want: false },
    { name: 'END', input: 'END\r\n', want: true },
    { name: 'STORED', input: 'STORED\r\n', want: true },
    { name: 'STORED with junk after it', input: 'STORED x\r\n', want: false },
    { name: 'VALUE line', input: 'VALUE k 0 5\r\nhello\r\nEND\r\n', want: true },
    { name: 'VALUE line with cas', input: 'VALUE k 0 5 77\r\n', want: true },
    { name: 'VALUE line without a length', input: 'VALUE k 0\r\n', want: false },
    { name: 'STAT line', input: 'STAT pid 1\r\n', want: true },
    { name: 'ERROR', input: 'ERROR\r\n', want: true },
    { name: 'CLIENT_ERROR', input: 'CLIENT_ERROR bad data chunk\r\n', want: true },
    { name: 'incr value', input: '42\r\n', want: true },
    { name: 'space-padded decr value', input: '9  \r\n', want: true },
    { name: 'number then text', input: '42 apples\r\n', want: false },
    { name: 'meta HD with flags', input: 'HD c500\r\n', want: true },
    { name: 'meta VA', input: 'VA 2 t78\r\nhi\r\n', want: true },
    { name: 'meta MN', input: 'MN\r\n', want: true },
    { name: 'lower-case end', input: 'end\r\n', want: false },
    { name: 'Redis reply', input: '+OK\r\n', want: false },
    { name: 'binary protocol response (magic 0x81)', input: '\x81\x00\x00\x00\x00\x00\x00\x00', want: false },
  ];
  for (const c of serverCases) {
    it(`server: ${c.name}`, () => assert.equal(looksLikeMemcachedServer(bytes(c.input)), c.want));
  }
});
