import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HEAD_CAP, INLINE, type RespMessage } from './resp-message.js';
import { RespScanner, type RespSide } from './resp-scanner.js';
import { bytes } from './fixtures.js';

interface Seen {
  type: string;
  count: number;
  bytes: number;
  heads: (string | null)[];
  cut: string | null;
  resp3: boolean;
  lostHeads: number;
}

function scan(side: RespSide, pieces: (string | number)[]): { seen: Seen[]; losses: number; scanner: RespScanner } {
  const seen: Seen[] = [];
  let losses = 0;
  const scanner = new RespScanner(side, {
    onMessage(m: RespMessage) {
      seen.push({
        type: m.type === INLINE ? 'inline' : String.fromCharCode(m.type),
        count: m.count,
        bytes: m.bytes,
        heads: [m.head(0), m.head(1), m.head(2)],
        cut: m.cut,
        resp3: m.resp3,
        lostHeads: m.lostHeads,
      });
    },
    onLoss() { losses++; },
  });
  let t = 0;
  for (const p of pieces) {
    t++;
    if (typeof p === 'number') scanner.gap(p, t);
    else scanner.push(bytes(p), t);
  }
  return { seen, losses, scanner };
}

describe('RespScanner', () => {
  it('client: heads are the command name and its first arguments, count includes the name', () => {
    const { seen } = scan('client', ['*4\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$3\r\nOFF\r\n$1\r\nx\r\n']);
    assert.deepEqual(seen, [{ type: '*', count: 4, bytes: 43, heads: ['CLIENT', 'REPLY', 'OFF'], cut: null, resp3: false, lostHeads: 0 }]);
  });

  it('client: inline words split like a shell, quotes kept together, escapes inside double quotes', () => {
    const { seen } = scan('client', ['set "a b" \'c\\d\' "e\\"f"\r\n']);
    assert.equal(seen[0]!.type, 'inline');
    assert.equal(seen[0]!.count, 4);
    assert.deepEqual(seen[0]!.heads, ['set', 'a b', 'c\\d']);
  });

  it('client: a captured head is capped at HEAD_CAP bytes', () => {
    const long = 'K'.repeat(200);
    const { seen } = scan('client', [`*2\r\n$3\r\nGET\r\n$200\r\n${long}\r\n`]);
    assert.equal(seen[0]!.heads[1], 'K'.repeat(HEAD_CAP));
  });

  it('server: a top-level simple value is head 0; aggregates capture only their direct simple elements', () => {
    const { seen } = scan('server', ['-ERR no\r\n', '*3\r\n*1\r\n:1\r\n$5\r\nhello\r\n:7\r\n']);
    assert.deepEqual(seen.map((s) => [s.type, s.count, s.heads]), [
      ['-', 0, ['ERR no', null, null]],
      ['*', 3, [null, 'hello', '7']],
    ]);
  });

  it('server: RESP3 types are flagged, RESP2 ones are not', () => {
    const { seen } = scan('server', ['+OK\r\n', '_\r\n', '*1\r\n%0\r\n']);
    assert.deepEqual(seen.map((s) => s.resp3), [false, true, true]);
  });

  it('server: an attribute before the reply belongs to the same message and is not its type', () => {
    const { seen } = scan('server', ['|1\r\n+a\r\n:1\r\n$2\r\nok\r\n']);
    assert.deepEqual(seen.map((s) => [s.type, s.bytes, s.heads[0]]), [['$', 20, 'ok']]);
  });

  it('gap inside a payload is counted through; the captured head it hit is marked lost', () => {
    const { seen, losses } = scan('client', ['*2\r\n$3\r\nGET\r\n$10\r\nab', 6, 'ij\r\n']);
    assert.equal(losses, 0);
    assert.deepEqual(seen.map((s) => [s.bytes, s.lostHeads, s.cut]), [[30, 0b10, null]]);
  });

  it('gap that ends inside the trailing CRLF still frames the message', () => {
    const { seen } = scan('server', ['$4\r\nab', 3, '\n+OK\r\n']);
    assert.deepEqual(seen.map((s) => [s.type, s.bytes, s.cut]), [['$', 10, null], ['+', 5, null]]);
  });

  it('gap past a payload cuts the message, counts the payload rest in it, and resynchronises', () => {
    const { seen, losses, scanner } = scan('server', ['$4\r\nab', 10, '+OK\r\n']);
    assert.deepEqual(seen.map((s) => [s.type, s.bytes, s.cut]), [['$', 10, 'gap'], ['+', 5, null]]);
    assert.equal(losses, 1);
    assert.equal(scanner.skippedBytes, 6);
  });

  it('gap in a header line cuts the message and marks the head in progress lost', () => {
    const { seen } = scan('client', ['*2\r\n$3\r\nGE', 40]);
    assert.deepEqual(seen.map((s) => [s.cut, s.lostHeads]), [['gap', 1]]);
  });

  it('unparsable bytes: the partial message is cut, junk skipped up to a line start that begins a message', () => {
    const { seen, scanner } = scan('server', ['$3\r\nabcX\r\nnoise+no\r\n:5\r\n']);
    assert.deepEqual(seen.map((s) => [s.type, s.bytes, s.cut]), [['$', 7, 'unparsable'], [':', 4, null]]);
    assert.equal(scanner.skippedBytes, '$3\r\nabcX\r\nnoise+no\r\n:5\r\n'.length - 7 - 4);
  });

  it('nesting deeper than Redis ever sends is given up on, not followed', () => {
    const { seen, losses } = scan('server', ['*1\r\n'.repeat(40) + ':1\r\n']);
    assert.equal(losses, 1);
    assert.equal(seen[0]!.cut, 'unparsable');
  });

  it('end() reports the message in progress as closed, and nothing when idle', () => {
    const { seen, scanner } = scan('server', ['*2\r\n:1\r\n']);
    scanner.end(9);
    scanner.end(10);
    assert.deepEqual(seen.map((s) => [s.bytes, s.cut]), [[8, 'closed']]);
  });

  it('bufferedBytes holds only captured prefixes', () => {
    const { scanner } = scan('client', ['*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n' + 'v'.repeat(5000)]);
    assert.equal(scanner.bufferedBytes, 3 + 1 + HEAD_CAP);
    assert.equal(scanner.idle, false);
  });
});
