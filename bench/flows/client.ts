/**
 * Workload client, run as its own process: CONCURRENCY loops of connect, send a request, read
 * the whole response, close — as fast as they go for SECONDS. Connections still open at the
 * deadline are finished (the agent sees them) but do not count toward the rate.
 * Prints one JSON line (ClientResult) when every connection has closed.
 *
 * usage: node client.js PORT SECONDS CONCURRENCY REQUEST_BYTES RESPONSE_BYTES
 */
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface ClientResult {
  /** Connections that finished with a full response within the window. */
  completed: number;
  /** Every connection attempted, including late and failed ones: what the kernel saw. */
  opened: number;
  failed: number;
  /** Length of the measured window. */
  seconds: number;
  firstError: string | null;
}

const [port, seconds, concurrency, requestBytes, responseBytes] = process.argv.slice(2, 7).map(Number) as [number, number, number, number, number];
const request = Buffer.alloc(requestBytes, 0x63);

let stopping = false;
let active = 0;
const result: ClientResult = { completed: 0, opened: 0, failed: 0, seconds: 0, firstError: null };

function next(): void {
  if (stopping) {
    if (--active === 0) finish();
    return;
  }
  result.opened++;
  let received = 0;
  let error: Error | null = null;
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  socket.on('connect', () => socket.write(request));
  socket.on('data', (chunk) => { received += chunk.length; });
  socket.on('error', (err) => { error = err; });
  socket.on('close', () => {
    if (error === null && received === responseBytes) {
      if (!stopping) result.completed++;
    } else {
      result.failed++;
      result.firstError ??= error === null ? `short response: ${received} of ${responseBytes} bytes` : (error as Error).message;
    }
    next();
  });
}

const started = performance.now();
function finish(): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

setTimeout(() => {
  stopping = true;
  result.seconds = (performance.now() - started) / 1000;
}, seconds * 1000);
for (let i = 0; i < concurrency; i++) {
  active++;
  next();
}
