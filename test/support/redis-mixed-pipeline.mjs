// A Redis client for the tally test: `rounds` times, one write holding a transaction of four
// different commands (MULTI, SET, INCR, EXEC), then a wait for its four replies. `short`: the
// write is ~80 bytes; `long`: SET carries a 300-byte value, so the write is past the 128 bytes the
// kernel's tally reads from its head and is walked from the packet instead.
// usage: node redis-mixed-pipeline.mjs <port> <rounds> short|long
import { connect } from 'node:net';

const [port, rounds, shape] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
if (!(port > 0) || !(rounds > 0) || (shape !== 'short' && shape !== 'long')) {
  console.error('usage: node redis-mixed-pipeline.mjs <port> <rounds> short|long');
  process.exit(2);
}
const command = (...args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
const value = shape === 'short' ? 'v' : 'x'.repeat(300);
const write = command('MULTI') + command('SET', 'mixed:k', value) + command('INCR', 'mixed:n') + command('EXEC');

/** Whole top-level RESP2 replies at the start of `b`, and where they end. */
function replies(b) {
  let at = 0;
  let count = 0;
  const one = () => {
    const lineStart = at;
    const eol = b.indexOf('\r\n', at);
    if (eol < 0) return false;
    const type = String.fromCharCode(b[at]);
    const n = Number(b.toString('latin1', at + 1, eol));
    at = eol + 2;
    if (type === '$') {
      if (n < 0) return true;
      if (b.length < at + n + 2) return false;
      at += n + 2;
      return true;
    }
    if (type === '*') {
      for (let i = 0; i < n; i++) if (!one()) return false;
      return true;
    }
    if (type === '-') throw new Error(`redis error: ${b.toString('latin1', lineStart, eol)}`);
    return true;
  };
  for (;;) {
    const mark = at;
    if (at >= b.length || !one()) return { count, at: mark };
    count++;
  }
}

const socket = connect({ host: '127.0.0.1', port });
socket.setNoDelay(true);
await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
let pending = Buffer.alloc(0);
let waiting = null;
socket.on('data', (d) => {
  pending = Buffer.concat([pending, d]);
  const r = replies(pending);
  if (waiting !== null && r.count >= 4) {
    pending = pending.subarray(r.at);
    const done = waiting;
    waiting = null;
    done();
  }
});
for (let i = 0; i < rounds; i++) {
  await new Promise((resolve) => { waiting = resolve; socket.write(write); });
}
socket.end();
