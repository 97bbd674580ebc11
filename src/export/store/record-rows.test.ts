import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rfc3339 } from '../../lib/rfc3339.js';
import { parseTime } from './record-rows.js';
import { mulberry32 } from '../../protocols/fuzz-kit.js';

/** What parseTime must return: Date.parse's answer, null when it has none. */
function expected(text: string): number | null {
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

function assertSame(texts: Iterable<string>): number {
  let n = 0;
  for (const text of texts) {
    assert.equal(parseTime(text), expected(text), JSON.stringify(text));
    n++;
  }
  return n;
}

/** `2026-01-02T03:04:05` plus `digits` fraction digits (the milliseconds, then 1..6 repeating) and Z. */
function withFraction(ms: number, digits: number): string {
  const iso = new Date(ms).toISOString(); // 2026-01-02T03:04:05.678Z
  if (digits === 0) return `${iso.slice(0, 19)}Z`;
  const fraction = `${iso.slice(20, 23)}123456`.slice(0, digits);
  return `${iso.slice(0, 19)}.${fraction}Z`;
}


const ROLLOVERS = [
  Date.UTC(2026, 0, 15, 12, 0, 0), // minute
  Date.UTC(2026, 0, 15, 13, 0, 0), // hour
  Date.UTC(2026, 0, 16), // day
  Date.UTC(2026, 1, 1), // month
  Date.UTC(2026, 2, 1), // end of a February
  Date.UTC(2024, 1, 29), // leap day
  Date.UTC(2024, 2, 1),
  Date.UTC(2000, 1, 29), // leap: divisible by 400
  Date.UTC(2000, 2, 1),
  Date.UTC(1900, 2, 1), // not leap: divisible by 100
  Date.UTC(2100, 2, 1),
  Date.UTC(2027, 0, 1), // year
  Date.UTC(1970, 0, 1), // epoch
  Date.UTC(1969, 11, 31, 23, 59, 59, 999),
  new Date(0).setUTCFullYear(0, 0, 1), // year 0000
  new Date(0).setUTCFullYear(99, 11, 31), // years 0..99 are not 1900..1999
  Date.UTC(9999, 11, 31, 23, 59, 59, 999),
];

describe('parseTime', () => {
  it('reads what rfc3339 writes as Date.parse does', () => {
    const rand = mulberry32(1);
    const texts: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      // Years 0000..9999, any millisecond.
      const ms = Math.floor(rand() * (Date.UTC(9999, 11, 31, 23, 59, 59, 999) + 62_167_219_200_000)) - 62_167_219_200_000;
      texts.push(rfc3339(ms));
    }
    assert.equal(assertSame(texts), 20_000);
  });

  it('agrees with Date.parse around rollovers, for 0 to 9 fraction digits', () => {
    const texts: string[] = [];
    for (const at of ROLLOVERS) {
      for (const offset of [-60_001, -1_001, -1_000, -999, -501, -1, 0, 1, 499, 999, 1_000, 59_999, 60_000]) {
        for (let digits = 0; digits <= 9; digits++) texts.push(withFraction(at + offset, digits));
      }
    }
    assertSame(texts);
  });

  it('cuts fractions to milliseconds like Date.parse (no rounding)', () => {
    assert.equal(parseTime('2026-01-15T12:00:05.9999Z'), Date.UTC(2026, 0, 15, 12, 0, 5, 999));
    assert.equal(parseTime('2026-01-15T12:00:05.123999999Z'), Date.UTC(2026, 0, 15, 12, 0, 5, 123));
    assert.equal(parseTime('2026-01-15T12:00:05.5Z'), Date.UTC(2026, 0, 15, 12, 0, 5, 500));
    assert.equal(parseTime('2026-01-15T12:00:05.05Z'), Date.UTC(2026, 0, 15, 12, 0, 5, 50));
    assertSame(['2026-01-15T12:00:05.9999999999Z', '2026-01-15T12:00:05.12345678901234567Z']);
  });

  it('stays right when records alternate between days', () => {
    // A flow's start and end can lie on different days: parseTime remembers one day at a time.
    const texts: string[] = [];
    for (let i = 0; i < 100; i++) texts.push(rfc3339(Date.UTC(2026, 0, 15, 23, 59, 59, i)), rfc3339(Date.UTC(2026, 0, 16, 0, 0, 0, i)));
    assertSame(texts);
  });

  it('hands other shapes to Date.parse, null when it cannot read them either', () => {
    const texts = [
      '', 'garbage', 'Z', '2026', '2026-01-15', '2026-01-15T12:00Z', '2026-01-15T12:00:05',
      '2026-01-15T12:00:05.000+00:00', '2026-01-15T12:00:05.000+02:00', '2026-01-15T12:00:05-05:30',
      '2026-01-15t12:00:05.000z', '2026-01-15 12:00:05.000Z', '+002026-01-15T12:00:05.000Z', '-000001-01-01T00:00:00.000Z',
      '2026-01-15T24:00:00.000Z', '2026-01-15T24:00:01.000Z', '2026-01-15T23:60:00.000Z', '2026-01-15T23:59:60.000Z',
      '2026-02-29T00:00:00.000Z', '2026-02-30T00:00:00.000Z', '2026-04-31T00:00:00.000Z', '2026-01-32T00:00:00.000Z',
      '2026-01-00T00:00:00.000Z', '2026-00-01T00:00:00.000Z', '2026-13-01T00:00:00.000Z', '1900-02-29T00:00:00.000Z',
      '2026-01-15T12:00:05.Z', '2026-01-15T12:00:05,123Z', '2026-01-15T12:00:05.12aZ', '2026-01-15T12:00:05.-12Z',
      '2026-01-15T12:00:05.000ZZ', '2026-01-15T12:00:05.000Z ', ' 2026-01-15T12:00:05.000Z', '2026-1-15T12:00:05.000Z',
      '2026-01-15T12:00:5.000Z', '2026/01/15T12:00:05.000Z', '2026-01-15T12-00-05.000Z', 'x026-01-15T12:00:05.000Z',
      '2026-01-15T12:00:05.0000000000Z', '2026-01-15T12:00:05.000\u0000',
    ];
    assertSame(texts);
    assert.equal(parseTime('garbage'), null);
    assert.equal(parseTime('2026-01-15T12:00:05.000+02:00'), Date.UTC(2026, 0, 15, 10, 0, 5));
  });

  it('reads the same text twice in a row alike, and what follows it afresh', () => {
    const text = '2026-01-15T12:00:05.123Z';
    assert.equal(parseTime(text), Date.UTC(2026, 0, 15, 12, 0, 5, 123));
    assert.equal(parseTime(`2026-01-15T12:00:05.${'123'}Z`), Date.UTC(2026, 0, 15, 12, 0, 5, 123));
    assert.equal(parseTime('2026-01-15T12:00:05.12Z'), Date.UTC(2026, 0, 15, 12, 0, 5, 120));
    assert.equal(parseTime('2026-01-15T12:00:05.123'), Date.parse('2026-01-15T12:00:05.123'));
    assert.equal(parseTime('2026-13-15T12:00:05.123Z'), null);
    assert.equal(parseTime(text), Date.UTC(2026, 0, 15, 12, 0, 5, 123));
  });
});
