"""A Python http.server for the HTTP capture tests (its service name must be "http-routes").

Listens on 127.0.0.1:0 and prints one JSON line, {"port": N}, once it accepts connections.
Speaks HTTP/1.1 (keep-alive) and answers:
  /ok       200, body "ok\n" with Content-Length
  /missing  404 (send_error: an HTML body with Content-Length)
  /boom     500 (send_error)
  /chunked  200, chunked body "abc" + "defgh" (8 bytes)
  /eof      200 with neither Content-Length nor chunking: the body ("until close\n", 12 bytes)
            ends when the server closes the connection
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, format, *args):  # noqa: A002 (quiet: the test reads stdout only)
        pass

    def do_GET(self):  # noqa: N802
        if self.path == '/ok':
            body = b'ok\n'
            self.send_response(200)
            self.send_header('Content-Type', 'text/plain')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == '/eof':
            self.send_response(200)
            self.send_header('Content-Type', 'text/plain')
            self.send_header('Connection', 'close')
            self.end_headers()
            self.wfile.write(b'until close\n')
            self.close_connection = True
        elif self.path == '/boom':
            self.send_error(500, 'boom')
        elif self.path == '/chunked':
            self.send_response(200)
            self.send_header('Content-Type', 'text/plain')
            self.send_header('Transfer-Encoding', 'chunked')
            self.end_headers()
            for piece in (b'abc', b'defgh'):
                self.wfile.write(b'%x\r\n%s\r\n' % (len(piece), piece))
                self.wfile.flush()
            self.wfile.write(b'0\r\n\r\n')
        else:
            self.send_error(404, 'not here')


server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
print(json.dumps({'port': server.server_address[1]}), flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
sys.exit(0)
