// A Node TLS server for the TLS capture tests, run as a child process (Node links OpenSSL
// statically: its SSL_read/SSL_write are the node executable's own). Prints {"port": N} once listening.
//
// usage: node node-tls-server.mjs https|http2 CERT KEY
// Routes: /missing... -> 404 "missing\n"; anything else -> 200 "hello <path>\n" (query dropped).
import { readFileSync } from 'node:fs';
import { createServer as createHttps } from 'node:https';
import { createSecureServer } from 'node:http2';

const [mode, certFile, keyFile] = process.argv.slice(2);
const tls = { cert: readFileSync(certFile), key: readFileSync(keyFile) };

function answer(path, respond) {
  const p = path.replace(/\?.*$/, '');
  if (p.startsWith('/missing')) respond(404, 'missing\n');
  else respond(200, `hello ${p}\n`);
}

const server = mode === 'http2'
  ? createSecureServer(tls, (req, res) => answer(req.url, (status, body) => {
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }))
  : createHttps(tls, (req, res) => answer(req.url, (status, body) => {
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }));
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
