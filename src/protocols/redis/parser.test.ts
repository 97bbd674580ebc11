import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProtocolExchange } from '../exchange.js';
import { RedisParser } from './parser.js';
import {
  ALL_SESSIONS, BENCHMARK_GET_P4, BENCHMARK_SET_P4, CLI_BASIC, CLI_ERRORS, CLI_MULTI_EXEC, CLI_RESP3, CLI_SELECT, INLINE,
  PUBSUB_PSUBSCRIBER, PUBSUB_SUBSCRIBER, RESP3_SUBSCRIBER, UNSUBSCRIBE_ALL, bytes, side, type CapturedSession,
} from './fixtures.js';
import { COMMAND_DOCS_RESP2, COMMAND_DOCS_RESP3, replyChunks } from './command-docs-fixtures.js';
import { replay, run, summary, totalRequestBytes, totalResponseBytes, type Step } from './testkit.js';

const c = (x: string): Step => ({ c: x });
const s = (x: string): Step => ({ s: x });
const cgap = (n: number): Step => ({ cgap: n });
const sgap = (n: number): Step => ({ sgap: n });
const close: Step = { close: true };

/** A RESP command as clients send it. */
function cmd(...words: string[]): string {
  return `*${words.length}\r\n` + words.map((w) => `$${w.length}\r\n${w}\r\n`).join('');
}

const ops = (exchanges: readonly ProtocolExchange[]): (string | null)[] => exchanges.map((e) => e.operation);

function untimed(e: ProtocolExchange): unknown {
  const { startNs: _s, endNs: _e, ...rest } = e;
  return rest;
}

describe('RedisParser: captured sessions', () => {
  const expected: { session: CapturedSession; ops: string[]; pushes?: number }[] = [
    { session: CLI_BASIC, ops: ['SET', 'GET', 'INCR', 'HSET', 'RPUSH', 'LRANGE', 'GET'] },
    { session: CLI_ERRORS, ops: ['SET', 'LPUSH', 'FOOBAR', 'GET'] },
    { session: CLI_MULTI_EXEC, ops: ['MULTI', 'SET', 'INCR', 'GET', 'EXEC', 'MULTI', 'SET', 'DISCARD', 'GET'] },
    { session: CLI_SELECT, ops: ['SELECT', 'SET', 'GET', 'SELECT', 'GET'] },
    { session: BENCHMARK_SET_P4, ops: Array<string>(20).fill('SET') },
    { session: BENCHMARK_GET_P4, ops: Array<string>(20).fill('GET') },
    { session: PUBSUB_SUBSCRIBER, ops: ['SUBSCRIBE'], pushes: 2 },
    { session: PUBSUB_PSUBSCRIBER, ops: ['PSUBSCRIBE'], pushes: 1 },
    { session: RESP3_SUBSCRIBER, ops: ['HELLO', 'SUBSCRIBE'], pushes: 1 },
    { session: INLINE, ops: ['PING', 'SET', 'GET', 'EXISTS'] },
    { session: UNSUBSCRIBE_ALL, ops: ['SUBSCRIBE', 'PSUBSCRIBE', 'PING', 'UNSUBSCRIBE', 'PUNSUBSCRIBE', 'GET'], pushes: 1 },
    {
      session: CLI_RESP3,
      ops: ['HELLO', 'HSET', 'HGETALL', 'SADD', 'SMEMBERS', 'ZADD', 'ZSCORE', 'GET', 'CLIENT INFO', 'EVAL', 'EVAL', 'CLIENT SETNAME', 'CONFIG GET'],
    },
  ];
  for (const x of expected) {
    it(`${x.session.how}: one clean exchange per command`, () => {
      const { exchanges, parser } = replay(x.session);
      assert.deepEqual(ops(exchanges), x.ops);
      assert.equal(parser.pushMessages, x.pushes ?? 0);
      for (const e of exchanges) {
        assert.equal(e.problem, null, `${e.operation}: ${e.problem}`);
        assert.equal(e.resource, null);
        assert.ok(e.startNs <= e.endNs);
        assert.equal(e.attributes['db.system.name'], 'redis');
      }
    });
  }

  for (const session of ALL_SESSIONS) {
    it(`${session.how}: every byte is in an exchange or counted as unpaired`, () => {
      const { exchanges, parser } = replay(session);
      assert.equal(totalRequestBytes(exchanges) + parser.unpairedClientBytes, side(session, 'c').length);
      assert.equal(totalResponseBytes(exchanges) + parser.unpairedServerBytes, side(session, 's').length);
      assert.equal(parser.pendingCommands, 0);
    });

    it(`${session.how}: byte-by-byte feeding gives the same exchanges as the captured chunks`, () => {
      const steps: Step[] = [];
      for (const chunk of session.chunks) {
        if ('c' in chunk) for (const ch of chunk.c) steps.push(c(ch));
        else for (const ch of chunk.s) steps.push(s(ch));
      }
      steps.push(close);
      assert.deepEqual(run(steps).exchanges.map(untimed), replay(session).exchanges.map(untimed));
    });
  }
});

