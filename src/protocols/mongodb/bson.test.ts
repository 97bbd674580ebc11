import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
// The official BSON implementation (shipped with the driver) serves as the oracle for the bytes.
import { BSON, BSONRegExp, Binary, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'mongodb';
import { encodeBsonDocument } from '../../../test/support/mongo-responder.js';
import {
  BSON_MAX_DEPTH, BSON_STRING, bsonName, bsonNameIs, bsonNumberValue, bsonStringValue, decodeBsonDocument,
  walkBsonDocument, type BsonDocument, type BsonWalkEnd,
} from './bson.js';

function official(doc: Record<string, unknown>): Uint8Array {
  return new Uint8Array(BSON.serialize(doc));
}

function names(bytes: Uint8Array, start = 0): { names: string[]; end: BsonWalkEnd } {
  const out: string[] = [];
  const end = walkBsonDocument(bytes, start, (e) => { out.push(bsonName(bytes, e)); return true; });
  return { names: out, end };
}

const ALL_TYPES = {
  double: new Double(1.5),
  string: 'héllo ✓',
  doc: { inner: new Int32(7) },
  array: ['a', new Int32(2), { b: true }],
  binary: new Binary(Buffer.from([1, 2, 3]), 4),
  objectId: new ObjectId('65a1b2c3d4e5f60718293a4b'),
  bool: false,
  date: new Date(1_700_000_000_123),
  null: null,
  regex: new BSONRegExp('^a.c$', 'i'),
  code: new Code('function () {}'),
  int32: new Int32(-42),
  timestamp: new Timestamp({ t: 1_700_000_000, i: 3 }),
  int64: Long.fromString('-9007199254740993'),
  decimal: Decimal128.fromString('1.25'),
  min: new MinKey(),
  max: new MaxKey(),
};

describe('BSON decoding', () => {
  it('decodes every type the official library writes, in field order', () => {
    const doc = decodeBsonDocument(official(ALL_TYPES));
    assert.ok(doc !== null);
    assert.deepEqual([...doc.keys()], Object.keys(ALL_TYPES));
    assert.equal(doc.get('double'), 1.5);
    assert.equal(doc.get('string'), 'héllo ✓');
    assert.deepEqual(doc.get('doc'), new Map([['inner', 7]]));
    assert.deepEqual(doc.get('array'), ['a', 2, new Map([['b', true]])]);
    assert.deepEqual(doc.get('binary'), { bsonType: 'binary', subtype: 4, bytes: Uint8Array.of(1, 2, 3) });
    assert.deepEqual(doc.get('objectId'), { bsonType: 'objectId', hex: '65a1b2c3d4e5f60718293a4b' });
    assert.equal(doc.get('bool'), false);
    assert.deepEqual(doc.get('date'), { bsonType: 'date', ms: 1_700_000_000_123n });
    assert.equal(doc.get('null'), null);
    assert.deepEqual(doc.get('regex'), { bsonType: 'regex', pattern: '^a.c$', flags: 'i' });
    assert.deepEqual(doc.get('code'), { bsonType: 'javascript', code: 'function () {}' });
    assert.equal(doc.get('int32'), -42);
    assert.deepEqual(doc.get('timestamp'), { bsonType: 'timestamp', seconds: 1_700_000_000, increment: 3 });
    assert.equal(doc.get('int64'), -9007199254740993n);
    const decimal = doc.get('decimal') as { bsonType: string; bytes: Uint8Array };
    assert.equal(decimal.bsonType, 'decimal128');
    assert.deepEqual(decimal.bytes, new Uint8Array(Decimal128.fromString('1.25').bytes));
    assert.deepEqual(doc.get('min'), { bsonType: 'minKey' });
    assert.deepEqual(doc.get('max'), { bsonType: 'maxKey' });
  });

  it('keeps the wire order of keys that look like numbers', () => {
    const bytes = encodeBsonDocument(new Map([['b', 1], ['2', 2], ['1', 3]]));
    assert.deepEqual([...decodeBsonDocument(bytes)!.keys()], ['b', '2', '1']);
  });

  it('the responder encoder writes what the official library writes', () => {
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ ok: 1.0 }, { ok: new Double(1) }],
      [{ n: 2, ok: 1.0 }, { n: new Int32(2), ok: new Double(1) }],
      [
        { cursor: { firstBatch: [{ item: 'pen', price: 1.5 }], id: 0n, ns: 'shop.orders' }, ok: 1.0 },
        { cursor: { firstBatch: [{ item: 'pen', price: new Double(1.5) }], id: Long.fromNumber(0), ns: 'shop.orders' }, ok: new Double(1) },
      ],
      [
        { ok: 0.0, errmsg: 'ns not found', code: 26, codeName: 'NamespaceNotFound' },
        { ok: new Double(0), errmsg: 'ns not found', code: new Int32(26), codeName: 'NamespaceNotFound' },
      ],
      [{ flag: true, none: null, big: 2 ** 40 }, { flag: true, none: null, big: new Double(2 ** 40) }],
    ];
    for (const [mine, theirs] of cases) {
      assert.deepEqual(new Uint8Array(encodeBsonDocument(mine as never)), official(theirs), Object.keys(mine).join());
    }
  });
});

