import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MONGO_API_SESSION, MONGO_LEGACY_MONITOR, MONGO_LEGACY_SESSION, MONGO_STREAMING_MONITOR, hexBytes, sideBytes,
} from './fixtures.js';
import { OP_MSG } from './messages.js';
import { concat, messages, opCompressed, opMsg, opQuery, opReply, replay, run, untimed, type Step } from './testkit.js';

const chunk = (i: number): Uint8Array => hexBytes(MONGO_LEGACY_SESSION.chunks[i]!.hex);
/** Captured session chunks: 0/1 isMaster, 2/3 ping, 4/5 insert, 6/7 find, 8/9 drop, 10 w:0 insert + endSessions. */
const PING = 2;
const INSERT = 4;
const FIND = 6;
const DROP = 8;
const ONE_WAY = 10;

function summary(e: { operation: string | null; resource: string | null; status: string | null; error: boolean; problem: string | null }): string {
  return `${e.operation}/${e.resource}/${e.status}/${e.error ? 'error' : 'ok'}/${e.problem}`;
}

describe('MongoParser', () => {
  it('captured session: one exchange per command, in wire order', () => {
    const { exchanges } = run(replay(MONGO_LEGACY_SESSION));
    assert.deepEqual(exchanges.map(summary), [
      'ismaster/null/OK/ok/null',
      'ping/null/OK/ok/null',
      'insert/orders/OK/ok/null',
      'find/orders/OK/ok/null',
      'drop/missing/26/error/null',
      'insert/orders/null/ok/null',
      'endSessions/null/null/ok/null',
    ]);
    const insert = exchanges[2]!;
    assert.deepEqual(insert.attributes, {
      'db.system.name': 'mongodb', 'db.operation.name': 'insert', 'db.collection.name': 'orders',
      'db.namespace': 'shop', 'db.operation.batch.size': 2,
    });
    assert.equal(insert.requestBytes, chunk(INSERT).length);
    assert.equal(insert.responseBytes, chunk(INSERT + 1).length);
    assert.equal(insert.startNs, (INSERT + 1) * 1000);
    assert.equal(insert.endNs, (INSERT + 2) * 1000);
  });

  it('serverApi session: OP_MSG hello and the same commands', () => {
    const { exchanges } = run(replay(MONGO_API_SESSION));
    assert.deepEqual(exchanges.map((e) => e.operation), ['hello', 'ping', 'insert', 'find', 'drop', 'insert', 'endSessions']);
    assert.equal(exchanges[0]!.attributes['db.namespace'], 'admin');
    assert.equal(exchanges[4]!.status, '26');
  });

  it('too short: a partial header is held, then dropped at close', () => {
    const { exchanges, parser, perStep } = run([{ c: chunk(PING).subarray(0, 10) }, { close: true }]);
    assert.equal(perStep[0]!.length, 0);
    assert.equal(exchanges.length, 0);
    assert.equal(parser.ignoredClientBytes, 10);
    assert.equal(parser.bufferedBytes, 0);
  });

  it('out-of-order replies: paired by responseTo, not by arrival', () => {
    const { exchanges } = run([
      { c: chunk(INSERT) }, { c: chunk(FIND) }, { s: chunk(FIND + 1) }, { s: chunk(INSERT + 1) }, { close: true },
    ]);
    assert.deepEqual(exchanges.map((e) => [e.operation, e.responseBytes]), [
      ['find', chunk(FIND + 1).length],
      ['insert', chunk(INSERT + 1).length],
    ]);
    assert.equal(exchanges[0]!.startNs, 2000);
    assert.equal(exchanges[1]!.endNs, 4000);
  });

  it('moreToCome without reply: reported at once, no status, no error', () => {
    const { perStep } = run([{ c: chunk(ONE_WAY) }]);
    const [insert, end] = perStep[0]!;
    assert.equal(perStep[0]!.length, 2);
    assert.equal(insert!.operation, 'insert');
    assert.equal(insert!.attributes['db.operation.batch.size'], 1, 'documents inline in the command body');
    assert.equal(end!.operation, 'endSessions');
    for (const e of [insert!, end!]) {
      assert.equal(e.status, null);
      assert.equal(e.error, false);
      assert.equal(e.problem, null);
      assert.equal(e.responseBytes, 0);
    }
  });

  it('ok: 0 with code: status is the code, errmsg is not kept', () => {
    const { exchanges } = run([{ c: chunk(DROP) }, { s: chunk(DROP + 1) }, { close: true }]);
    const e = exchanges[0]!;
    assert.equal(e.status, '26');
    assert.equal(e.error, true);
    assert.equal(e.attributes['db.response.status_code'], '26');
    assert.equal(e.attributes['error.type'], 'NamespaceNotFound');
    assert.ok(!JSON.stringify(e).includes('ns not found'), 'errmsg text never reaches the exchange');
  });

  it('OP_QUERY legacy hello: command from the query document on admin.$cmd', () => {
    const { exchanges } = run(replay(MONGO_LEGACY_MONITOR));
    assert.equal(exchanges.length, 1);
    assert.deepEqual(exchanges[0]!.attributes, { 'db.system.name': 'mongodb', 'db.operation.name': 'ismaster', 'db.namespace': 'admin' });
    assert.equal(exchanges[0]!.status, 'OK');
  });

  it('OP_QUERY: $query wrapper, and a plain collection query', () => {
    const { exchanges } = run([
      { c: opQuery(1, 'shop.$cmd', { $query: { count: 'orders' }, $readPreference: { mode: 'primary' } }) },
      { s: opReply(9, 1, 0, [{ n: 3, ok: 1.0 }]) },
      { c: opQuery(2, 'shop.orders', { qty: 1 }) },
      { s: opReply(10, 2, 2, [{ $err: 'bad query', code: 2 }]) },
      { close: true },
    ]);
    assert.deepEqual(exchanges.map(summary), ['count/orders/OK/ok/null', 'find/orders/2/error/null']);
  });

  it('OP_COMPRESSED marked: no operation, the inner opCode as an attribute', () => {
    const { exchanges } = run([
      { c: opCompressed(7, 0, OP_MSG, 40) }, { s: opCompressed(8, 7, OP_MSG, 30) }, { close: true },
    ]);
    assert.equal(exchanges.length, 1);
    const e = exchanges[0]!;
    assert.equal(e.operation, null);
    assert.equal(e.attributes['mongodb.compressed'], true);
    assert.equal(e.attributes['mongodb.original_opcode'], OP_MSG);
    assert.equal(e.problem, null);
    assert.equal(e.responseBytes, 16 + 9 + 30);
  });

  it('message split across chunks: byte by byte gives the same exchanges as whole chunks', () => {
    const whole = run(replay(MONGO_LEGACY_SESSION)).exchanges.map(untimed);
    const steps: Step[] = [];
    for (const c of MONGO_LEGACY_SESSION.chunks) {
      for (const b of hexBytes(c.hex)) steps.push(c.from === 'client' ? { c: Uint8Array.of(b) } : { s: Uint8Array.of(b) });
    }
    steps.push({ close: true });
    const { exchanges, parser } = run(steps);
    assert.deepEqual(exchanges.map(untimed), whole);
    assert.equal(parser.bufferedBytes, 0);
  });

  it('gap inside a message: what was held is read, the prefix decides truncation', () => {
    const find = chunk(FIND);
    // Command name and collection are in the first 44 bytes; $db, at the end, is lost.
    const { exchanges } = run([{ c: find.subarray(0, 44) }, { cgap: find.length - 44 }, { s: chunk(FIND + 1) }, { close: true }]);
    assert.deepEqual(exchanges.map(summary), ['find/orders/OK/ok/truncated']);
    assert.equal(exchanges[0]!.requestBytes, find.length);
  });

  it('gap then resync: a gap past a message end loses the next header; the parser finds the one after', () => {
    const insert = chunk(INSERT);
    const find = chunk(FIND);
    const { exchanges, parser } = run([
      { c: chunk(PING) }, { s: chunk(PING + 1) },
      { c: insert.subarray(0, 40) }, { cgap: insert.length - 40 + 10 }, { c: find.subarray(10) },
      { c: chunk(DROP) },
      { s: chunk(INSERT + 1) }, { s: chunk(FIND + 1) }, { s: chunk(DROP + 1) },
      { close: true },
    ]);
    assert.deepEqual(exchanges.map(summary), [
      'ping/null/OK/ok/null',
      'insert/null/OK/ok/truncated', // name held, collection lost; the reply still pairs by id
      'null/null/OK/ok/truncated', // the find's request was lost: its reply stands alone
      'drop/missing/26/error/null',
    ]);
    assert.equal(parser.ignoredClientBytes, find.length, 'the find: 10 bytes in the gap, the rest skipped while hunting');
  });

  it('junk is reported as unparsable, then parsing resumes', () => {
    const junk = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const { exchanges } = run([{ c: concat(junk, chunk(PING)) }, { s: chunk(PING + 1) }, { close: true }]);
    assert.deepEqual(exchanges.map(summary), ['null/null/null/ok/unparsable', 'ping/null/OK/ok/null']);
    assert.equal(exchanges[0]!.requestBytes, junk.length);
  });

  it('close → no-response: unanswered requests end at close, as errors', () => {
    const { exchanges, perStep } = run([{ c: chunk(PING) }, { c: chunk(FIND) }, { close: true }]);
    assert.equal(perStep[0]!.length + perStep[1]!.length, 0);
    assert.deepEqual(exchanges.map(summary), ['ping/null/null/error/no-response', 'find/orders/null/error/no-response']);
    assert.equal(exchanges[0]!.endNs, 3000);
  });

  it('close inside a message: connection-closed, with the bytes that came', () => {
    const find = chunk(FIND);
    const { exchanges } = run([{ c: find.subarray(0, 50) }, { close: true }]);
    assert.deepEqual(exchanges.map(summary), ['find/orders/null/error/connection-closed']);
    assert.equal(exchanges[0]!.requestBytes, 50);
  });

  it('exhaust: streamed hello replies belong to one exchange, reported at close', () => {
    const { exchanges, perStep, parser } = run(replay(MONGO_STREAMING_MONITOR));
    const replies = messages(sideBytes(MONGO_STREAMING_MONITOR, 'server'));
    assert.equal(replies.length, 5);
    assert.equal(perStep.slice(0, -1).flat().length, 1, 'only the handshake completes before close');
    assert.deepEqual(exchanges.map(summary), ['hello/null/OK/ok/null', 'hello/null/OK/ok/null']);
    const streamed = exchanges[1]!;
    assert.equal(streamed.responseBytes, replies.slice(1).reduce((n, r) => n + r.length, 0));
    assert.equal(parser.pendingRequests, 0);
  });

  it('exhaust: the reply without moreToCome ends the exchange', () => {
    const { perStep } = run([
      { c: opMsg({ requestId: 5, flags: 1 << 16, body: { hello: 1, maxAwaitTimeMS: 100, $db: 'admin' } }) },
      { s: opMsg({ requestId: 50, responseTo: 5, flags: 2, body: { isWritablePrimary: true, ok: 1.0 } }) },
      { s: opMsg({ requestId: 51, responseTo: 50, flags: 2, body: { isWritablePrimary: true, ok: 1.0 } }) },
      { s: opMsg({ requestId: 52, responseTo: 51, body: { ok: 0.0, code: 91, codeName: 'ShutdownInProgress' } }) },
    ]);
    assert.deepEqual(perStep.map((s) => s.length), [0, 0, 0, 1]);
    assert.deepEqual(perStep[3]!.map(summary), ['hello/null/91/error/null']);
  });

  it('checksumPresent: sections end before the CRC', () => {
    const { exchanges } = run([
      { c: opMsg({ requestId: 3, checksum: true, body: { insert: 'c' }, sequences: { documents: [{ a: 1 }, { a: 2 }, { a: 3 }] } }) },
      { s: opMsg({ requestId: 4, responseTo: 3, checksum: true, body: { n: 3, ok: 1.0 } }) },
      { close: true },
    ]);
    assert.equal(exchanges[0]!.attributes['db.operation.batch.size'], 3);
    assert.equal(exchanges[0]!.status, 'OK');
    assert.equal(exchanges[0]!.problem, null);
    assert.equal(exchanges[0]!.attributes['db.namespace'], undefined, 'no $db was sent');
  });

  it('write errors with ok: 1 are errors', () => {
    const { exchanges } = run([
      { c: opMsg({ requestId: 3, body: { insert: 'c', $db: 'd' }, sequences: { documents: [{ _id: 1 }] } }) },
      { s: opMsg({ requestId: 4, responseTo: 3, body: { n: 0, writeErrors: [{ index: 0, code: 11000, errmsg: 'E11000 duplicate key' }], ok: 1.0 } }) },
      { close: true },
    ]);
    assert.deepEqual(exchanges.map(summary), ['insert/c/11000/error/null']);
  });

  it('a large reply cut before `ok` is a success (mongod puts ok first only in errors)', () => {
    const batch = Array.from({ length: 200 }, (_, i) => ({ _id: i, text: 'x'.repeat(40) }));
    const reply = opMsg({ requestId: 9, responseTo: 8, body: { cursor: { firstBatch: batch, id: 0n, ns: 'd.c' }, ok: 1.0 } });
    assert.ok(reply.length > 4096);
    const { exchanges } = run([{ c: opMsg({ requestId: 8, body: { find: 'c', $db: 'd' } }) }, { s: reply }, { close: true }]);
    assert.deepEqual(exchanges.map(summary), ['find/c/OK/ok/null']);
    assert.equal(exchanges[0]!.responseBytes, reply.length);
  });

  it('an error cut before its code is truncated', () => {
    const reply = opMsg({ requestId: 9, responseTo: 8, body: { ok: 0.0, errmsg: 'e'.repeat(5000), code: 2, codeName: 'BadValue' } });
    const { exchanges } = run([{ c: opMsg({ requestId: 8, body: { find: 'c', $db: 'd' } }) }, { s: reply }, { close: true }]);
    assert.deepEqual(exchanges.map(summary), ['find/c/ERROR/error/truncated']);
  });

  it('a reply to nothing stands alone', () => {
    const { exchanges } = run([{ s: chunk(PING + 1) }, { close: true }]);
    assert.deepEqual(exchanges.map(summary), ['null/null/OK/ok/truncated']);
    assert.equal(exchanges[0]!.requestBytes, 0);
  });

  it('pending cap: the oldest unanswered request gives way', () => {
    const req = (id: number): Step => ({ c: opMsg({ requestId: id, body: { ping: 1, $db: 'admin' } }) });
    const { perStep } = run([req(1), req(2), req(3)], { maxPending: 2 });
    assert.deepEqual(perStep[2]!.map(summary), ['ping/null/null/error/no-response']);
    assert.equal(perStep[2]!.length, 1);
  });

  it('a reused requestID gives up on the older request', () => {
    const req = opMsg({ requestId: 1, body: { ping: 1, $db: 'admin' } });
    const { perStep } = run([{ c: req }, { c: req }, { s: opMsg({ requestId: 2, responseTo: 1, body: { ok: 1.0 } }) }]);
    assert.deepEqual(perStep[1]!.map(summary), ['ping/null/null/error/no-response']);
    assert.deepEqual(perStep[2]!.map(summary), ['ping/null/OK/ok/null']);
  });

  it('bytes after close are ignored and counted', () => {
    const { parser } = run([{ close: true }, { c: chunk(PING) }, { sgap: 7 }]);
    assert.equal(parser.ignoredClientBytes, chunk(PING).length);
    assert.equal(parser.ignoredServerBytes, 7);
  });

  it('only the kept prefix is buffered, whatever the message size', () => {
    const docs = Array.from({ length: 100 }, (_, i) => ({ i, pad: 'y'.repeat(100) }));
    const big = opMsg({ requestId: 1, body: { insert: 'c', $db: 'd' }, sequences: { documents: docs } });
    const { parser, exchanges } = run([{ c: big.subarray(0, big.length - 1) }], { maxKeptBytes: 256 });
    assert.ok(parser.bufferedBytes <= 256, `buffered ${parser.bufferedBytes}`);
    assert.equal(exchanges.length, 0);
    const whole = run([{ c: big }, { close: true }], { maxKeptBytes: 256 }).exchanges[0]!;
    assert.equal(whole.requestBytes, big.length);
    assert.equal(whole.resource, 'c');
    assert.equal(whole.problem, 'no-response');
    assert.equal(whole.attributes['db.operation.batch.size'], undefined, 'not all documents were held');
  });
});
