import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProtocolExchange } from '../exchange.js';
import {
  NODE_PG_EXTENDED, PGBENCH_INIT, PGBENCH_PIPELINE, PGBENCH_PIPELINE_ERROR, PGBENCH_PREPARED, PGBENCH_SIMPLE,
  PSQL_COPY, PSQL_SIMPLE, PSQL_TLS, bytes, type CapturedSession, type Step,
} from './fixtures.js';
import { PostgresParser } from './parser.js';
import { msg, resegment, run, summary } from './testkit.js';

const CAPTURED: [string, CapturedSession][] = [
  ['PSQL_SIMPLE', PSQL_SIMPLE], ['PSQL_COPY', PSQL_COPY], ['PGBENCH_INIT', PGBENCH_INIT],
  ['PGBENCH_SIMPLE', PGBENCH_SIMPLE], ['PGBENCH_PREPARED', PGBENCH_PREPARED], ['NODE_PG_EXTENDED', NODE_PG_EXTENDED],
  ['PGBENCH_PIPELINE', PGBENCH_PIPELINE], ['PGBENCH_PIPELINE_ERROR', PGBENCH_PIPELINE_ERROR], ['PSQL_TLS', PSQL_TLS],
];

/** The startup and authentication of a built session. */
const STARTUP = msg.startup({ user: 'app', database: 'shop' });
const STARTUP_ANSWER = msg.authOk + msg.typed('K', msg.int32(7) + msg.int32(9)) + msg.ready();
const LOGIN: Step[] = [{ c: STARTUP }, { s: STARTUP_ANSWER }];

const texts = (xs: ProtocolExchange[]): (string | undefined)[] => xs.map((e) => e.queryText);
const rows = (xs: ProtocolExchange[]): unknown[] => xs.map((e) => e.attributes['db.response.returned_rows']);

/** The index of the step holding `text` (client side). */
function clientStep(session: CapturedSession, text: string): number {
  const i = session.steps.findIndex((s) => 'c' in s && s.c.includes(text));
  assert.ok(i >= 0, `no client step with ${text}`);
  return i;
}

