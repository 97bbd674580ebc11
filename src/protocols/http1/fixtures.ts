// Real HTTP/1.x bytes captured on a development machine with a recording TCP proxy between
// the client and the server, chunk boundaries as the proxy read them (latin1 strings).
// Servers: python3 -m http.server (3.11), nginx 1.22.1, Node 20 http; client: curl 7.88.1.
// Test data only: not imported by the agent.

export interface CapturedConnection {
  /** What was run to produce it. */
  how: string;
  /** Client → server segments, in order. */
  client: string[];
  /** Server → client segments, in order. */
  server: string[];
}

export const PYTHON_GET: CapturedConnection = {
  how: "curl → python3 -m http.server: GET of a 17-byte file (HTTP/1.0 response, Content-Length)",
  client: [
    "GET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1:18401\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
  ],
  server: [
    "HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.7\r\nDate: Sat, 21 Nov 2026 23:31:30 GMT\r\nContent-type: text/plain\r\nContent-Length: 17\r\nLast-Modified: Sat, 21 Nov 2026 23:31:24 GMT\r\n\r\nhello from sonde\n",
  ],
};

export const PYTHON_HEAD: CapturedConnection = {
  how: "curl -I → python3 -m http.server: HEAD, response has Content-Length but no body",
  client: [
    "HEAD /hello.txt HTTP/1.1\r\nHost: 127.0.0.1:18401\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
  ],
  server: [
    "HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.7\r\nDate: Sat, 21 Nov 2026 23:31:30 GMT\r\nContent-type: text/plain\r\nContent-Length: 17\r\nLast-Modified: Sat, 21 Nov 2026 23:31:24 GMT\r\n\r\n",
  ],
};

export const NODE_CHUNKED_TRAILERS: CapturedConnection = {
  how: "curl → Node http: chunked response with a trailer (res.addTrailers)",
  client: [
    "GET /chunked HTTP/1.1\r\nHost: 127.0.0.1:18412\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
  ],
  server: [
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTrailer: X-Checksum\r\nDate: Sat, 21 Nov 2026 23:35:38 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\n\r\nc\r\nfirst chunk\n\r\n1d\r\nsecond, longer chunk of data\n\r\n0\r\nX-Checksum: abc123\r\n\r\n",
  ],
};

export const NODE_204: CapturedConnection = {
  how: "curl → Node http: 204 No Content",
  client: [
    "GET /nocontent HTTP/1.1\r\nHost: 127.0.0.1:18412\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
  ],
  server: [
    "HTTP/1.1 204 No Content\r\nDate: Sat, 21 Nov 2026 23:35:38 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n",
  ],
};

export const NODE_CLOSE_DELIMITED: CapturedConnection = {
  how: "curl --http1.0 → Node http: response without length, ends at close (two segments)",
  client: [
    "GET /stream HTTP/1.0\r\nHost: 127.0.0.1:18412\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
  ],
  server: [
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Sat, 21 Nov 2026 23:35:38 GMT\r\nConnection: close\r\n\r\npart one\n",
    "part two\nthe end\n",
  ],
};

export const NODE_100_CONTINUE: CapturedConnection = {
  how: "curl -H 'Expect: 100-continue' --data-binary @file → Node http",
  client: [
    "POST /upload HTTP/1.1\r\nHost: 127.0.0.1:18411\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nExpect: 100-continue\r\nContent-Length: 96\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n",
    "name=sonde&probe=cgroup_skb&payload=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
  ],
  server: [
    "HTTP/1.1 100 Continue\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Sat, 21 Nov 2026 23:31:36 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 15\r\n\r\n{\"received\":96}",
  ],
};