describe('RedisParser: named cases', () => {
  it('too short: half a command reports nothing until the rest and its reply arrive', () => {
    const whole = cmd('PING');
    const parser = new RedisParser();
    assert.deepEqual(parser.client(bytes(whole.slice(0, 9)), 1), []);
    assert.deepEqual(parser.server(bytes('+PO'), 2), []);
    assert.equal(parser.pendingCommands, 0);
    assert.deepEqual(parser.client(bytes(whole.slice(9)), 3), []);
    assert.equal(parser.pendingCommands, 1);
    const [e] = parser.server(bytes('NG\r\n'), 4);
    assert.deepEqual(summary(e!), ['PING', 'OK', false, null]);
    assert.equal(e!.requestBytes, whole.length);
    assert.equal(e!.responseBytes, 7);
    assert.equal(e!.startNs, 1);
    assert.equal(e!.endNs, 4);
  });

  it('pipelined: 4 commands in one segment, 4 replies in one segment, paired in order', () => {
    const { exchanges } = run([
      c(cmd('SET', 'a', '1') + cmd('GET', 'a') + cmd('INCR', 'n') + cmd('LPUSH', 'a', 'x')),
      s('+OK\r\n$1\r\n1\r\n:7\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n'),
    ]);
    assert.deepEqual(exchanges.map(summary), [
      ['SET', 'OK', false, null], ['GET', 'OK', false, null], ['INCR', 'OK', false, null], ['LPUSH', 'WRONGTYPE', true, null],
    ]);
    assert.deepEqual(exchanges.map((e) => e.responseBytes), [5, 7, 4, 68]);
  });

  it('pipelined (captured): replies split from commands at every possible offset pair correctly', () => {
    const client = side(BENCHMARK_GET_P4, 'c');
    const server = side(BENCHMARK_GET_P4, 's');
    for (let cut = 1; cut < server.length; cut += 7) {
      const { exchanges } = run([c(client), s(server.slice(0, cut)), s(server.slice(cut))]);
      assert.equal(exchanges.length, 20, `cut at ${cut}`);
      assert.ok(exchanges.every((e) => e.responseBytes === 9 && e.status === 'OK'), `cut at ${cut}`);
    }
  });

  it('reply split inside a bulk string: any split point gives one exchange with exact bytes', () => {
    const reply = '$11\r\nhello world\r\n';
    for (let cut = 1; cut < reply.length; cut++) {
      const { exchanges } = run([c(cmd('GET', 'k')), s(reply.slice(0, cut)), s(reply.slice(cut))]);
      assert.equal(exchanges.length, 1, `cut at ${cut}`);
      assert.equal(exchanges[0]!.responseBytes, reply.length);
      assert.equal(exchanges[0]!.endNs, 3000);
    }
  });

  for (const fixture of [COMMAND_DOCS_RESP2, COMMAND_DOCS_RESP3]) {
    it(`reply split inside a bulk string (captured): ${fixture.how}`, () => {
      const parser = new RedisParser();
      const out: ProtocolExchange[] = [...parser.client(bytes(fixture.request), 1)];
      let t = 2;
      const chunks = replyChunks(fixture);
      for (const chunk of chunks) {
        out.push(...parser.server(chunk, t++));
        assert.ok(parser.bufferedBytes <= 2 * 3 * 64);
      }
      assert.deepEqual(out.map(summary), [['COMMAND DOCS', 'OK', false, null]]);
      assert.equal(out[0]!.responseBytes, fixture.chunkLengths.reduce((a, b) => a + b, 0));
      assert.equal(out[0]!.endNs, t - 1);
    });
  }

  it('error reply: status and db.response.status_code carry the prefix, only on errors', () => {
    const { exchanges } = replay(CLI_ERRORS);
    assert.deepEqual(exchanges.map((e) => [e.status, e.error, e.attributes['db.response.status_code']]), [
      ['OK', false, undefined], ['WRONGTYPE', true, 'WRONGTYPE'], ['ERR', true, 'ERR'], ['OK', false, undefined],
    ]);
  });

  const errorCases: { name: string; reply: string; status: string }[] = [
    { name: 'MOVED redirect', reply: '-MOVED 3999 127.0.0.1:6381\r\n', status: 'MOVED' },
    { name: 'NOSCRIPT', reply: '-NOSCRIPT No matching script. Please use EVAL.\r\n', status: 'NOSCRIPT' },
    { name: 'lower-case first word is not a code', reply: '-oops something broke\r\n', status: 'ERR' },
    { name: 'RESP3 blob error', reply: '!21\r\nSYNTAX invalid syntax\r\n', status: 'SYNTAX' },
    { name: 'empty error', reply: '-\r\n', status: 'ERR' },
  ];
  for (const x of errorCases) {
    it(`error reply: ${x.name}`, () => {
      const { exchanges } = run([c(cmd('EVALSHA', 'abc', '0')), s(x.reply)]);
      assert.deepEqual(summary(exchanges[0]!), ['EVALSHA', x.status, true, null]);
      assert.equal(exchanges[0]!.attributes['db.response.status_code'], x.status);
      assert.equal(exchanges[0]!.responseBytes, x.reply.length);
    });
  }

  it('MULTI/EXEC: queued commands are exchanges of their own, EXEC gets the array', () => {
    const { exchanges } = replay(CLI_MULTI_EXEC);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.responseBytes]), [
      ['MULTI', 5], ['SET', 9], ['INCR', 9], ['GET', 9], ['EXEC', 20], ['MULTI', 5], ['SET', 9], ['DISCARD', 5], ['GET', 7],
    ]);
  });

  it('MULTI/EXEC: EXECABORT is an error, the commands after it pair normally', () => {
    const { exchanges } = run([
      c(cmd('MULTI') + cmd('SET', 'a') + cmd('EXEC') + cmd('PING')),
      s("+OK\r\n-ERR wrong number of arguments for 'set' command\r\n-EXECABORT Transaction discarded because of previous errors.\r\n+PONG\r\n"),
    ]);
    assert.deepEqual(exchanges.map(summary), [
      ['MULTI', 'OK', false, null], ['SET', 'ERR', true, null], ['EXEC', 'EXECABORT', true, null], ['PING', 'OK', false, null],
    ]);
  });

  it('subscribe push messages: one exchange for SUBSCRIBE of two channels, messages counted as pushes', () => {
    const { exchanges, parser } = replay(PUBSUB_SUBSCRIBER);
    assert.equal(exchanges.length, 1);
    assert.equal(exchanges[0]!.responseBytes, '*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n'.length);
    assert.equal(parser.pushMessages, 2);
  });

  it('subscribe push messages: a message between commands does not consume the waiting one', () => {
    const { exchanges, parser } = run([
      c(cmd('SUBSCRIBE', 'a')), s('*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n'),
      c(cmd('PING')),
      s('*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n'),
      s('*2\r\n$4\r\npong\r\n$0\r\n\r\n'),
    ]);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.responseBytes]), [['SUBSCRIBE', 30], ['PING', 20]]);
    assert.equal(parser.pushMessages, 1);
  });

  it('subscribe push messages: UNSUBSCRIBE without arguments absorbs one reply per channel', () => {
    const { exchanges } = replay(UNSUBSCRIBE_ALL);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.status]), [
      ['SUBSCRIBE', 'OK'], ['PSUBSCRIBE', 'OK'], ['PING', 'OK'], ['UNSUBSCRIBE', 'OK'], ['PUNSUBSCRIBE', 'OK'], ['GET', 'OK'],
    ]);
    assert.equal(exchanges.at(-1)!.responseBytes, 7);
  });

  it('subscribe push messages: two SUBSCRIBE back to back keep their own confirmations', () => {
    const conf = (ch: string, n: number): string => `*3\r\n$9\r\nsubscribe\r\n$${ch.length}\r\n${ch}\r\n:${n}\r\n`;
    const { exchanges } = run([c(cmd('SUBSCRIBE', 'a', 'b') + cmd('SUBSCRIBE', 'c')), s(conf('a', 1) + conf('b', 2) + conf('c', 3))]);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.responseBytes]), [['SUBSCRIBE', 30], ['SUBSCRIBE', 30]]);
  });

  it('subscribe push messages: RESP3 > pushes, including invalidations, answer no command', () => {
    const { exchanges, parser } = replay(RESP3_SUBSCRIBER);
    assert.deepEqual(exchanges.map(summary), [['HELLO', 'OK', false, null], ['SUBSCRIBE', 'OK', false, null]]);
    assert.equal(parser.pushMessages, 1);
    const more = run([
      c(cmd('HELLO', '3') + cmd('GET', 'k')),
      s('%1\r\n$5\r\nproto\r\n:3\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n$1\r\nv\r\n'),
    ]);
    assert.deepEqual(more.exchanges.map((e) => [e.operation, e.responseBytes]), [['HELLO', 19], ['GET', 7]]);
    assert.equal(more.parser.pushMessages, 1);
  });

  it('HELLO 3 switches the protocol: a `message`-shaped array is then a reply, not a push', () => {
    const array = '*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nb\r\n';
    const resp2 = run([c(cmd('SUBSCRIBE', 'x')), s('*3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:1\r\n'), c(cmd('LRANGE', 'l', '0', '-1')), s(array)]);
    assert.deepEqual(ops(resp2.exchanges), ['SUBSCRIBE']);
    const resp3 = run([
      c(cmd('HELLO', '3')), s('%1\r\n$5\r\nproto\r\n:3\r\n'),
      c(cmd('SUBSCRIBE', 'x')), s('>3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:1\r\n'),
      c(cmd('LRANGE', 'l', '0', '-1')), s(array),
    ]);
    assert.deepEqual(ops(resp3.exchanges), ['HELLO', 'SUBSCRIBE', 'LRANGE']);
  });

  it('RESP3 map (captured): HGETALL, SMEMBERS, ZSCORE, null, verbatim string, boolean', () => {
    const { exchanges } = replay(CLI_RESP3);
    const bytesOf = (op: string): number[] => exchanges.filter((e) => e.operation === op).map((e) => e.responseBytes);
    assert.deepEqual(bytesOf('HGETALL'), ['%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n'.length]);
    assert.deepEqual(bytesOf('SMEMBERS'), [18]);
    assert.deepEqual(bytesOf('ZSCORE'), [6]);
    assert.deepEqual(bytesOf('GET'), [3]);
    assert.deepEqual(bytesOf('CLIENT INFO'), [281]);
    assert.deepEqual(bytesOf('EVAL'), [21, 4]);
  });

  const resp3Cases: { name: string; reply: string }[] = [
    { name: 'RESP3 map', reply: '%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n' },
    { name: 'RESP3 set', reply: '~3\r\n+a\r\n+b\r\n+c\r\n' },
    { name: 'null', reply: '_\r\n' },
    { name: 'boolean', reply: '#f\r\n' },
    { name: 'double', reply: ',-1.5e10\r\n' },
    { name: 'double infinity', reply: ',inf\r\n' },
    { name: 'big number', reply: '(3492890328409238509324850943850943825024385\r\n' },
    { name: 'verbatim string', reply: '=15\r\ntxt:Some string\r\n' },
    { name: 'attribute before reply', reply: '|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n' },
    { name: 'attribute inside an aggregate', reply: '*2\r\n|1\r\n+ttl\r\n:3600\r\n:1\r\n:2\r\n' },
    { name: 'empty attribute', reply: '|0\r\n+OK\r\n' },
    { name: 'streamed string', reply: '$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n' },
    { name: 'streamed aggregate', reply: '*?\r\n:1\r\n:2\r\n:3\r\n.\r\n' },
    { name: 'streamed map holding a streamed set', reply: '%?\r\n+a\r\n~?\r\n:1\r\n.\r\n+b\r\n:2\r\n.\r\n' },
    { name: 'nested empty aggregates', reply: '*3\r\n*0\r\n%0\r\n~0\r\n' },
    { name: 'RESP2 null array', reply: '*-1\r\n' },
  ];
  for (const x of resp3Cases) {
    it(`${x.name}: one reply, whole bytes, the next reply still pairs`, () => {
      const { exchanges, parser } = run([c(cmd('MGET', 'a', 'b') + cmd('PING')), s(x.reply + '+PONG\r\n')]);
      assert.deepEqual(exchanges.map((e) => [e.operation, e.status, e.responseBytes]), [['MGET', 'OK', x.reply.length], ['PING', 'OK', 7]]);
      assert.equal(parser.unpairedServerBytes, 0);
      const split = run([c(cmd('MGET', 'a', 'b') + cmd('PING')), ...Array.from(x.reply + '+PONG\r\n', (ch) => s(ch))]);
      assert.deepEqual(split.exchanges.map(untimed), exchanges.map(untimed));
    });
  }

  it('inline commands (captured): quoted argument counted as one, empty line ignored', () => {
    const { exchanges, parser } = replay(INLINE);
    assert.deepEqual(exchanges.map((e) => e.attributes['db.query.text']), ['PING', 'SET ? ?', 'GET ?', 'EXISTS ? ?']);
    assert.equal(parser.unpairedClientBytes, 2);
  });

  it('two-word commands: container subcommands become part of the operation', () => {
    const { exchanges } = run([
      c(cmd('client', 'setname', 'x') + cmd('XINFO', 'STREAM', 's') + cmd('CONFIG', 'GET', 'maxmemory') + cmd('OBJECT', 'encoding', 'k') + cmd('GET', 'SETNAME')),
      s('+OK\r\n*0\r\n*0\r\n$6\r\nembstr\r\n$-1\r\n'),
    ]);
    assert.deepEqual(exchanges.map((e) => e.attributes['db.query.text']), [
      'CLIENT SETNAME ?', 'XINFO STREAM ?', 'CONFIG GET ?', 'OBJECT ENCODING ?', 'GET ?',
    ]);
  });

  it('query text: a command with thousands of arguments is capped', () => {
    const words = ['MSET'];
    for (let i = 0; i < 2000; i++) words.push('k' + i, 'v');
    const { exchanges } = run([c(cmd(...words)), s('+OK\r\n')]);
    const text = String(exchanges[0]!.attributes['db.query.text']);
    assert.ok(text.startsWith('MSET ? ? ?') && text.endsWith(' ...') && text.length < 100, text);
  });

  it('a command name that is not a word is not reported', () => {
    const { exchanges } = run([c(cmd('\x00\x01bin')), s('-ERR unknown command\r\n')]);
    assert.equal(exchanges[0]!.operation, null);
    assert.equal(exchanges[0]!.attributes['db.operation.name'], undefined);
    assert.equal(exchanges[0]!.status, 'ERR');
  });

  it('SELECT changes db.namespace: from the successful SELECT on, not on an error', () => {
    const { exchanges } = replay(CLI_SELECT);
    assert.deepEqual(exchanges.map((e) => e.attributes['db.namespace']), ['2', '2', '2', '2', '2']);
    const before = run([c(cmd('GET', 'k')), s('$-1\r\n')]);
    assert.equal(before.exchanges[0]!.attributes['db.namespace'], '0');
  });

  it('SELECT changes db.namespace: inside MULTI only once EXEC succeeds; DISCARD drops it', () => {
    const { exchanges } = run([
      c(cmd('MULTI') + cmd('SELECT', '5') + cmd('EXEC') + cmd('GET', 'k')),
      s('+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n$-1\r\n'),
      c(cmd('MULTI') + cmd('SELECT', '7') + cmd('DISCARD') + cmd('GET', 'k')),
      s('+OK\r\n+QUEUED\r\n+OK\r\n$-1\r\n'),
    ]);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.attributes['db.namespace']]), [
      ['MULTI', '0'], ['SELECT', '0'], ['EXEC', '5'], ['GET', '5'], ['MULTI', '5'], ['SELECT', '5'], ['DISCARD', '5'], ['GET', '5'],
    ]);
  });

  it('RESET: back to db 0 and RESP2', () => {
    const { exchanges } = run([c(cmd('SELECT', '3') + cmd('RESET') + cmd('GET', 'k')), s('+OK\r\n+RESET\r\n$-1\r\n')]);
    assert.deepEqual(exchanges.map((e) => e.attributes['db.namespace']), ['3', '0', '0']);
  });

  it('gap inside a bulk payload: counted through, the exchange stays clean and exact', () => {
    const { exchanges } = run([
      c('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$20\r\n0123'), cgap(16), c('\r\n'), s('+OK\r\n'),
      c(cmd('GET', 'k')), s('$20\r\nabcd'), sgap(18),
    ]);
    assert.deepEqual(exchanges.map(summary), [['SET', 'OK', false, null], ['GET', 'OK', false, null]]);
    assert.equal(exchanges[0]!.requestBytes, cmd('SET', 'k', 'x'.repeat(20)).length);
    assert.equal(exchanges[1]!.responseBytes, 5 + 20 + 2);
  });

  it('gap inside a key: the record stays clean; inside SELECT\'s index: truncated, and the index is not applied', () => {
    const { exchanges } = run([
      c('*2\r\n$3\r\nGET\r\n$10\r\nab'), cgap(8), c('\r\n'), s('$-1\r\n'),
      c('*2\r\n$6\r\nSELECT\r\n$2\r\n1'), cgap(1), c('\r\n'), s('+OK\r\n'),
      c(cmd('PING')), s('+PONG\r\n'),
    ]);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.problem, e.attributes['db.namespace']]), [
      ['GET', null, '0'], ['SELECT', 'truncated', '0'], ['PING', null, '0'],
    ]);
  });

  it('huge SET: a 100 MB value is counted by its length, never buffered', () => {
    const size = 100 * 1024 * 1024;
    const head = `*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${size}\r\n`;
    const parser = new RedisParser();
    const out: ProtocolExchange[] = [];
    out.push(...parser.client(bytes(head + 'x'.repeat(4000)), 1));
    // The capture keeps a prefix per segment: the rest of each 64 KiB write arrives as a gap.
    let left = size - 4000;
    let t = 2;
    while (left > 0) {
      const n = Math.min(left, 65536);
      out.push(...parser.clientGap(n, t++));
      left -= n;
      assert.ok(parser.bufferedBytes <= 3 * 64);
    }
    out.push(...parser.client(bytes('\r\n'), t++));
    out.push(...parser.server(bytes('+OK\r\n'), t++));
    assert.deepEqual(out.map(summary), [['SET', 'OK', false, null]]);
    assert.equal(out[0]!.requestBytes, head.length + size + 2);
  });

  it('gap then resync (client): the cut command is truncated, later pairs stay aligned', () => {
    const { exchanges } = run([
      c(cmd('GET', 'a')), s('$1\r\n1\r\n'),
      c('*2\r\n$3\r\nGE'), cgap(10),
      s('$1\r\n2\r\n'),
      c(cmd('GET', 'c')), s('$1\r\n3\r\n'),
      c(cmd('INCR', 'n')), s(':4\r\n'),
    ]);
    assert.deepEqual(exchanges.map(summary), [
      ['GET', 'OK', false, null], [null, 'OK', false, 'truncated'], ['GET', 'OK', false, null], ['INCR', 'OK', false, null],
    ]);
  });

  it('gap then resync (client): junk after the gap is skipped up to the next command start', () => {
    const { exchanges, parser } = run([
      c(cmd('SET', 'k', 'v')), cgap(7), c('lue-tail\r\n' + cmd('PING')),
      s('+OK\r\n+PONG\r\n'),
    ]);
    assert.deepEqual(exchanges.map(summary), [['SET', 'OK', false, null], ['PING', 'OK', false, 'truncated']]);
    assert.equal(parser.unpairedClientBytes, 7 + 'lue-tail\r\n'.length);
  });

  it('gap then resync (server): waiting commands are truncated, the next quiet command pairs cleanly', () => {
    const { exchanges, parser } = run([
      c(cmd('GET', 'a') + cmd('GET', 'b') + cmd('GET', 'c')),
      s('$5\r\nhel'), sgap(200),
      s('lo\r\n$1\r\nz\r\n'),
      c(cmd('PING')), s('+PONG\r\n'),
    ]);
    assert.deepEqual(exchanges.map(summary), [
      ['GET', 'OK', false, 'truncated'], ['GET', null, false, 'truncated'], ['GET', null, false, 'truncated'], ['PING', 'OK', false, null],
    ]);
    assert.equal(parser.unpairedReplies, 1);
  });

  it('gap then resync (server): a gap between replies, at a boundary, resumes at the next reply', () => {
    const { exchanges } = run([
      c(cmd('GET', 'a')), s('$1\r\n1\r\n'),
      c(cmd('GET', 'b')), sgap(7),
      c(cmd('GET', 'c')), s('$1\r\n3\r\n'),
    ]);
    assert.deepEqual(exchanges.map(summary), [
      ['GET', 'OK', false, null], ['GET', null, false, 'truncated'], ['GET', 'OK', false, null],
    ]);
  });

  it('gap then resync: a command sent while replies may still be owed is never reported clean', () => {
    const { exchanges } = run([
      c(cmd('GET', 'a') + cmd('GET', 'b')), cgap(30),
      c(cmd('GET', 'd')),
      s('$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n'),
    ]);
    assert.deepEqual(exchanges.map((e) => e.problem), [null, null, 'truncated']);
  });

  it('unparsable server bytes: skipped, reported, and pairing resumes', () => {
    const { exchanges, parser } = run([
      c(cmd('GET', 'a')), s('?garbage\r\n'),
      c(cmd('GET', 'b')), s('$1\r\n2\r\n'),
    ]);
    assert.deepEqual(exchanges.map(summary), [['GET', null, false, 'truncated'], ['GET', 'OK', false, null]]);
    assert.equal(parser.unpairedServerBytes, '?garbage\r\n'.length);
  });

  it('unparsable client bytes inside a command: the command is reported unparsable and gets its error', () => {
    const { exchanges } = run([c('*2\r\n$3\r\nGET\r\n:1\r\n'), s('-ERR Protocol error: expected \'$\', got \':\'\r\n')]);
    assert.deepEqual(summary(exchanges[0]!), ['GET', 'ERR', true, 'unparsable']);
  });

  it('close with pending → no-response, error, ending at the close', () => {
    const { exchanges } = run([c(cmd('BLPOP', 'q', '0') + cmd('PING')), close]);
    assert.deepEqual(exchanges.map(summary), [['BLPOP', null, true, 'no-response'], ['PING', null, true, 'no-response']]);
    assert.equal(exchanges[0]!.endNs, 2000);
  });

  it('close in the middle of a reply → connection-closed with the bytes seen', () => {
    const { exchanges } = run([c(cmd('GET', 'a')), s('$10\r\nabc'), close]);
    assert.deepEqual(summary(exchanges[0]!), ['GET', 'OK', false, 'connection-closed']);
    assert.equal(exchanges[0]!.responseBytes, 8);
  });

  it('close in the middle of a command → connection-closed', () => {
    const { exchanges } = run([c('*2\r\n$3\r\nGET\r\n$1'), close]);
    assert.deepEqual(summary(exchanges[0]!), ['GET', null, false, 'connection-closed']);
    assert.equal(exchanges[0]!.requestBytes, 15);
  });

  it('bytes after close are counted, not parsed', () => {
    const { exchanges, parser } = run([close, c(cmd('PING')), s('+PONG\r\n'), cgap(5), sgap(6)]);
    assert.deepEqual(exchanges, []);
    assert.equal(parser.unpairedClientBytes, 14 + 5);
    assert.equal(parser.unpairedServerBytes, 7 + 6);
  });

  it('maxPending: the oldest is reported no-response and its reply skipped, later pairs stay right', () => {
    const parser = new RedisParser({ maxPending: 2 });
    const { exchanges } = run([c(cmd('GET', '1') + cmd('GET', '2') + cmd('INCR', '3')), s('$1\r\n1\r\n$1\r\n2\r\n:3\r\n')], parser);
    assert.deepEqual(exchanges.map((e) => [e.attributes['db.query.text'], e.problem, e.responseBytes]), [
      ['GET ?', 'no-response', 0], ['GET ?', null, 7], ['INCR ?', null, 4],
    ]);
    assert.equal(parser.pendingCommands, 0);
  });

  it('CLIENT REPLY OFF / SKIP: unanswered commands are reported at once, pairing stays aligned', () => {
    const { exchanges } = run([
      c(cmd('CLIENT', 'REPLY', 'OFF') + cmd('SET', 'a', '1') + cmd('CLIENT', 'REPLY', 'ON') + cmd('CLIENT', 'REPLY', 'SKIP') + cmd('SET', 'b', '2') + cmd('GET', 'a')),
      s('+OK\r\n$1\r\n1\r\n'),
    ]);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.status, e.responseBytes]), [
      ['CLIENT REPLY', null, 0], ['SET', null, 0], ['CLIENT REPLY', null, 0], ['SET', null, 0], ['CLIENT REPLY', 'OK', 5], ['GET', 'OK', 7],
    ]);
  });

  it('MONITOR: the feed lines answer no command', () => {
    const { exchanges, parser } = run([
      c(cmd('MONITOR')), s('+OK\r\n+1700000000.123456 [0 127.0.0.1:5000] "GET" "k"\r\n+1700000000.2 [0 lua] "PING"\r\n'),
      c(cmd('QUIT')), s('+OK\r\n'),
    ]);
    assert.deepEqual(ops(exchanges), ['MONITOR', 'QUIT']);
    assert.equal(parser.pushMessages, 2);
  });

  it('empty commands (`*0`, blank inline lines) are skipped without an exchange', () => {
    const { exchanges, parser } = run([c('*0\r\n\r\n\n' + cmd('PING')), s('+PONG\r\n')]);
    assert.deepEqual(ops(exchanges), ['PING']);
    assert.equal(parser.unpairedClientBytes, 7);
  });

  it('a reply with no command waiting is counted, not paired with the next command', () => {
    const { exchanges, parser } = run([s('+OK\r\n'), c(cmd('PING')), s('+PONG\r\n')]);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.responseBytes]), [['PING', 7]]);
    assert.equal(parser.unpairedReplies, 1);
  });
});