describe('BSON walking', () => {
  const bytes = official({ find: 'orders', filter: { qty: { $gt: 1 } }, limit: new Int32(5), $db: 'shop' });

  it('visits top-level elements only, in order', () => {
    assert.deepEqual(names(bytes), { names: ['find', 'filter', 'limit', '$db'], end: 'complete' });
  });

  it('reads values in place', () => {
    walkBsonDocument(bytes, 0, (e) => {
      if (bsonNameIs(bytes, e, 'find')) {
        assert.equal(bsonStringValue(bytes, e), 'orders');
        assert.equal(bsonNameIs(bytes, e, 'fin'), false);
        assert.equal(e.type, BSON_STRING);
      }
      if (bsonNameIs(bytes, e, 'limit')) assert.equal(bsonNumberValue(bytes, e), 5);
      if (bsonNameIs(bytes, e, 'filter')) {
        assert.equal(bsonStringValue(bytes, e), null, 'a document is not a string');
        assert.equal(bsonNumberValue(bytes, e), null);
      }
      return true;
    });
  });

  it('caps long strings', () => {
    const long = official({ s: 'z'.repeat(5000) });
    walkBsonDocument(long, 0, (e) => { assert.equal(bsonStringValue(long, e, 10), 'z'.repeat(10)); return true; });
  });

  it('a visitor can stop the walk', () => {
    let seen = 0;
    assert.equal(walkBsonDocument(bytes, 0, () => ++seen < 2), 'stopped');
    assert.equal(seen, 2);
  });

  it('every prefix is cut, never complete, and yields the elements it holds', () => {
    const full = names(bytes).names;
    for (let n = 0; n < bytes.length; n++) {
      const { names: got, end } = names(bytes.subarray(0, n));
      assert.equal(end, 'cut', `prefix ${n}`);
      assert.deepEqual(got, full.slice(0, got.length), `prefix ${n}`);
      assert.equal(decodeBsonDocument(bytes.subarray(0, n)), null);
    }
  });

  const invalid: { name: string; bytes: number[] }[] = [
    { name: 'size below 5', bytes: [4, 0, 0, 0, 0] },
    { name: 'no terminator', bytes: [6, 0, 0, 0, 0x0a, 0x61] },
    { name: 'terminator early', bytes: [8, 0, 0, 0, 0, 0, 0, 0] },
    { name: 'unknown type', bytes: [8, 0, 0, 0, 0x42, 0x61, 0, 0] },
    { name: 'string overruns document', bytes: [13, 0, 0, 0, 0x02, 0x61, 0, 9, 0, 0, 0, 0x62, 0] },
    { name: 'negative string length', bytes: [13, 0, 0, 0, 0x02, 0x61, 0, 0xff, 0xff, 0xff, 0xff, 0, 0] },
    { name: 'document beyond the limit', bytes: [5, 0, 0, 0, 0] },
  ];
  for (const c of invalid) {
    it(`invalid: ${c.name}`, () => {
      const b = Uint8Array.from(c.bytes);
      const limit = c.name === 'document beyond the limit' ? 4 : undefined;
      assert.equal(walkBsonDocument(b, 0, () => true, limit), 'invalid');
      if (limit === undefined) assert.equal(decodeBsonDocument(b), null);
    });
  }

  it('too short: fewer than 4 bytes is cut', () => {
    assert.equal(walkBsonDocument(Uint8Array.of(5, 0), 0, () => true), 'cut');
    assert.equal(walkBsonDocument(new Uint8Array(0), 0, () => true), 'cut');
  });

  it('nesting deeper than the limit is refused, not a stack overflow', () => {
    let doc: BsonDocument = new Map();
    for (let i = 0; i < BSON_MAX_DEPTH + 5; i++) doc = new Map([['d', doc]]);
    const bytes = encodeBsonDocument(doc);
    assert.equal(names(bytes).end, 'complete');
    assert.equal(decodeBsonDocument(bytes), null);
    let shallow: BsonDocument = new Map();
    for (let i = 0; i < 10; i++) shallow = new Map([['d', shallow]]);
    assert.ok(decodeBsonDocument(encodeBsonDocument(shallow)) !== null);
  });

  it('random bytes never throw', () => {
    let seed = 7;
    const next = (): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed >>> 24; };
    for (let i = 0; i < 20_000; i++) {
      const b = new Uint8Array(4 + (i % 60));
      for (let k = 0; k < b.length; k++) b[k] = next();
      b[0] = b.length; b[1] = 0; b[2] = 0; b[3] = 0;
      walkBsonDocument(b, 0, () => true);
      decodeBsonDocument(b);
    }
  });
});