export const NODE_CHUNKED_UPLOAD: CapturedConnection = {
  how: "curl -H 'Transfer-Encoding: chunked' --data-binary @file → Node http",
  client: [
    "POST /upload HTTP/1.1\r\nHost: 127.0.0.1:18411\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n60\r\nname=sonde&probe=cgroup_skb&payload=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n0\r\n\r\n",
  ],
  server: [
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Sat, 21 Nov 2026 23:31:36 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 15\r\n\r\n{\"received\":96}",
  ],
};

export const NGINX_KEEPALIVE: CapturedConnection = {
  how: "curl URL1 URL2 → nginx: two exchanges on one connection",
  client: [
    "GET /api HTTP/1.1\r\nHost: 127.0.0.1:18481\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
    "GET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1:18481\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
  ],
  server: [
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sat, 21 Nov 2026 23:31:30 GMT\r\nContent-Type: application/json\r\nContent-Length: 15\r\nConnection: keep-alive\r\n\r\n{\"status\":\"ok\"}",
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sat, 21 Nov 2026 23:31:30 GMT\r\nContent-Type: text/plain\r\nContent-Length: 17\r\nLast-Modified: Sat, 21 Nov 2026 23:31:24 GMT\r\nConnection: keep-alive\r\nETag: \"6b0229cc-11\"\r\nAccept-Ranges: bytes\r\n\r\nhello from sonde\n",
  ],
};

export const NGINX_HEAD: CapturedConnection = {
  how: "curl -I → nginx",
  client: [
    "HEAD /hello.txt HTTP/1.1\r\nHost: 127.0.0.1:18481\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
  ],
  server: [
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sat, 21 Nov 2026 23:31:30 GMT\r\nContent-Type: text/plain\r\nContent-Length: 17\r\nLast-Modified: Sat, 21 Nov 2026 23:31:24 GMT\r\nConnection: keep-alive\r\nETag: \"6b0229cc-11\"\r\nAccept-Ranges: bytes\r\n\r\n",
  ],
};

export const NGINX_304: CapturedConnection = {
  how: "curl -H If-None-Match → nginx: 304 Not Modified",
  client: [
    "GET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1:18481\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nIf-None-Match: \"6b0229cc-11\"\r\n\r\n",
  ],
  server: [
    "HTTP/1.1 304 Not Modified\r\nServer: nginx/1.22.1\r\nDate: Sat, 21 Nov 2026 23:31:30 GMT\r\nLast-Modified: Sat, 21 Nov 2026 23:31:24 GMT\r\nConnection: keep-alive\r\nETag: \"6b0229cc-11\"\r\n\r\n",
  ],
};

export const NGINX_SECRETS: CapturedConnection = {
  how: "curl with Cookie and Authorization → nginx",
  client: [
    "GET /api HTTP/1.1\r\nHost: 127.0.0.1:18481\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nCookie: session=s3cr3t\r\nAuthorization: Bearer tok\r\n\r\n",
  ],
  server: [
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sat, 21 Nov 2026 23:31:30 GMT\r\nContent-Type: application/json\r\nContent-Length: 15\r\nConnection: keep-alive\r\n\r\n{\"status\":\"ok\"}",
  ],
};

export const NGINX_PIPELINED: CapturedConnection = {
  how: "three pipelined requests in one write (node net) → nginx, last one Connection: close",
  client: [
    "GET /api HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /missing HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
  ],
  server: [
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sat, 21 Nov 2026 23:31:30 GMT\r\nContent-Type: application/json\r\nContent-Length: 15\r\nConnection: keep-alive\r\n\r\n{\"status\":\"ok\"}HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sat, 21 Nov 2026 23:31:30 GMT\r\nContent-Type: text/plain\r\nContent-Length: 17\r\nLast-Modified: Sat, 21 Nov 2026 23:31:24 GMT\r\nConnection: keep-alive\r\nETag: \"6b0229cc-11\"\r\nAccept-Ranges: bytes\r\n\r\nhello from sonde\nHTTP/1.1 404 Not Found\r\nServer: nginx/1.22.1\r\nDate: Sat, 21 Nov 2026 23:31:30 GMT\r\nContent-Type: text/html\r\nContent-Length: 153\r\nConnection: close\r\n\r\n<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n",
  ],
};

/**
 * Written by hand from RFC 6455 §1.2 (handshake) and §5.7 (frames): a masked client "Hello" text
 * frame and an unmasked server "Hello" text frame follow the handshake.
 */
export const RFC6455_WEBSOCKET: CapturedConnection = {
  how: 'RFC 6455 §1.2 handshake + §5.7 example frames',
  client: [
    'GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\n' +
      'Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n',
    '\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58',
  ],
  server: [
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n',
    '\x81\x05\x48\x65\x6c\x6c\x6f',
  ],
};

/** latin1 string → bytes (one byte per char, as captured). */
export function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** All segments of one direction joined. */
export function joined(segments: readonly string[]): string {
  return segments.join('');
}
