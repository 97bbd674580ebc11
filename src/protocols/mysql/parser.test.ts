import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProtocolExchange } from '../exchange.js';
import {
  ALL_SESSIONS, CLI_ACCESS_DENIED, CLI_MULTI_RESULT, CLI_SELECT_1, CLI_SSL, CLI_TABLE_ROWS, CLI_UNKNOWN_TABLE,
  CLI_USE_DB, MYSQL2_PREPARED, RAW_DEPRECATE_EOF, hex, sideBytes, type Chunk,
} from './fixtures.js';
import { MysqlParser } from './parser.js';
import { MAX_KEPT_PAYLOAD, RESYNC_WINDOW } from './framer.js';
import { packet, rechunk, replay, run, summary, text, type Step } from './testkit.js';
import { MAX_STATEMENTS } from './statement-cache.js';

/** Timestamp `run` gives to step i. */
const at = (i: number): number => (i + 1) * 1000;

function only(exchanges: ProtocolExchange[], queryText: string): ProtocolExchange {
  const found = exchanges.filter((e) => e.queryText === queryText);
  assert.equal(found.length, 1, `one exchange for ${queryText}, got ${found.length}`);
  return found[0]!;
}

/** Hex of a chunk's bytes, whichever side. */
function chunkHex(k: Chunk): string {
  return 'c' in k ? k.c : k.s;
}

const COLUMN_DEF = '03646566000000013100000c3f0001000000038100000000';
const CLASSIC_EOF = 'fe00000200';
const OK_FE = 'fe000002000000';

/** A text result set of `rows` one-column rows, classic EOF framing, sequence ids from 1. */
function bigResultSet(rows: number): string {
  let seq = 1;
  let out = packet(seq++, '01') + packet(seq++, COLUMN_DEF) + packet(seq++, CLASSIC_EOF);
  for (let i = 0; i < rows; i++) out += packet(seq++ & 0xff, '05' + text(`r${String(i).padStart(4, '0')}`));
  return out + packet(seq & 0xff, CLASSIC_EOF);
}

