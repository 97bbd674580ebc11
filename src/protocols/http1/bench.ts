// Micro-benchmark of the HTTP/1 parser (not a test): messages per second for a typical keep-alive
// exchange, as captured from curl → nginx, one segment per message as socket capture delivers.
//
//   npx tsc -p tsconfig.json && node dist/src/protocols/http1/bench.js [seconds-per-round]
//
// Prints the median of several rounds; compare runs on the same machine only.

import { Http1Connection } from './connection.js';
import { Http1MessageParser } from './message-parser.js';
import type { Http1Request } from './types.js';

const REQUEST =
  'GET /api/v1/orders?customer=42&limit=20 HTTP/1.1\r\nHost: shop.internal:8080\r\n' +
  'User-Agent: curl/7.88.1\r\nAccept: */*\r\nAuthorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x\r\n\r\n';
const RESPONSE =
  'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sat, 21 Nov 2026 23:31:30 GMT\r\n' +
  'Content-Type: application/json\r\nContent-Length: 64\r\nConnection: keep-alive\r\n\r\n' +
  '{"orders":[{"id":1,"total":12.5},{"id":2,"total":7.25}],"n":2}\n ';

function encode(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const req = encode(REQUEST);
const res = encode(RESPONSE);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Runs `batch` for about `ms` milliseconds; returns operations per second. */
function measure(ms: number, batch: () => number): number {
  let ops = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    ops += batch();
    now = process.hrtime.bigint();
  }
  return ops / (Number(now - start) / 1e9);
}

function connectionBatch(): number {
  // One connection per 1000 exchanges, as on a busy keep-alive pool.
  const conn = new Http1Connection();
  let t = 0;
  let n = 0;
  for (let i = 0; i < 1000; i++) {
    conn.client(req, t++);
    n += conn.server(res, t++).length;
  }
  if (n !== 1000) throw new Error(`expected 1000 exchanges, got ${n}`);
  return 2000; // messages
}

let sink = 0;
const requestParser = Http1MessageParser.requests({
  onHead() {},
  onMessage(m: Http1Request) { sink += m.messageBytes; },
});
function requestBatch(): number {
  for (let i = 0; i < 1000; i++) requestParser.push(req, i);
  return 1000;
}

const seconds = Number(process.argv[2] ?? '1');
const roundMs = Math.max(100, seconds * 1000);
const ROUNDS = 5;

measure(300, connectionBatch); // warm-up: let the JIT settle before timing
measure(300, requestBatch);

const conn: number[] = [];
const parse: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  conn.push(measure(roundMs, connectionBatch));
  parse.push(measure(roundMs, requestBatch));
}

const connMsgs = median(conn);
const parseMsgs = median(parse);
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(`http1 keep-alive exchange (request ${req.length} B, response ${res.length} B), median of ${ROUNDS} rounds:`);
console.log(`  Http1Connection:        ${fmt(connMsgs)} messages/s  (${fmt(connMsgs / 2)} exchanges/s, ${(1e6 / connMsgs).toFixed(2)} µs/message)`);
console.log(`  request parser alone:   ${fmt(parseMsgs)} messages/s  (${(1e6 / parseMsgs).toFixed(2)} µs/message)`);
console.log(JSON.stringify({ bench: 'http1-parser', messagesPerSecond: Math.round(connMsgs), exchangesPerSecond: Math.round(connMsgs / 2), requestParserMessagesPerSecond: Math.round(parseMsgs), sink: sink > 0 }));
