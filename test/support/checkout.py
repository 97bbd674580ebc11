#!/usr/bin/env python3
"""A small Python service that calls Redis: what the UI test looks at.

GET /buy    INCR orders in Redis, 200
GET /cart   GET cart in Redis, 200
GET /fail   GET on a list (WRONGTYPE from Redis), 500

Usage: checkout.py <redis-port>; prints {"port": N} once listening on 127.0.0.1.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import redis

store = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]))
store.delete("basket")
store.rpush("basket", "x")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        status = 200
        try:
            if self.path == "/buy":
                body = str(store.incr("orders"))
            elif self.path == "/cart":
                body = str(store.get("cart"))
            elif self.path == "/fail":
                store.get("basket")
                body = "unexpected"
            else:
                status, body = 404, "no such page"
        except redis.exceptions.ResponseError as err:
            status, body = 500, str(err)
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(json.dumps({"port": server.server_address[1]}), flush=True)
server.serve_forever()