describe('MysqlParser', () => {
  it('too short', () => {
    const parser = new MysqlParser();
    const query = packet(0, '03' + text('SELECT 1'));
    assert.deepEqual(parser.client(hex(query.slice(0, 4)), 1000), []);
    assert.equal(parser.bufferedBytes, 2);
    assert.deepEqual(parser.client(hex(query.slice(4)), 2000), []);
    const [e, ...rest] = parser.server(hex(packet(1, '00000002000000')), 3000);
    assert.equal(rest.length, 0);
    assert.equal(e?.queryText, 'SELECT 1');
    assert.equal(e?.startNs, 1000);
    assert.equal(e?.endNs, 3000);
    assert.equal(e?.status, 'OK');
    assert.equal(parser.bufferedBytes, 0);
    assert.deepEqual(new MysqlParser().close(1), []);
  });

  it('greeting and login', () => {
    const { exchanges, parser } = run(CLI_TABLE_ROWS.chunks.slice(0, 3));
    assert.deepEqual(exchanges, [], 'a successful login is no exchange');
    assert.deepEqual(parser.handshake, { serverVersion: '10.11.19-MariaDB-0+deb12u1', user: 'sonde', schema: 'shop' });
    assert.equal(parser.tls, false);
    const all = replay(CLI_TABLE_ROWS).exchanges;
    for (const e of all) {
      assert.equal(e.attributes['db.system.name'], 'mysql');
      assert.equal(e.attributes['db.mysql.server'], 'mariadb');
      assert.equal(e.attributes['db.namespace'], 'shop', 'schema given at login');
    }
  });

  it('auth switch round trip, then commands', () => {
    const { exchanges, parser } = run(RAW_DEPRECATE_EOF.chunks.slice(0, 5));
    assert.deepEqual(exchanges, []);
    assert.equal(parser.handshake.user, 'sonde');
    assert.equal(parser.ignoredClientBytes, 90 + 24);
  });

  it('failed login is one CONNECT exchange', () => {
    const { exchanges } = replay(CLI_ACCESS_DENIED);
    assert.equal(exchanges.length, 1);
    const e = exchanges[0]!;
    assert.deepEqual(summary(e), {
      operation: 'CONNECT', status: '1045', error: true, problem: null,
      attributes: {
        'db.system.name': 'mysql', 'db.mysql.server': 'mariadb', 'db.response.status_code': '1045',
        'db.mysql.sql_state': '28000',
      },
    });
    assert.equal(e.startNs, at(1));
    assert.equal(e.endNs, at(2));
  });

  it('SSL request → tls, nothing parsed', () => {
    const { exchanges, parser } = replay(CLI_SSL);
    assert.equal(parser.tls, true);
    assert.deepEqual(exchanges, []);
    assert.equal(parser.handshake.serverVersion, '10.11.19-MariaDB-0+deb12u1');
    assert.equal(parser.handshake.user, null);
    assert.equal(parser.ignoredClientBytes, sideBytes(CLI_SSL, 'c').length);
    assert.equal(parser.ignoredServerBytes, sideBytes(CLI_SSL, 's').length);
    assert.equal(parser.bufferedBytes, 0);
  });

  it('SSL request and ClientHello in one chunk', () => {
    const [greeting, request, hello] = CLI_SSL.chunks;
    const { exchanges, parser } = run([greeting!, { c: chunkHex(request!) + chunkHex(hello!) }, ...CLI_SSL.chunks.slice(3)]);
    assert.equal(parser.tls, true);
    assert.deepEqual(exchanges, []);
  });

  it('COM_QUERY result set rows', () => {
    const { exchanges } = replay(CLI_TABLE_ROWS);
    const select = only(exchanges, 'SELECT id, name FROM items ORDER BY id');
    assert.equal(select.operation, null, 'derived from the SQL downstream');
    assert.equal(select.status, 'OK');
    assert.equal(select.error, false);
    assert.equal(select.attributes['db.response.returned_rows'], 3);
    assert.equal(select.startNs, at(7));
    assert.equal(select.endNs, at(8));
    assert.equal(select.requestBytes, 43);
    assert.equal(select.responseBytes, 152);
    const insert = only(exchanges, 'INSERT INTO items VALUES (1,"apple"),(2,"pear"),(3,"plum")');
    assert.equal(insert.attributes['db.mysql.affected_rows'], 3);
    assert.equal(insert.attributes['db.response.returned_rows'], undefined);
    const selectOne = only(replay(CLI_SELECT_1).exchanges, 'SELECT 1');
    assert.equal(selectOne.attributes['db.response.returned_rows'], 1, 'column count with the metadata-follows byte');
  });

  it('NULL row (0xfb) is a row, not a LOCAL INFILE request', () => {
    const first = replay(CLI_USE_DB).exchanges[0]!;
    assert.equal(first.queryText, 'SELECT DATABASE()');
    assert.equal(first.attributes['db.response.returned_rows'], 1);
    assert.equal(first.endNs, at(4));
  });

  it('result set over 255 rows: sequence ids wrap', () => {
    const steps: Step[] = [{ c: packet(0, '03' + text('SELECT r FROM t')) }, { s: bigResultSet(300) }];
    const { exchanges } = run(steps);
    assert.equal(exchanges.length, 1);
    assert.equal(exchanges[0]!.attributes['db.response.returned_rows'], 300);
    assert.equal(exchanges[0]!.problem, null);
  });

  it('ERR 1146 with SQL state', () => {
    const { exchanges } = replay(CLI_UNKNOWN_TABLE);
    const e = only(exchanges, 'SELECT * FROM no_such_table');
    assert.deepEqual(summary(e), {
      operation: null, status: '1146', error: true, problem: null, queryText: 'SELECT * FROM no_such_table',
      attributes: {
        'db.system.name': 'mysql', 'db.mysql.server': 'mariadb', 'db.namespace': 'shop',
        'db.response.status_code': '1146', 'db.mysql.sql_state': '42S02',
      },
    });
    assert.ok(!JSON.stringify(e).includes("doesn't exist"), 'the error message is not kept');
  });

  it('prepared statement executed twice shows its SQL', () => {
    const { exchanges, parser } = replay(MYSQL2_PREPARED);
    const prepare = exchanges[0]!;
    assert.equal(prepare.operation, 'COM_STMT_PREPARE');
    assert.equal(prepare.queryText, 'SELECT ? + 1 AS x');
    assert.equal(prepare.endNs, at(4), 'the prepare response ends at its last EOF');
    const executes = exchanges.filter((e) => e.attributes['db.mysql.prepared'] === true);
    assert.equal(executes.length, 2);
    for (const [i, e] of executes.entries()) {
      assert.equal(e.queryText, 'SELECT ? + 1 AS x');
      assert.equal(e.operation, null);
      assert.equal(e.status, 'OK');
      assert.equal(e.attributes['db.response.returned_rows'], 1, 'binary row starting 0x00 is a row');
      assert.equal(e.startNs, at(5 + 2 * i));
      assert.equal(e.endNs, at(6 + 2 * i));
    }
    assert.equal(only(exchanges, 'SELECT id, name FROM items WHERE id < 3').attributes['db.response.returned_rows'], 2);
    assert.equal(parser.preparedStatements, 0, 'closed');
  });

  it('COM_STMT_CLOSE', () => {
    const { exchanges } = run(MYSQL2_PREPARED.chunks.slice(0, 12));
    const close = exchanges[exchanges.length - 1]!;
    assert.deepEqual(summary(close), {
      operation: 'COM_STMT_CLOSE', status: null, error: false, problem: null,
      attributes: { 'db.system.name': 'mysql', 'db.mysql.server': 'mariadb', 'db.namespace': 'shop' },
    });
    assert.equal(close.startNs, at(11), 'reported at once: no response comes');
    assert.equal(close.responseBytes, 0);
    // Executing the closed statement again: its SQL is forgotten.
    const after = run([...MYSQL2_PREPARED.chunks.slice(0, 12), MYSQL2_PREPARED.chunks[5]!, MYSQL2_PREPARED.chunks[6]!]);
    const again = after.exchanges[after.exchanges.length - 1]!;
    assert.equal(again.queryText, undefined);
    assert.equal(again.operation, 'COM_STMT_EXECUTE');
    assert.equal(again.attributes['db.mysql.prepared'], true);
  });

  it('COM_INIT_DB changes namespace', () => {
    const { exchanges } = replay(CLI_USE_DB);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.attributes['db.namespace']]), [
      [null, undefined], ['USE', 'shop'], [null, 'shop'], ['COM_QUIT', 'shop'],
    ]);
    assert.equal(exchanges[1]!.status, 'OK');
    // A failed USE leaves the namespace alone.
    const failed = run([
      ...CLI_TABLE_ROWS.chunks.slice(0, 3),
      { c: packet(0, '02' + text('nope')) },
      { s: packet(1, 'ff1904' + text('#42000Unknown database')) },
      { c: packet(0, '0e') },
      { s: packet(1, '00000002000000') },
    ]);
    assert.deepEqual(failed.exchanges.map((e) => [e.operation, e.status, e.attributes['db.namespace']]), [
      ['USE', '1049', 'nope'], ['COM_PING', 'OK', 'shop'],
    ]);
  });

  it('USE through COM_QUERY: namespace from session state tracking', () => {
    const { exchanges } = run([
      ...CLI_SELECT_1.chunks.slice(0, 3),
      { c: packet(0, '03' + text('USE shop')) },
      { s: '1000000100000002400000000701050473686f70' },
      { c: packet(0, '0e') },
      { s: packet(1, '00000002000000') },
    ]);
    assert.deepEqual(exchanges.map((e) => e.attributes['db.namespace']), [undefined, 'shop']);
  });

  it('DEPRECATE_EOF and classic EOF', () => {
    const classic = replay(CLI_TABLE_ROWS).exchanges;
    const modern = replay(RAW_DEPRECATE_EOF).exchanges;
    const sql = 'SELECT id, name FROM items ORDER BY id';
    for (const [exchanges, endNs] of [[classic, at(8)], [modern, at(6)]] as const) {
      const e = only(exchanges, sql);
      assert.equal(e.attributes['db.response.returned_rows'], 3);
      assert.equal(e.status, 'OK');
      assert.equal(e.endNs, endNs, 'ended by its own last packet, not by the next command');
    }
    const prepare = modern.find((e) => e.operation === 'COM_STMT_PREPARE')!;
    assert.equal(prepare.endNs, at(10), 'no EOF after the definitions');
    const executes = modern.filter((e) => e.attributes['db.mysql.prepared'] === true);
    assert.deepEqual(executes.map((e) => [e.queryText, e.attributes['db.response.returned_rows']]), [
      ['SELECT name FROM items WHERE id = ?', 1], ['SELECT name FROM items WHERE id = ?', 1],
    ]);
    assert.equal(modern.find((e) => e.operation === 'COM_STMT_RESET')?.status, 'OK');
    // An empty result set under DEPRECATE_EOF: definitions, then the OK with the 0xfe header.
    const empty = run([
      { c: packet(0, '03' + text('SELECT 1 FROM t WHERE 0')) },
      { s: packet(1, '01') + packet(2, COLUMN_DEF) + packet(3, OK_FE) },
    ]).exchanges;
    assert.equal(empty.length, 1);
    assert.equal(empty[0]!.attributes['db.response.returned_rows'], 0);
  });

  it('LOCAL INFILE request tolerated: the file data counts as request', () => {
    const { exchanges } = replay(RAW_DEPRECATE_EOF);
    const load = only(exchanges, "LOAD DATA LOCAL INFILE 'fruit.csv' INTO TABLE items FIELDS TERMINATED BY ','");
    assert.equal(load.status, 'OK');
    assert.equal(load.attributes['db.mysql.affected_rows'], 2);
    assert.equal(load.requestBytes, 81 + 17 + 4);
    assert.equal(load.endNs, at(22));
  });

  it('multi-result', () => {
    for (const session of [CLI_MULTI_RESULT, RAW_DEPRECATE_EOF]) {
      const { exchanges } = replay(session);
      const call = only(exchanges, 'CALL two()');
      assert.equal(call.status, 'OK');
      assert.equal(call.attributes['db.response.returned_rows'], 2, 'one row in each of the two result sets');
      assert.equal(call.problem, null);
    }
    assert.equal(replay(CLI_MULTI_RESULT).exchanges.length, 2, 'CALL and QUIT, nothing for the extra results');
  });

  it('packet split across chunks', () => {
    for (const session of ALL_SESSIONS) {
      const whole = replay(session).exchanges.map(summary);
      for (const size of [1, 2, 3, 5, 7, 64]) {
        const split = run([...rechunk(session.chunks, size), { close: true }]).exchanges.map(summary);
        assert.deepEqual(split, whole, `${session.how}, pieces of ${size}`);
      }
    }
  });

  it('16 MiB packets continue in the next one; large packets are counted, not kept', () => {
    const full = 0xffffff;
    const head = 'ffffff00' + '03' + text("INSERT INTO blobs VALUES ('");
    const parser = new MysqlParser();
    const out: ProtocolExchange[] = [];
    out.push(...parser.client(hex(head), 1000));
    out.push(...parser.clientGap(full - (head.length / 2 - 4), 2000));
    out.push(...parser.client(hex(packet(1, text("xyz')"))), 3000));
    out.push(...parser.server(hex(packet(2, '00010002000000')), 4000));
    assert.equal(out.length, 1);
    const e = out[0]!;
    assert.equal(e.requestBytes, 4 + full + 4 + 5);
    assert.equal(e.queryText, "INSERT INTO blobs VALUES ('");
    assert.equal(e.problem, 'truncated');
    assert.equal(e.status, 'OK');
    // A 100 KB row arriving in 1 KB chunks: the buffer stays bounded.
    const big = new MysqlParser();
    big.client(hex(packet(0, '03' + text('SELECT doc FROM docs'))), 1);
    const row = packet(4, 'fda08601' + 'ab'.repeat(100_000));
    const stream = packet(1, '01') + packet(2, COLUMN_DEF) + packet(3, CLASSIC_EOF) + row + packet(5, CLASSIC_EOF);
    const done: ProtocolExchange[] = [];
    for (let i = 0; i < stream.length; i += 2048) {
      done.push(...big.server(hex(stream.slice(i, i + 2048)), 2));
      assert.ok(big.bufferedBytes <= MAX_KEPT_PAYLOAD + 4, `buffered ${big.bufferedBytes}`);
    }
    assert.equal(done.length, 1);
    assert.equal(done[0]!.attributes['db.response.returned_rows'], 1);
    assert.equal(done[0]!.responseBytes, stream.length / 2);
  });

  it('gap then resync', () => {
    // Client side: a lost execute. Its response finds nobody waiting; nothing is mis-paired.
    const c = MYSQL2_PREPARED.chunks;
    const lostExecute = run([...c.slice(0, 5), { cgap: 26 }, ...c.slice(6), { close: true }]).exchanges;
    const executes = lostExecute.filter((e) => e.attributes['db.mysql.prepared'] === true);
    assert.equal(executes.length, 1);
    assert.equal(executes[0]!.startNs, at(7));
    assert.equal(executes[0]!.attributes['db.response.returned_rows'], 1);
    assert.equal(only(lostExecute, 'SELECT id, name FROM items WHERE id < 3').attributes['db.response.returned_rows'], 2);

    // Server side, gap across packets: the SELECT is truncated, the next command is fine.
    const t = CLI_TABLE_ROWS.chunks;
    const rows = chunkHex(t[8]!);
    const cut = run([...t.slice(0, 8), { s: rows.slice(0, 120) }, { sgap: 152 - 60 },
      { c: packet(0, '0e') }, { s: packet(1, '00000002000000') }]).exchanges;
    const select = only(cut, 'SELECT id, name FROM items ORDER BY id');
    assert.equal(select.problem, 'truncated');
    assert.equal(select.attributes['db.response.returned_rows'], undefined, 'row count unknown');
    assert.equal(select.responseBytes, 100, 'the packets up to the one the gap ended');
    const ping = cut[cut.length - 1]!;
    assert.deepEqual([ping.operation, ping.status, ping.problem], ['COM_PING', 'OK', null]);

    // Client side, gap inside one packet: framing holds, only that exchange is truncated.
    const insert = chunkHex(t[5]!);
    const inPacket = run([...t.slice(0, 5), { c: insert.slice(0, 40) }, { cgap: 63 - 20 }, ...t.slice(6)]).exchanges;
    const truncatedInsert = inPacket.find((e) => e.queryText?.startsWith('INSERT') === true)!;
    assert.equal(truncatedInsert.queryText, 'INSERT INTO ite');
    assert.equal(truncatedInsert.problem, 'truncated');
    assert.equal(truncatedInsert.requestBytes, 63);
    assert.equal(only(inPacket, 'SELECT id, name FROM items ORDER BY id').problem, null);

    // A long result set with a gap in the middle: resynchronised by the chain of sequence ids,
    // it ends at its EOF without waiting for another command.
    const stream = bigResultSet(200);
    const n = stream.length / 2;
    const long = run([{ c: packet(0, '03' + text('SELECT r FROM t')) }, { s: stream.slice(0, 400) },
      { sgap: 1000 }, { s: stream.slice(2400) }]).exchanges;
    assert.equal(long.length, 1);
    assert.equal(long[0]!.problem, 'truncated');
    assert.equal(long[0]!.status, 'OK');
    assert.equal(long[0]!.endNs, at(3));
    assert.ok(long[0]!.responseBytes <= n && long[0]!.responseBytes > 0);
  });

  it('close → no-response', () => {
    const s = CLI_SELECT_1.chunks;
    const unanswered = run([...s.slice(0, 4), { close: true }]).exchanges;
    assert.equal(unanswered.length, 1);
    assert.deepEqual([unanswered[0]!.status, unanswered[0]!.error, unanswered[0]!.problem], [null, true, 'no-response']);
    assert.equal(unanswered[0]!.endNs, at(4), 'waited for until the close');
    const cutShort = run([...s.slice(0, 4), { s: chunkHex(s[4]!).slice(0, 60) }, { close: true }]).exchanges;
    assert.deepEqual([cutShort[0]!.error, cutShort[0]!.problem], [true, 'connection-closed']);
    // More pipelined commands than maxPending: the oldest gives up.
    const pings = run([{ c: packet(0, '0e') }, { c: packet(0, '0e') }, { c: packet(0, '0e') }],
      new MysqlParser({ maxPending: 2 })).exchanges;
    assert.deepEqual(pings.map((e) => [e.startNs, e.problem]), [[1000, 'no-response']]);
  });

  it('mid-stream start', () => {
    const full = replay(RAW_DEPRECATE_EOF).exchanges;
    const { exchanges, parser } = replay({ how: '', chunks: RAW_DEPRECATE_EOF.chunks.slice(5) });
    const strip = (e: ProtocolExchange): unknown => [e.operation, e.queryText, e.status, e.attributes['db.response.returned_rows']];
    assert.deepEqual(exchanges.map(strip), full.map(strip));
    assert.equal(parser.handshake.serverVersion, null);
    for (const e of exchanges) assert.equal(e.attributes['db.system.name'], 'mysql');
    const prepare = exchanges.find((e) => e.operation === 'COM_STMT_PREPARE')!;
    assert.equal(prepare.endNs, at(10 - 5), 'DEPRECATE_EOF inferred from the first result set');
    // Starting in the middle of a response (its tail is nobody's) and of a prepared statement's life.
    const m = MYSQL2_PREPARED.chunks;
    const tail = chunkHex(m[4]!).slice(70);
    const late = run([{ s: tail }, ...m.slice(5, 9)]).exchanges;
    assert.deepEqual(late.map((e) => [e.operation, e.queryText, e.status, e.attributes['db.mysql.prepared']]), [
      ['COM_STMT_EXECUTE', undefined, 'OK', true], ['COM_STMT_EXECUTE', undefined, 'OK', true],
    ]);
  });

  it('query attributes (MySQL 8) and none (MariaDB)', () => {
    // MySQL 8 greeting with CLIENT_QUERY_ATTRIBUTES and CLIENT_DEPRECATE_EOF; the client asks for both.
    const caps = 0x0fffffff & ~0x20 & ~0x800 & ~0x04000000; // no compression, no SSL
    const u32 = (v: number): string => [0, 8, 16, 24].map((s) => ((v >>> s) & 0xff).toString(16).padStart(2, '0')).join('');
    const greeting = '0a' + text('8.0.36') + '00' + '0b000000' + '3132333435363738' + '00' +
      u32(caps).slice(0, 4) + 'ff' + '0200' + u32(caps).slice(4) + '15' + '00'.repeat(10) + text('abcdefghijkl') + '00' +
      text('caching_sha2_password') + '00';
    const response = u32(caps & ~0x08) + '00000001' + 'ff' + '00'.repeat(23) + text('app') + '00' + '00';
    const login: Step[] = [{ s: packet(0, greeting) }, { c: packet(1, response) }, { s: packet(2, '00000002000000') }];
    const noAttributes = '0001';
    const oneAttribute = '0101' + '00' + '01' + 'fe00' + '05' + text('trace') + '03' + text('abc');
    const ok = packet(1, '00000002000000');
    const { exchanges, parser } = run([
      ...login,
      { c: packet(0, '03' + noAttributes + text('SELECT 1')) }, { s: ok },
      { c: packet(0, '03' + oneAttribute + text('SELECT 2')) }, { s: ok },
    ]);
    assert.equal(parser.handshake.serverVersion, '8.0.36');
    assert.deepEqual(exchanges.map((e) => e.queryText), ['SELECT 1', 'SELECT 2']);
    assert.equal(exchanges[0]!.attributes['db.mysql.server'], undefined);
    // Capabilities unseen: the prefix is recognised by its shape, and plain SQL is left alone.
    const guessed = run([
      { c: packet(0, '03' + oneAttribute + text('SELECT 3')) }, { s: ok },
      { c: packet(0, '03' + text('SELECT 4')) }, { s: ok },
    ]).exchanges;
    assert.deepEqual(guessed.map((e) => e.queryText), ['SELECT 3', 'SELECT 4']);
    // mysql2 asks for query attributes, MariaDB does not offer them: no prefix.
    assert.equal(replay(MYSQL2_PREPARED).exchanges[3]!.queryText, 'SELECT id, name FROM items WHERE id < 3');
  });

  it('a server packet with sequence id 0 is no response', () => {
    const { exchanges, parser } = run([
      { c: packet(0, '0e') },
      { s: packet(0, 'ff9f0f' + text('#HY000idle')) },
      { s: packet(1, '00000002000000') },
    ]);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.status, e.problem]), [['COM_PING', 'OK', null]]);
    assert.equal(parser.ignoredServerBytes, 4 + 13);
  });

  it('MariaDB progress reports do not end a command', () => {
    const { exchanges } = run([
      { c: packet(0, '03' + text('ALTER TABLE t ADD c INT')) },
      { s: packet(1, 'ffffff' + '0101' + '00' + '102700' + '00') },
      { s: packet(2, '00000002000000') },
    ]);
    assert.equal(exchanges.length, 1);
    assert.equal(exchanges[0]!.status, 'OK');
    assert.equal(exchanges[0]!.endNs, at(2));
  });

  it('statement cache is bounded', () => {
    const parser = new MysqlParser();
    const u32 = (v: number): string => [0, 8, 16, 24].map((s) => ((v >>> s) & 0xff).toString(16).padStart(2, '0')).join('');
    let t = 0;
    for (let id = 1; id <= MAX_STATEMENTS + 500; id++) {
      parser.client(hex(packet(0, '16' + text(`SELECT ${id}`))), ++t);
      parser.server(hex(packet(1, '00' + u32(id) + '0000' + '0000' + '00' + '0000')), ++t);
    }
    assert.equal(parser.preparedStatements, MAX_STATEMENTS);
    const execute = (id: number): ProtocolExchange => {
      parser.client(hex(packet(0, '17' + u32(id) + '00' + '01000000')), ++t);
      return parser.server(hex(packet(1, '00000002000000')), ++t)[0]!;
    };
    assert.equal(execute(1).queryText, undefined, 'the oldest went first');
    assert.equal(execute(MAX_STATEMENTS + 500).queryText, `SELECT ${MAX_STATEMENTS + 500}`);
  });

  it('every byte is in an exchange or counted as ignored', () => {
    for (const session of ALL_SESSIONS) {
      const { exchanges, parser } = replay(session);
      let request = 0;
      let response = 0;
      for (const e of exchanges) {
        request += e.requestBytes;
        response += e.responseBytes;
      }
      assert.equal(request + parser.ignoredClientBytes, sideBytes(session, 'c').length, session.how);
      assert.equal(response + parser.ignoredServerBytes, sideBytes(session, 's').length, session.how);
      assert.equal(parser.bufferedBytes, 0);
      assert.equal(parser.pendingCommands, 0);
    }
    assert.ok(RESYNC_WINDOW > 0);
  });
});