describe('PostgresParser', () => {
  it('too short', () => {
    const p = new PostgresParser();
    assert.deepEqual(p.client(bytes('\0\0\0'), 1), []);
    assert.equal(p.bufferedBytes, 3);
    assert.deepEqual(p.startup, { user: null, database: null });
    const q = new PostgresParser();
    assert.deepEqual(q.client(bytes(STARTUP), 1), []);
    assert.deepEqual(q.client(bytes('Q\0\0'), 2), []);
    assert.deepEqual(q.server(bytes('Z\0'), 3), []);
    assert.equal(q.bufferedBytes, 5);
    assert.equal(q.pendingRequests, 1, 'only the startup waits');
  });

  it('startup user/database', () => {
    const { exchanges, parser } = run(PSQL_SIMPLE.steps);
    assert.deepEqual(parser.startup, { user: 'postgres', database: 'sonde' });
    assert.ok(exchanges.every((e) => e.attributes['db.namespace'] === 'sonde' && e.attributes['db.system.name'] === 'postgresql'));
    // Without a database parameter the server uses the user name.
    const own = run([{ c: msg.startup({ user: 'alice', application_name: 'x' }) }]).parser;
    assert.deepEqual(own.startup, { user: 'alice', database: 'alice' });
  });

  it('startup: authentication round trips are no exchange', () => {
    const { exchanges, parser } = run([
      { c: msg.startup({ user: 'app', database: 'shop' }) },
      { s: msg.typed('R', msg.int32(10) + 'SCRAM-SHA-256\0\0') },
      { c: msg.typed('p', 'SCRAM-SHA-256\0' + msg.int32(4) + 'n,,x') },
      { s: msg.typed('R', msg.int32(11) + 'r=abc') },
      { c: msg.typed('p', 'c=biws,r=abc,p=zz') },
      { s: msg.typed('R', msg.int32(12) + 'v=zz') + msg.authOk + msg.typed('S', 'TimeZone\0UTC\0') + msg.ready() },
      { c: msg.query('SELECT 1') },
      { s: msg.rowDescription('?column?') + msg.dataRow('1') + msg.complete('SELECT 1') + msg.ready() },
    ]);
    assert.deepEqual(texts(exchanges), ['SELECT 1']);
    assert.equal(parser.pendingRequests, 0);
  });

  it('SSLRequest answered S → tls, nothing parsed', () => {
    const { exchanges, parser, clientTotal, serverTotal } = run(PSQL_TLS.steps);
    assert.equal(parser.tls, true);
    assert.deepEqual(exchanges, []);
    assert.deepEqual(parser.startup, { user: null, database: null });
    assert.equal(parser.bufferedBytes, 0);
    assert.equal(parser.unattributedClientBytes, clientTotal);
    assert.equal(parser.unattributedServerBytes, serverTotal);
    // Even bytes that would read as PostgreSQL are ciphertext now.
    assert.deepEqual(parser.client(bytes(msg.query('SELECT 1')), 1e9), []);
    assert.deepEqual(parser.server(bytes(msg.complete('SELECT 1') + msg.ready()), 1e9), []);
    assert.deepEqual(parser.close(2e9), []);
  });

  it('GSSENCRequest answered G → encrypted, nothing parsed; CancelRequest → nothing', () => {
    const gss = run([
      { c: '\0\0\0\x08\x04\xd2\x16\x30' },
      { s: 'G' },
      { c: msg.query('SELECT 1') },
      { s: msg.complete('SELECT 1') + msg.ready() },
    ], { close: true });
    assert.deepEqual([gss.exchanges.length, gss.parser.gssEncrypted, gss.parser.tls], [0, true, false]);
    // libpq's gssencmode=prefer: GSS refused, then SSL refused, then a plaintext session.
    const refused = run([
      { c: '\0\0\0\x08\x04\xd2\x16\x30' }, { s: 'N' }, { c: '\0\0\0\x08\x04\xd2\x16\x2f' }, { s: 'N' }, ...LOGIN,
      { c: msg.query('SELECT 1') }, { s: msg.dataRow('1') + msg.complete('SELECT 1') + msg.ready() },
    ]);
    assert.deepEqual(texts(refused.exchanges), ['SELECT 1']);
    assert.deepEqual(refused.parser.startup, { user: 'app', database: 'shop' });
    const cancel = run([{ c: '\0\0\0\x10\x04\xd2\x16\x2e\0\0\x30\x39\x12\x34\x56\x78' }], { close: true });
    assert.deepEqual([cancel.exchanges.length, cancel.parser.pendingRequests], [0, 0]);
  });

  it('SSLRequest answered N → plaintext startup follows', () => {
    const { parser } = run(PSQL_SIMPLE.steps.slice(0, 4));
    assert.equal(parser.tls, false);
    assert.equal(parser.startup.user, 'postgres');
  });

  it('simple query rows', () => {
    const { exchanges } = run(PSQL_SIMPLE.steps);
    const [select, insert] = exchanges;
    assert.deepEqual(summary(select!), {
      queryText: 'SELECT id, name FROM items ORDER BY id', status: '00000', error: false, rows: 5, problem: null,
    });
    assert.deepEqual(summary(insert!), {
      queryText: "INSERT INTO items VALUES (6, 'six')", status: '00000', error: false, rows: 1, problem: null,
    });
    assert.equal(select!.operation, null);
    assert.equal(select!.resource, null);
    // The query and its whole answer, as on the wire.
    assert.equal(select!.requestBytes, 44);
    assert.equal(select!.responseBytes, 181);
  });

  it('multi-statement query', () => {
    const { exchanges } = run(PSQL_SIMPLE.steps);
    const last = exchanges[exchanges.length - 1]!;
    assert.equal(exchanges.length, 5);
    assert.equal(last.queryText, "UPDATE items SET name = 'x' WHERE id > 3; SELECT count(*) FROM items");
    assert.equal(last.attributes['db.response.returned_rows'], 4, 'UPDATE 3 + SELECT 1');
    const built = run([
      ...LOGIN,
      { c: msg.query('SELECT 1; SELECT 2; SELECT 3') },
      { s: msg.rowDescription('a') + msg.dataRow('1') + msg.complete('SELECT 1') },
      { s: msg.rowDescription('b') + msg.dataRow('2') + msg.complete('SELECT 1') },
      { s: msg.error('22012') + msg.ready('I') },
    ]).exchanges;
    assert.equal(built.length, 1);
    assert.deepEqual(summary(built[0]!), {
      queryText: 'SELECT 1; SELECT 2; SELECT 3', status: '22012', error: true, rows: 2, problem: null,
    });
  });

  it('syntax error SQLSTATE', () => {
    const { exchanges } = run(PSQL_SIMPLE.steps);
    const syntax = exchanges[2]!;
    const unknown = exchanges[3]!;
    assert.deepEqual(summary(syntax), { queryText: 'SELEC 1', status: '42601', error: true, rows: undefined, problem: null });
    assert.equal(syntax.attributes['db.response.status_code'], '42601');
    // Its ReadyForQuery came in a later segment: the exchange ends there.
    const zStep = PSQL_SIMPLE.steps.findIndex((s) => 's' in s && s.s === 'Z\0\0\0\x05I');
    assert.equal(syntax.endNs, (zStep + 1) * 1000);
    assert.equal(unknown.status, '42P01');
    // The message text can quote user values: never kept.
    assert.ok(!JSON.stringify(exchanges).includes('does not exist'));
    assert.ok(!JSON.stringify(exchanges).includes('syntax error'));
  });

  it('NoticeResponse and NotificationResponse answer nothing', () => {
    const { exchanges } = run(PSQL_COPY.steps);
    const drop = exchanges.find((e) => e.queryText?.startsWith('DROP TABLE'))!;
    const notify = exchanges.find((e) => e.queryText === 'NOTIFY ch')!;
    assert.deepEqual([drop.status, drop.error], ['00000', false]);
    assert.deepEqual([notify.status, notify.error], ['00000', false]);
    assert.equal(exchanges[exchanges.length - 1]!.queryText, 'SELECT count(*) FROM items');
  });

  it('extended query named statement re-executed', () => {
    const { exchanges } = run(NODE_PG_EXTENDED.steps);
    // The second run of 'by-id' is Bind/Describe/Execute/Sync only: no Parse on the wire.
    const second = NODE_PG_EXTENDED.steps[clientStep(NODE_PG_EXTENDED, 'SELECT $1::int AS x') + 2]!;
    assert.ok('c' in second && second.c.startsWith('B') && !second.c.includes('SELECT'));
    const byId = exchanges.filter((e) => e.attributes['db.postgresql.statement'] === 'by-id');
    assert.equal(byId.length, 3);
    for (const e of byId) {
      assert.deepEqual(summary(e), { queryText: 'SELECT $1::int AS x', status: '00000', error: false, rows: 1, problem: null });
    }
    // The first one's request is Parse + Bind + Describe + Execute; later ones have no Parse.
    assert.ok(byId[0]!.requestBytes > byId[1]!.requestBytes);
    const prepared = run(PGBENCH_PREPARED.steps).exchanges;
    assert.deepEqual(prepared.slice(7).map((e) => e.attributes['db.postgresql.statement']), ['P_0', 'P_1', 'P_2', 'P_3', 'P_4', 'P_5', 'P_6']);
    assert.equal(prepared[9]!.queryText, 'SELECT abalance FROM pgbench_accounts WHERE aid = $1;');
  });

  it('unnamed statement', () => {
    const { exchanges } = run(NODE_PG_EXTENDED.steps);
    const unnamed = exchanges[2]!;
    assert.deepEqual(summary(unnamed), {
      queryText: 'SELECT id, name FROM items WHERE id <= $1 ORDER BY id', status: '00000', error: false, rows: 3, problem: null,
    });
    assert.equal(unnamed.attributes['db.postgresql.statement'], undefined);
    // A later Parse of the unnamed statement replaces it.
    const built = run([
      ...LOGIN,
      { c: msg.parse('', 'SELECT 1') + msg.bind('', '') + msg.execute('') + msg.sync },
      { s: msg.parseComplete + msg.bindComplete + msg.dataRow('1') + msg.complete('SELECT 1') + msg.ready() },
      { c: msg.parse('', 'SELECT 2') + msg.bind('', '') + msg.execute('') + msg.sync },
      { s: msg.parseComplete + msg.bindComplete + msg.dataRow('2') + msg.complete('SELECT 1') + msg.ready() },
    ]).exchanges;
    assert.deepEqual(texts(built), ['SELECT 1', 'SELECT 2']);
  });

  it('Parse / Bind without Execute is no exchange; Close forgets the statement', () => {
    const { exchanges, parser } = run([
      ...LOGIN,
      { c: msg.parse('s1', 'SELECT 42') + msg.describe('S', 's1') + msg.sync },
      { s: msg.parseComplete + msg.typed('t', msg.int16(0)) + msg.rowDescription('x') + msg.ready() },
      { c: msg.bind('', 's1') + msg.sync },
      { s: msg.bindComplete + msg.ready() },
      { c: msg.close('S', 's1') + msg.sync },
      { s: msg.closeComplete + msg.ready() },
      { c: msg.bind('', 's1') + msg.execute('') + msg.sync },
      { s: msg.error('26000') + msg.ready() },
    ]);
    assert.equal(exchanges.length, 1, 'only the refused Bind');
    assert.deepEqual(summary(exchanges[0]!), { queryText: undefined, status: '26000', error: true, rows: undefined, problem: null });
    assert.equal(parser.skippedAfterError, 1);
  });

  it('error in extended mode skips to Sync', () => {
    const pipeline = run(PGBENCH_PIPELINE_ERROR.steps);
    assert.deepEqual(pipeline.exchanges.map(summary), [
      { queryText: 'SELECT 1 AS one;', status: '00000', error: false, rows: 1, problem: null },
      { queryText: 'SELECT * FROM missing_table;', status: '42P01', error: true, rows: undefined, problem: null },
    ]);
    assert.equal(pipeline.parser.skippedAfterError, 2, 'the failed statement and SELECT 2 AS two');
    assert.equal(pipeline.parser.pendingRequests, 0, 'ReadyForQuery after Terminate still answers the Sync');
    const node = run(NODE_PG_EXTENDED.steps);
    assert.deepEqual(node.exchanges.slice(3, 5).map(summary), [
      { queryText: 'SELECT * FROM missing_table WHERE id = $1', status: '42P01', error: true, rows: undefined, problem: null },
      { queryText: 'SELECT $1::int', status: '22P02', error: true, rows: undefined, problem: null },
    ]);
    assert.equal(node.parser.skippedAfterError, 2);
    // The error reaches the client before it sends Sync: what it sends meanwhile is ignored.
    const late = run([
      ...LOGIN,
      { c: msg.parse('', 'SELECT 1/0') + msg.bind('', '') + msg.execute('') + msg.flush },
      { s: msg.parseComplete + msg.bindComplete + msg.error('22012') },
      { c: msg.parse('', 'SELECT 2') + msg.bind('', '') + msg.execute('') + msg.sync },
      { s: msg.ready() },
      { c: msg.query('SELECT 3') },
      { s: msg.dataRow('3') + msg.complete('SELECT 1') + msg.ready() },
    ]);
    assert.deepEqual(texts(late.exchanges), ['SELECT 1/0', 'SELECT 3']);
    assert.equal(late.exchanges[0]!.status, '22012');
    assert.equal(late.parser.skippedAfterError, 1);
  });

  it('COPY skipped', () => {
    const copy = run(PSQL_COPY.steps);
    assert.deepEqual(texts(copy.exchanges), [
      'COPY items TO STDOUT', 'COPY items FROM STDIN', 'DROP TABLE IF EXISTS not_there', 'LISTEN ch', 'NOTIFY ch',
      'SELECT count(*) FROM items',
    ]);
    assert.deepEqual(rows(copy.exchanges).slice(0, 2), [6, 2]);
    assert.ok(copy.exchanges.every((e) => e.problem === null && !e.error));
    // COPY FROM STDIN: the data is part of the request.
    assert.equal(copy.exchanges[1]!.requestBytes, 27 + 26);
    // pgbench -i: 1.5 MB of COPY data seen through a 256-byte capture prefix.
    const init = run(PGBENCH_INIT.steps);
    assert.equal(init.exchanges.length, 27);
    const bulk = init.exchanges.filter((e) => e.problem !== null);
    assert.equal(bulk.length, 1);
    assert.match(bulk[0]!.queryText!, /^copy pgbench_accounts from stdin/);
    assert.deepEqual([bulk[0]!.problem, bulk[0]!.status, bulk[0]!.attributes['db.response.returned_rows']], ['truncated', '00000', 100000]);
    assert.deepEqual(init.exchanges.slice(-3).map((e) => e.queryText), [
      'alter table pgbench_branches add primary key (bid)', 'alter table pgbench_tellers add primary key (tid)',
      'alter table pgbench_accounts add primary key (aid)',
    ]);
  });

  it('message split across chunks', () => {
    for (const [name, session] of CAPTURED) {
      const whole = run(session.steps, { close: true });
      for (const size of [1, 2, 5, 13, 64]) {
        const split = run(resegment(session.steps, size), { close: true });
        assert.deepEqual(split.exchanges.map(summary), whole.exchanges.map(summary), `${name} in ${size}-byte pieces`);
        assert.deepEqual(split.exchanges.map((e) => [e.requestBytes, e.responseBytes]), whole.exchanges.map((e) => [e.requestBytes, e.responseBytes]));
      }
    }
  });

  it('every byte is in an exchange or counted as unattributed', () => {
    for (const [name, session] of CAPTURED) {
      const r = run(session.steps, { close: true });
      let req = 0;
      let res = 0;
      for (const e of r.exchanges) {
        req += e.requestBytes;
        res += e.responseBytes;
        assert.ok(e.startNs <= e.endNs, name);
      }
      assert.equal(req + r.parser.unattributedClientBytes, r.clientTotal, `${name} client`);
      assert.equal(res + r.parser.unattributedServerBytes, r.serverTotal, `${name} server`);
    }
  });

  it('pipelined executes', () => {
    const captured = run(PGBENCH_PIPELINE.steps).exchanges;
    assert.deepEqual(texts(captured), ['SELECT 1 AS one;', 'SELECT id FROM items WHERE id < 3;', "UPDATE items SET name = 'p' WHERE id = 1;"]);
    assert.deepEqual(rows(captured), [1, 2, 1]);
    assert.deepEqual(captured.map((e) => e.attributes['db.postgresql.statement']), ['P_0', 'P_1', 'P_2']);
    // Built: two named statements and one unnamed, all behind one Sync, answers in one segment.
    const built = run([
      ...LOGIN,
      { c: msg.parse('a', 'SELECT 1') + msg.parse('b', 'SELECT 2') + msg.sync },
      { s: msg.parseComplete + msg.parseComplete + msg.ready() },
      {
        c: msg.bind('', 'a') + msg.execute('') + msg.bind('', 'b') + msg.execute('') + msg.parse('', 'DELETE FROM t')
          + msg.bind('', '') + msg.execute('') + msg.bind('', 'a') + msg.execute('') + msg.sync,
      },
      {
        s: msg.bindComplete + msg.dataRow('1') + msg.complete('SELECT 1') + msg.bindComplete + msg.dataRow('2')
          + msg.complete('SELECT 1') + msg.parseComplete + msg.bindComplete + msg.complete('DELETE 7') + msg.bindComplete
          + msg.dataRow('1') + msg.complete('SELECT 1') + msg.ready(),
      },
    ]).exchanges;
    assert.deepEqual(texts(built), ['SELECT 1', 'SELECT 2', 'DELETE FROM t', 'SELECT 1']);
    assert.deepEqual(rows(built), [1, 1, 7, 1]);
    assert.deepEqual(built.map((e) => e.attributes['db.postgresql.statement']), ['a', 'b', undefined, 'a']);
  });

  it('PortalSuspended: one exchange per Execute', () => {
    const { exchanges } = run([
      ...LOGIN,
      { c: msg.parse('', 'SELECT g FROM generate_series(1, 3) g') + msg.bind('p1', '') + msg.typed('E', `p1\0${msg.int32(2)}`) + msg.flush },
      { s: msg.parseComplete + msg.bindComplete + msg.dataRow('1') + msg.dataRow('2') + msg.portalSuspended },
      { c: msg.typed('E', `p1\0${msg.int32(2)}`) + msg.sync },
      { s: msg.dataRow('3') + msg.complete('SELECT 1') + msg.ready() },
    ]);
    assert.deepEqual(rows(exchanges), [2, 1]);
    assert.deepEqual(texts(exchanges), ['SELECT g FROM generate_series(1, 3) g', 'SELECT g FROM generate_series(1, 3) g']);
  });

  it('gap then resync', async (t) => {
    await t.test('server gap inside a message: that exchange is truncated, no desync', () => {
      const row = msg.dataRow('x'.repeat(200));
      const { exchanges } = run([
        ...LOGIN,
        { c: msg.query('SELECT big FROM t') },
        { s: msg.rowDescription('big') + row.slice(0, 50) },
        { sgap: 100 },
        { s: row.slice(150) + msg.complete('SELECT 1') + msg.ready() },
        { c: msg.query('SELECT 2') },
        { s: msg.dataRow('2') + msg.complete('SELECT 1') + msg.ready() },
      ]);
      assert.deepEqual(exchanges.map(summary), [
        { queryText: 'SELECT big FROM t', status: '00000', error: false, rows: 1, problem: 'truncated' },
        { queryText: 'SELECT 2', status: '00000', error: false, rows: 1, problem: null },
      ]);
      assert.equal(exchanges[0]!.responseBytes, msg.rowDescription('big').length + row.length + 14 + 6);
    });

    await t.test('server gap across messages: affected exchanges truncated, never mispaired', () => {
      // The SELECT's answer loses its last 121 bytes (end of the rows, CommandComplete, ReadyForQuery).
      const at = PSQL_SIMPLE.steps.findIndex((s) => 's' in s && s.s.startsWith('T'));
      const answer = (PSQL_SIMPLE.steps[at] as { s: string }).s;
      const steps: Step[] = [...PSQL_SIMPLE.steps.slice(0, at), { s: answer.slice(0, 60) }, { sgap: answer.length - 60 }, ...PSQL_SIMPLE.steps.slice(at + 1)];
      const { exchanges, parser } = run(steps);
      assert.deepEqual(exchanges.map(summary), [
        { queryText: 'SELECT id, name FROM items ORDER BY id', status: null, error: false, rows: undefined, problem: 'truncated' },
        // Its answer came after the lost bytes: it cannot be told from the SELECT's.
        { queryText: "INSERT INTO items VALUES (6, 'six')", status: null, error: false, rows: undefined, problem: 'truncated' },
        { queryText: 'SELEC 1', status: '42601', error: true, rows: undefined, problem: null },
        { queryText: 'SELECT * FROM missing_table', status: '42P01', error: true, rows: undefined, problem: null },
        { queryText: "UPDATE items SET name = 'x' WHERE id > 3; SELECT count(*) FROM items", status: '00000', error: false, rows: 4, problem: null },
      ]);
      assert.equal(parser.pendingRequests, 0);
    });

    await t.test('server gap across messages, one request waiting: what follows is still reported', () => {
      const { exchanges } = run([
        ...LOGIN,
        { c: msg.query('SELECT n FROM big') },
        { s: msg.rowDescription('n') + msg.dataRow('1') + msg.dataRow('2').slice(0, 4) },
        { sgap: 5000 },
        { s: msg.dataRow('9').slice(3) + msg.dataRow('10') + msg.complete('SELECT 1000') + msg.ready() },
        { c: msg.query('SELECT 2') },
        { s: msg.dataRow('2') + msg.complete('SELECT 1') + msg.ready() },
      ]);
      assert.deepEqual(exchanges.map(summary), [
        { queryText: 'SELECT n FROM big', status: '00000', error: false, rows: 1000, problem: 'truncated' },
        { queryText: 'SELECT 2', status: '00000', error: false, rows: 1, problem: null },
      ]);
    });

    await t.test('client gap across messages: a placeholder takes the lost request\'s answer', () => {
      const at = clientStep(PGBENCH_SIMPLE, 'SELECT abalance');
      const lost = (PGBENCH_SIMPLE.steps[at] as { c: string }).c;
      const steps: Step[] = [...PGBENCH_SIMPLE.steps.slice(0, at), { cgap: lost.length }, ...PGBENCH_SIMPLE.steps.slice(at + 1)];
      const whole = run(PGBENCH_SIMPLE.steps).exchanges;
      const { exchanges } = run(steps);
      assert.equal(exchanges.length, whole.length);
      const i = whole.findIndex((e) => e.queryText?.startsWith('SELECT abalance'));
      assert.deepEqual(summary(exchanges[i]!), { queryText: undefined, status: '00000', error: false, rows: 1, problem: 'truncated' });
      // The next request could have taken a lost request's answer: flagged, but paired right.
      assert.deepEqual(summary(exchanges[i + 1]!), { ...summary(whole[i + 1]!), problem: 'truncated' });
      assert.deepEqual(exchanges.slice(i + 2).map(summary), whole.slice(i + 2).map(summary));
    });

    await t.test('bytes that are not the protocol: unparsable, then back in step', () => {
      const { exchanges } = run([
        ...LOGIN,
        { c: msg.query('SELECT 1') },
        { s: '\xff\xfe garbage \x01\x02' + msg.dataRow('1') + msg.complete('SELECT 1') + msg.ready() },
        { c: msg.query('SELECT 2') },
        { s: msg.dataRow('2') + msg.complete('SELECT 1') + msg.ready() },
      ]);
      assert.deepEqual(exchanges.map((e) => [e.queryText, e.problem]), [['SELECT 1', 'unparsable'], ['SELECT 2', null]]);
    });
  });

  it('close → no-response', () => {
    const { exchanges, parser } = run([
      ...LOGIN,
      { c: msg.query('SELECT pg_sleep(60)') },
    ], { close: true });
    assert.equal(exchanges.length, 1);
    assert.deepEqual(summary(exchanges[0]!), { queryText: 'SELECT pg_sleep(60)', status: null, error: true, rows: undefined, problem: 'no-response' });
    assert.equal(exchanges[0]!.endNs, 4000, 'waited until the close');
    assert.deepEqual(parser.close(5000), []);
    assert.deepEqual(parser.client(bytes(msg.query('SELECT 1')), 6000), []);
    // Closed in the middle of an answer.
    const cut = run([
      ...LOGIN,
      { c: msg.parse('', 'SELECT g') + msg.bind('', '') + msg.execute('') + msg.sync },
      { s: msg.parseComplete + msg.bindComplete + msg.dataRow('1') + msg.dataRow('2').slice(0, 3) },
    ], { close: true }).exchanges;
    assert.deepEqual(cut.map(summary), [{ queryText: 'SELECT g', status: null, error: true, rows: undefined, problem: 'connection-closed' }]);
  });

  it('mid-stream start', async (t) => {
    await t.test('at a request', () => {
      const at = clientStep(PGBENCH_SIMPLE, 'END;');
      const { exchanges, parser } = run(PGBENCH_SIMPLE.steps.slice(at));
      const whole = run(PGBENCH_SIMPLE.steps).exchanges;
      assert.equal(exchanges.length, 15);
      assert.deepEqual(exchanges.map(summary), whole.slice(6).map(summary));
      assert.equal(exchanges[0]!.attributes['db.namespace'], undefined, 'the startup was not seen');
      assert.deepEqual(parser.startup, { user: null, database: null });
    });

    await t.test('at an answer to an unseen request', () => {
      const at = clientStep(PGBENCH_SIMPLE, 'END;') + 1;
      const { exchanges } = run(PGBENCH_SIMPLE.steps.slice(at));
      assert.equal(exchanges.length, 14);
      assert.ok(exchanges.every((e) => e.problem === null));
      assert.equal(exchanges[0]!.queryText, 'BEGIN;');
    });

    await t.test('in the middle of a request', () => {
      const at = clientStep(PGBENCH_SIMPLE, 'END;');
      const steps: Step[] = [{ c: (PGBENCH_SIMPLE.steps[at - 2] as { c: string }).c.slice(7) }, ...PGBENCH_SIMPLE.steps.slice(at - 1)];
      const { exchanges } = run(steps);
      // The cut request's answer is reported without SQL; the next request is flagged; then clean.
      assert.equal(exchanges.length, 16);
      assert.deepEqual([exchanges[0]!.queryText, exchanges[0]!.problem], [undefined, 'truncated']);
      assert.deepEqual([exchanges[1]!.queryText, exchanges[1]!.problem], ['END;', 'truncated']);
      assert.ok(exchanges.slice(2).every((e) => e.problem === null && e.queryText !== undefined));
    });

    await t.test('a statement prepared before the capture', () => {
      const at = clientStep(NODE_PG_EXTENDED, 'SELECT $1::int AS x') + 2;
      const { exchanges } = run(NODE_PG_EXTENDED.steps.slice(at));
      assert.equal(exchanges.length, 5);
      assert.deepEqual([exchanges[0]!.queryText, exchanges[0]!.attributes['db.postgresql.statement'], exchanges[0]!.status], [undefined, 'by-id', '00000']);
      assert.equal(exchanges[1]!.queryText, 'SELECT id, name FROM items WHERE id <= $1 ORDER BY id');
    });
  });

  it('pgbench: exactly one exchange per statement run', () => {
    // pgbench's built-in TPC-B-like script: 7 statements per transaction.
    const script = [
      /^BEGIN;$/, /^UPDATE pgbench_accounts /, /^SELECT abalance FROM pgbench_accounts /, /^UPDATE pgbench_tellers /,
      /^UPDATE pgbench_branches /, /^INSERT INTO pgbench_history /, /^END;$/,
    ];
    const countPer = (xs: ProtocolExchange[]): number[] => script.map((re) => xs.filter((e) => re.test(e.queryText ?? '')).length);
    const simple = run(PGBENCH_SIMPLE.steps, { close: true }).exchanges;
    assert.equal(simple.length, 21);
    assert.deepEqual(countPer(simple), [3, 3, 3, 3, 3, 3, 3]);
    const prepared = run(PGBENCH_PREPARED.steps, { close: true }).exchanges;
    assert.equal(prepared.length, 14);
    assert.deepEqual(countPer(prepared), [2, 2, 2, 2, 2, 2, 2]);
    for (let k = 0; k < 7; k++) {
      const named = prepared.filter((e) => e.attributes['db.postgresql.statement'] === `P_${k}`);
      assert.equal(named.length, 2);
      assert.ok(script[k]!.test(named[0]!.queryText!), `P_${k}`);
    }
    for (const e of [...simple, ...prepared]) {
      assert.deepEqual([e.status, e.error, e.problem], ['00000', false, null]);
      if (/^(UPDATE|INSERT|SELECT)/.test(e.queryText!)) assert.equal(e.attributes['db.response.returned_rows'], 1);
    }
  });

  it('bounded: pending requests and prepared statements', () => {
    const p = new PostgresParser({ maxPending: 4, maxStatements: 8 });
    let out: ProtocolExchange[] = [];
    out.push(...p.client(bytes(STARTUP), 1));
    out.push(...p.server(bytes(STARTUP_ANSWER), 2));
    for (let i = 0; i < 10; i++) out.push(...p.client(bytes(msg.query(`SELECT ${i}`)), 10 + i));
    assert.equal(p.pendingRequests, 4);
    assert.deepEqual(out.map((e) => [e.queryText, e.problem]), [0, 1, 2, 3, 4, 5].map((i) => [`SELECT ${i}`, 'no-response']));
    out = [];
    const q = new PostgresParser({ maxStatements: 8 });
    q.client(bytes(msg.startup({ user: 'u' })), 1);
    q.server(bytes(msg.authOk + msg.ready()), 2);
    for (let i = 0; i < 100; i++) {
      q.client(bytes(msg.parse(`s${i}`, `SELECT ${i}`) + msg.sync), 3 + i);
      q.server(bytes(msg.parseComplete + msg.ready()), 3 + i);
    }
    assert.ok(q.preparedCount <= 8);
    // The most recent statements are the ones kept.
    out.push(...q.client(bytes(msg.bind('', 's99') + msg.execute('') + msg.sync), 200));
    out.push(...q.server(bytes(msg.bindComplete + msg.dataRow('99') + msg.complete('SELECT 1') + msg.ready()), 201));
    assert.equal(out[0]?.queryText, 'SELECT 99');
  });

  it('a message larger than the buffer is counted by its length, not held', () => {
    const p = new PostgresParser();
    p.client(bytes(STARTUP), 1);
    p.server(bytes(STARTUP_ANSWER), 2);
    p.client(bytes(msg.query('SELECT blob FROM files')), 3);
    const row = bytes(msg.dataRow('z'.repeat(1 << 20)));
    let most = 0;
    for (let at = 0; at < row.length; at += 65536) {
      p.server(row.subarray(at, at + 65536), 4);
      most = Math.max(most, p.bufferedBytes);
    }
    const out = p.server(bytes(msg.complete('SELECT 1') + msg.ready()), 5);
    assert.ok(most <= 8, `held ${most} bytes`);
    assert.deepEqual(out.map(summary), [{ queryText: 'SELECT blob FROM files', status: '00000', error: false, rows: 1, problem: null }]);
    assert.equal(out[0]!.responseBytes, row.length + 14 + 6);
  });

  it('long SQL past the message cap is cut and flagged', () => {
    const sql = `SELECT '${'y'.repeat(500)}'`;
    const { exchanges, parser } = run([
      ...LOGIN,
      { c: msg.query(sql) },
      { s: msg.dataRow('y') + msg.complete('SELECT 1') + msg.ready() },
    ], { maxMessageBytes: 100 });
    assert.equal(exchanges.length, 1);
    assert.equal(exchanges[0]!.queryText, sql.slice(0, 100));
    assert.equal(exchanges[0]!.problem, 'truncated');
    assert.equal(exchanges[0]!.requestBytes, sql.length + 6);
    assert.ok(parser.bufferCapacity <= 2 * (100 + 8));
  });
});
