import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TOKEN_CAP, TextScanner, type TextLine } from './text-scanner.js';
import { bytes } from './fixtures.js';

interface Seen {
  tokens: (string | null)[];
  count: number;
  bytes: number;
  cut: string | null;
  afterLoss: boolean;
  quiet: boolean;
  opaque: string | null;
  noreply: boolean;
}

/** Lines starting with `data <n>` announce a data block of n bytes. */
function scan(flagsFrom: number, pieces: (string | number)[]): { lines: Seen[]; blocks: [number, string | null][]; losses: number; scanner: TextScanner } {
  const lines: Seen[] = [];
  const blocks: [number, string | null][] = [];
  let losses = 0;
  const scanner: TextScanner = new TextScanner(flagsFrom, {
    onLine(l: TextLine) {
      lines.push({
        tokens: [l.token(0), l.token(1), l.token(2)], count: l.count, bytes: l.bytes, cut: l.cut, afterLoss: l.afterLoss,
        quiet: l.quiet, opaque: l.opaque, noreply: l.lastIsNoreply,
      });
      if (l.cut === null && l.token(0) === 'data') scanner.expectData(l.tokenNumber(1));
    },
    onData(b) { blocks.push([b.bytes, b.cut]); },
    onLoss() { losses++; },
  });
  let t = 0;
  for (const p of pieces) {
    t++;
    if (typeof p === 'number') scanner.gap(p, t);
    else scanner.push(bytes(p), t);
  }
  return { lines, blocks, losses, scanner };
}

describe('TextScanner', () => {
  it('tokenises on spaces, accepts CRLF and bare LF, counts every token', () => {
    const { lines } = scan(2, ['get  a b\r\nversion\n']);
    assert.deepEqual(lines.map((l) => [l.tokens, l.count, l.bytes]), [[['get', 'a', 'b'], 3, 10], [['version', null, null], 1, 8]]);
  });

  it('meta flags: q and O<opaque> from the flags position on, not from the key', () => {
    const { lines } = scan(2, ['mg Okey q v Oab12\r\n']);
    assert.deepEqual([lines[0]!.quiet, lines[0]!.opaque], [true, 'ab12']);
  });

  it('noreply is recognised only as the last token', () => {
    const { lines } = scan(2, ['delete k noreply\r\n', 'get noreply k\r\n']);
    assert.deepEqual(lines.map((l) => l.noreply), [true, false]);
  });

  it('tokens are capped at TOKEN_CAP bytes, the line is still counted whole', () => {
    const key = 'k'.repeat(300);
    const { lines, scanner } = scan(2, [`get ${key}\r\n`]);
    assert.equal(lines[0]!.tokens[1], 'k'.repeat(TOKEN_CAP));
    assert.equal(lines[0]!.bytes, 4 + 300 + 2);
    assert.equal(scanner.bufferedBytes, 0);
  });

  it('a data block is skipped by count, CRLF included, whatever it holds', () => {
    const { lines, blocks } = scan(2, ['data 6\r\nab\r\ncd\r\nnext\r\n']);
    assert.deepEqual(blocks, [[8, null]]);
    assert.deepEqual(lines.map((l) => l.tokens[0]), ['data', 'next']);
  });

  it('a gap inside a data block is counted through', () => {
    const { blocks, losses } = scan(2, ['data 100\r\nabc', 95, 'de\r\n']);
    assert.deepEqual(blocks, [[102, null]]);
    assert.equal(losses, 0);
  });

  it('a gap past a data block cuts it, and the next line is flagged as after a loss', () => {
    const { blocks, lines, losses, scanner } = scan(2, ['data 4\r\nab', 10, 'xx\r\nget k\r\n']);
    assert.deepEqual(blocks, [[6, 'gap']]);
    assert.equal(losses, 1);
    assert.equal(scanner.skippedBytes, 6);
    assert.deepEqual(lines.slice(1).map((l) => [l.tokens[0], l.afterLoss]), [['xx', true], ['get', false]]);
  });

  it('a gap inside a line cuts the line', () => {
    const { lines, losses } = scan(2, ['get ab', 7, 'cd\r\n']);
    assert.deepEqual(lines.map((l) => [l.tokens[0], l.cut, l.afterLoss]), [['get', 'gap', false], ['cd', null, true]]);
    assert.equal(losses, 1);
  });

  it('end() reports the line or block in progress as closed', () => {
    const a = scan(2, ['get k']);
    a.scanner.end(9);
    assert.deepEqual(a.lines.map((l) => l.cut), ['closed']);
    const b = scan(2, ['data 5\r\nab']);
    b.scanner.end(9);
    assert.deepEqual(b.blocks, [[2, 'closed']]);
  });
});
