/**
 * Workload server, run as its own process: reads a fixed-size request, answers with a fixed-size
 * response and closes first, like an HTTP/1.0 server, so TIME_WAIT sits on the server side and
 * the client never runs out of ephemeral ports. Prints `{"port":N}` once listening.
 *
 * usage: node server.js REQUEST_BYTES RESPONSE_BYTES
 */
import { createServer } from 'node:net';

const requestBytes = Number(process.argv[2] ?? 4096);
const response = Buffer.alloc(Number(process.argv[3] ?? 4096), 0x73);

const server = createServer((socket) => {
  let received = 0;
  socket.setNoDelay(true);
  socket.on('data', (chunk) => {
    received += chunk.length;
    if (received >= requestBytes) socket.end(response);
  });
  // A client cut off at the end of a measurement may reset; that is not the server's problem.
  socket.on('error', () => socket.destroy());
});

server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server: no TCP address');
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});

const stop = (): void => {
  server.close(() => process.exit(0));
  // Idle sockets in the middle of a close must not keep the process up.
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
