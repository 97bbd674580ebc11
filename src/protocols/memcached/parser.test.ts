import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProtocolExchange } from '../exchange.js';
import { MemcachedParser } from './parser.js';
import {
  ALL_SESSIONS, DELETE_INCR_TOUCH, ERRORS, GETS_CAS, META, META_QUIET_GETS, META_QUIET_SETS, MULTI_GET, NOREPLY, PIPELINED,
  SET_GET, STATS_VERSION, STORAGE_OUTCOMES, bytes, side, type Session,
} from './fixtures.js';
import { replay, run, summary, totalRequestBytes, totalResponseBytes, type Step } from './testkit.js';

const c = (x: string): Step => ({ c: x });
const s = (x: string): Step => ({ s: x });
const cgap = (n: number): Step => ({ cgap: n });
const sgap = (n: number): Step => ({ sgap: n });
const close: Step = { close: true };

function untimed(e: ProtocolExchange): unknown {
  const { startNs: _s, endNs: _e, ...rest } = e;
  return rest;
}

describe('MemcachedParser: sessions (hand-written from the spec)', () => {
  const expected: { session: Session; want: [string | null, string | null][] }[] = [
    { session: SET_GET, want: [['SET', 'STORED'], ['GET', 'END'], ['GET', 'END']] },
    { session: MULTI_GET, want: [['GET', 'END'], ['GAT', 'END']] },
    { session: GETS_CAS, want: [['GETS', 'END'], ['CAS', 'STORED'], ['CAS', 'EXISTS'], ['CAS', 'NOT_FOUND']] },
    { session: STORAGE_OUTCOMES, want: [['ADD', 'NOT_STORED'], ['REPLACE', 'NOT_STORED'], ['APPEND', 'STORED'], ['PREPEND', 'STORED'], ['SET', 'STORED']] },
    { session: NOREPLY, want: [['SET', null], ['DELETE', null], ['INCR', null], ['FLUSH_ALL', null], ['GET', 'END']] },
    {
      session: DELETE_INCR_TOUCH,
      want: [['DELETE', 'DELETED'], ['DELETE', 'NOT_FOUND'], ['INCR', 'OK'], ['DECR', 'OK'], ['INCR', 'NOT_FOUND'], ['TOUCH', 'TOUCHED']],
    },
    { session: STATS_VERSION, want: [['STATS', 'END'], ['STATS', 'RESET'], ['VERSION', 'VERSION'], ['VERBOSITY', 'OK'], ['FLUSH_ALL', 'OK']] },
    { session: ERRORS, want: [[null, 'ERROR'], ['SET', 'CLIENT_ERROR'], [null, 'ERROR'], ['SET', 'SERVER_ERROR']] },
    {
      session: META,
      want: [['MS', 'HD'], ['MG', 'VA'], ['MG', 'EN'], ['MG', 'HD'], ['MD', 'HD'], ['MA', 'VA'], ['MN', 'MN'], ['ME', 'EN']],
    },
    { session: META_QUIET_GETS, want: [['MG', 'EN'], ['MG', 'VA'], ['MG', 'EN'], ['MN', 'MN']] },
    { session: META_QUIET_SETS, want: [['MS', 'HD'], ['MS', 'EX'], ['MN', 'MN']] },
    { session: PIPELINED, want: [['SET', 'STORED'], ['GET', 'END'], ['INCR', 'OK'], ['DELETE', 'DELETED'], ['GET', 'END']] },
  ];
  for (const x of expected) {
    it(`${x.session.how}: one exchange per command`, () => {
      const { exchanges } = replay(x.session);
      assert.deepEqual(exchanges.map((e) => [e.operation, e.status]), x.want);
      for (const e of exchanges) {
        assert.equal(e.problem, null);
        assert.equal(e.resource, null);
        assert.equal(e.attributes['db.system.name'], 'memcached');
        assert.ok(e.startNs <= e.endNs);
      }
    });
  }

  for (const session of ALL_SESSIONS) {
    it(`${session.how}: every byte is in an exchange`, () => {
      const { exchanges, parser } = replay(session);
      assert.equal(totalRequestBytes(exchanges), side(session, 'c').length);
      assert.equal(totalResponseBytes(exchanges), side(session, 's').length);
      assert.equal(parser.unpairedClientBytes + parser.unpairedServerBytes, 0);
      assert.equal(parser.pendingCommands, 0);
    });

    it(`${session.how}: byte-by-byte feeding gives the same exchanges`, () => {
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

describe('MemcachedParser: named cases', () => {
  it('too short: half a command line reports nothing until the rest and the reply arrive', () => {
    const parser = new MemcachedParser();
    assert.deepEqual(parser.client(bytes('get us'), 1), []);
    assert.equal(parser.pendingCommands, 0);
    assert.deepEqual(parser.client(bytes('er:1\r\n'), 2), []);
    assert.deepEqual(parser.server(bytes('VALUE user:1 0 5\r\nal'), 3), []);
    const [e] = parser.server(bytes('ice\r\nEND\r\n'), 4);
    assert.deepEqual(summary(e!), ['GET', 'END', false, null]);
    assert.equal(e!.startNs, 1);
    assert.equal(e!.endNs, 4);
  });

  it('data block split across chunks: every split point of a set and of its VALUE gives the same exchange', () => {
    const request = 'set k 0 0 10\r\n0123456789\r\n';
    const reply = 'VALUE k 0 10\r\n01\r\n45\r\n89\r\nEND\r\n';
    for (let cut = 1; cut < request.length; cut++) {
      const { exchanges } = run([c(request.slice(0, cut)), c(request.slice(cut)), s('STORED\r\n')]);
      assert.deepEqual(exchanges.map((e) => [e.operation, e.status, e.requestBytes]), [['SET', 'STORED', request.length]], `cut ${cut}`);
    }
    for (let cut = 1; cut < reply.length; cut++) {
      const { exchanges } = run([c('get k\r\n'), s(reply.slice(0, cut)), s(reply.slice(cut))]);
      assert.deepEqual(exchanges.map((e) => [e.status, e.responseBytes, e.attributes['db.response.returned_rows']]), [['END', reply.length, 1]], `cut ${cut}`);
    }
  });

  it('data block holding lines that look like commands and replies is skipped by count', () => {
    const value = 'get x\r\nEND\r\nSTORED\r\n';
    const { exchanges } = run([
      c(`set k 0 0 ${value.length}\r\n${value}\r\nget k\r\n`),
      s(`STORED\r\nVALUE k 0 ${value.length}\r\n${value}\r\nEND\r\n`),
    ]);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.status]), [['SET', 'STORED'], ['GET', 'END']]);
  });

  it('noreply: reported at once with no status, without waiting behind a pending command', () => {
    const parser = new MemcachedParser();
    assert.deepEqual(parser.client(bytes('get a\r\n'), 1), []);
    const early = parser.client(bytes('set b 0 0 1 noreply\r\nx\r\ndelete c noreply\r\n'), 2);
    assert.deepEqual(early.map(summary), [['SET', null, false, null], ['DELETE', null, false, null]]);
    assert.deepEqual(early.map((e) => e.responseBytes), [0, 0]);
    assert.equal(parser.pendingCommands, 1);
    const late = parser.server(bytes('END\r\n'), 3);
    assert.deepEqual(late.map(summary), [['GET', 'END', false, null]]);
  });

  it('noreply: `get noreply` is a key named noreply, not a flag', () => {
    const { exchanges } = run([c('get noreply\r\n'), s('END\r\n')]);
    assert.deepEqual(exchanges.map(summary), [['GET', 'END', false, null]]);
  });

  it('quit: no reply, reported at once', () => {
    const { exchanges } = run([c('quit\r\n')]);
    assert.deepEqual(exchanges.map(summary), [['QUIT', null, false, null]]);
  });

  it('multi-get: db.response.returned_rows counts VALUE blocks, not keys', () => {
    const { exchanges } = replay(MULTI_GET);
    assert.deepEqual(exchanges.map((e) => [e.attributes['db.query.text'], e.attributes['db.response.returned_rows']]), [
      ['get ? ? ?', 2], ['gat ? ? ?', 1],
    ]);
  });

  it('multi-get: a thousand keys make a capped query text', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `key:${i}`).join(' ');
    const { exchanges } = run([c(`get ${keys}\r\n`), s('END\r\n')]);
    const text = String(exchanges[0]!.attributes['db.query.text']);
    assert.ok(text.startsWith('get ? ?') && text.endsWith(' ...') && text.length < 100, text);
    assert.equal(exchanges[0]!.requestBytes, `get ${keys}\r\n`.length);
  });

  it('meta commands: VA carries a data block, HD/EN/MN are one line', () => {
    const { exchanges } = replay(META);
    assert.deepEqual(exchanges.map((e) => e.responseBytes), [4, 17, 4, 9, 4, 10, 4, 4]);
  });

  it('meta commands: quiet gets answered only by their hit, resolved by opaque', () => {
    const { exchanges } = replay(META_QUIET_GETS);
    assert.deepEqual(exchanges.map((e) => [e.status, e.responseBytes]), [['EN', 0], ['VA', 13], ['EN', 0], ['MN', 4]]);
  });

  it('meta commands: without opaques, a reply code a quiet command cannot get skips it', () => {
    const { exchanges } = run([c('mg a v q\r\nmg b v\r\nms c 1 q\r\nC\r\nmn\r\n'), s('EN\r\nNS\r\nMN\r\n')]);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.status, e.responseBytes]), [
      ['MG', 'EN', 0], ['MG', 'EN', 4], ['MS', 'NS', 4], ['MN', 'MN', 4],
    ]);
  });

  it('meta commands: old-style ms with an S<size> flag', () => {
    const { exchanges } = run([c('ms foo S3 T360\r\nnew\r\nmn\r\n'), s('HD\r\nMN\r\n')]);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.requestBytes]), [['MS', 21], ['MN', 4]]);
  });

  const errorCases: { name: string; steps: Step[]; want: [string | null, string | null, boolean, string | null] }[] = [
    { name: 'CLIENT_ERROR', steps: [c('set k 0 0 abc\r\n'), s('CLIENT_ERROR bad command line format\r\n')], want: ['SET', 'CLIENT_ERROR', true, null] },
    { name: 'SERVER_ERROR', steps: [c('get k\r\n'), s('SERVER_ERROR out of memory\r\n')], want: ['GET', 'SERVER_ERROR', true, null] },
    { name: 'ERROR for an unknown command', steps: [c('frobnicate\r\n'), s('ERROR\r\n')], want: [null, 'ERROR', true, null] },
    { name: 'ERROR for an empty line', steps: [c('\r\n'), s('ERROR\r\n')], want: [null, 'ERROR', true, null] },
    { name: 'CLIENT_ERROR in the middle of a multi-get', steps: [c('get a b\r\n'), s('VALUE a 0 1\r\nx\r\nCLIENT_ERROR bad key\r\n')], want: ['GET', 'CLIENT_ERROR', true, null] },
  ];
  for (const x of errorCases) {
    it(`error reply: ${x.name}`, () => {
      const { exchanges } = run(x.steps);
      assert.deepEqual(summary(exchanges[0]!), x.want);
      assert.equal(exchanges[0]!.attributes['db.response.status_code'], x.want[1]);
    });
  }

  it('stats: STAT lines in several chunks make one reply; lru_crawler metadump lines too', () => {
    const { exchanges } = run([
      c('stats items\r\n'), s('STAT items:1:number 5\r\n'), s('STAT items:1:age 9\r\nEND\r\n'),
      c('lru_crawler metadump all\r\n'), s('key=a exp=-1 la=1 cas=2 fetch=no\r\nkey=b exp=-1 la=1 cas=3 fetch=no\r\nEND\r\n'),
      c('version\r\n'), s('VERSION 1.6.21\r\n'),
    ]);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.status]), [['STATS', 'END'], ['LRU_CRAWLER', 'END'], ['VERSION', 'VERSION']]);
  });

  it('gap in a data block: counted through, the exchange stays clean and exact', () => {
    const { exchanges } = run([
      c('set big 0 0 100000\r\n' + 'x'.repeat(1000)), cgap(99_000), c('\r\n'), s('STORED\r\n'),
      c('get big\r\n'), s('VALUE big 0 100000\r\n' + 'x'.repeat(500)), sgap(99_502), s('END\r\n'),
    ]);
    assert.deepEqual(exchanges.map(summary), [['SET', 'STORED', false, null], ['GET', 'END', false, null]]);
    assert.equal(exchanges[0]!.requestBytes, 'set big 0 0 100000\r\n'.length + 100_002);
    assert.equal(exchanges[1]!.responseBytes, 'VALUE big 0 100000\r\n'.length + 100_002 + 5);
  });

  it('gap past a data block: fragments are skipped up to the next command line', () => {
    const { exchanges, parser } = run([
      c('set k 0 0 5\r\nab'), cgap(20), c('lue\r\nget k\r\n'),
      s('STORED\r\nEND\r\n'),
    ]);
    assert.deepEqual(exchanges.map(summary), [['SET', 'STORED', false, null], ['GET', 'END', false, 'truncated']]);
    assert.equal(parser.unpairedClientBytes, 20 - 5 + 'lue\r\n'.length);
  });

  it('gap in a command line: the cut command keeps its place in the FIFO, truncated', () => {
    const { exchanges } = run([
      c('get a\r\n'), s('END\r\n'),
      c('get b'), cgap(30),
      s('END\r\n'),
      c('get c\r\n'), s('VALUE c 0 1\r\nz\r\nEND\r\n'),
    ]);
    assert.deepEqual(exchanges.map(summary), [
      ['GET', 'END', false, null], ['GET', 'END', false, 'truncated'], ['GET', 'END', false, null],
    ]);
  });

  it('gap in a reply: waiting commands are truncated, lines resume at the next reply code', () => {
    const { exchanges, parser } = run([
      c('get a\r\nget b\r\nget c\r\n'),
      s('VALUE a 0 5\r\nab'), sgap(500),
      s('tail of something\r\nEND\r\n'),
      c('delete a\r\n'), s('DELETED\r\n'),
    ]);
    assert.deepEqual(exchanges.map(summary), [
      ['GET', null, false, 'truncated'], ['GET', null, false, 'truncated'], ['GET', null, false, 'truncated'], ['DELETE', 'DELETED', false, null],
    ]);
    assert.equal(parser.unpairedReplies, 1);
  });

  it('gap in a reply between the lines of a multi-line reply: the reply is truncated', () => {
    const { exchanges } = run([c('stats\r\n'), s('STAT pid 1\r\n'), sgap(40), s('END\r\n'), c('version\r\n'), s('VERSION 1\r\n')]);
    assert.deepEqual(exchanges.map(summary), [['STATS', null, false, 'truncated'], ['VERSION', 'VERSION', false, null]]);
  });

  it('a VALUE line without a readable length loses the framing, reported unparsable', () => {
    const { exchanges } = run([c('get a\r\n'), s('VALUE a 0 zz\r\nstuff\r\nEND\r\n'), c('version\r\n'), s('VERSION 1\r\n')]);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.problem]), [['GET', 'unparsable'], ['VERSION', null]]);
  });

  it('close with pending → no-response', () => {
    const { exchanges } = run([c('get a\r\nincr n 1\r\n'), close]);
    assert.deepEqual(exchanges.map(summary), [['GET', null, true, 'no-response'], ['INCR', null, true, 'no-response']]);
  });

  it('close in the middle of a reply or a data block → connection-closed', () => {
    const reply = run([c('get a\r\n'), s('VALUE a 0 10\r\nabc'), close]);
    assert.deepEqual(summary(reply.exchanges[0]!), ['GET', null, false, 'connection-closed']);
    assert.equal(reply.exchanges[0]!.responseBytes, 'VALUE a 0 10\r\nabc'.length);
    const request = run([c('set a 0 0 10\r\nabc'), close]);
    assert.deepEqual(summary(request.exchanges[0]!), ['SET', null, false, 'connection-closed']);
    const between = run([c('get a b\r\n'), s('VALUE a 0 1\r\nx\r\n'), close]);
    assert.deepEqual(summary(between.exchanges[0]!), ['GET', null, false, 'connection-closed']);
  });

  it('bytes after close are counted, not parsed', () => {
    const { exchanges, parser } = run([close, c('get a\r\n'), s('END\r\n'), cgap(3), sgap(4)]);
    assert.deepEqual(exchanges, []);
    assert.equal(parser.unpairedClientBytes, 7 + 3);
    assert.equal(parser.unpairedServerBytes, 5 + 4);
  });

  it('maxPending: the oldest is reported no-response and its reply skipped, later pairs stay right', () => {
    const parser = new MemcachedParser({ maxPending: 2 });
    const { exchanges } = run([c('get a\r\nget b\r\ndelete c\r\n'), s('VALUE a 0 1\r\n1\r\nEND\r\nEND\r\nNOT_FOUND\r\n')], parser);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.status, e.problem]), [
      ['GET', null, 'no-response'], ['GET', 'END', null], ['DELETE', 'NOT_FOUND', null],
    ]);
  });

  it('a reply with no command waiting is counted, not paired with the next command', () => {
    const { exchanges, parser } = run([s('VALUE x 0 1\r\nx\r\nEND\r\n'), c('version\r\n'), s('VERSION 1\r\n')]);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.responseBytes]), [['VERSION', 11]]);
    assert.equal(parser.unpairedReplies, 1);
  });

  it('upper-case commands are not memcached commands (it is case-sensitive): reported without an operation', () => {
    const { exchanges } = run([c('GET a\r\n'), s('ERROR\r\n')]);
    assert.deepEqual(summary(exchanges[0]!), [null, 'ERROR', true, null]);
  });
});
