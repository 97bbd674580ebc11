// A Node `http` server for the HTTP capture tests, run as a child process (so it is not the
// agent's own pid). Listens on [::]:0 (dual stack: 127.0.0.1 and ::1) and prints one JSON line,
// {"port": N}, once it accepts connections.
//
// Routes (every body is known to the test byte for byte):
//   GET  /hello, /p1, /p2, /p3 ...  200, body "hello <path>\n" with Content-Length
//   GET  /chunked                   200, chunked body: "aaaa" + "bbbbbbb" + "c" (12 bytes)
//   GET  /big?n=N                   200, N bytes of "x" with Content-Length
//   GET  /cookie                    200 with a Set-Cookie header
//   POST /upload                    200, body "received <n>\n" (n = request body bytes);
//                                   Expect: 100-continue is answered by Node's own 100 Continue
//   Upgrade: websocket              101, then one 2-byte unmasked frame back per data chunk
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'POST' && url.pathname === '/upload') {
    let received = 0;
    req.on('data', (d) => { received += d.length; });
    req.on('end', () => {
      const body = `received ${received}\n`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    return;
  }
  if (url.pathname === '/chunked') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('aaaa');
    setTimeout(() => {
      res.write('bbbbbbb');
      setTimeout(() => res.end('c'), 5);
    }, 5);
    return;
  }
  if (url.pathname === '/big') {
    const n = Number(url.searchParams.get('n') ?? '1048576');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': n });
    res.end(Buffer.alloc(n, 0x78));
    return;
  }
  if (url.pathname === '/cookie') {
    const body = 'cookie set\n';
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'set-cookie': 'session=s3cr3t; HttpOnly' });
    res.end(body);
    return;
  }
  const body = `hello ${url.pathname}\n`;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});

server.on('upgrade', (req, socket) => {
  const key = String(req.headers['sec-websocket-key'] ?? '');
  const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${accept}\r\n\r\n`);
  // Not a websocket implementation: one small unmasked text frame ("ok") per chunk received.
  socket.on('data', () => socket.write(Buffer.from([0x81, 0x02, 0x6f, 0x6b])));
  socket.on('end', () => socket.end());
  socket.on('error', () => socket.destroy());
});

server.listen(0, '::', () => {
  const address = server.address();
  process.stdout.write(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }) + '\n');
});

process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
