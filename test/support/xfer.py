"""A client and a server in one process exchange a known number of bytes over loopback.

usage: xfer.py 4|6 CLIENT_SENDS SERVER_SENDS
prints one JSON line: {"pid", "server_port", "client_port"} after both sockets are closed.
"""
import json
import os
import socket
import sys
import threading

family = socket.AF_INET6 if sys.argv[1] == '6' else socket.AF_INET
client_sends = int(sys.argv[2])
server_sends = int(sys.argv[3])
host = '::1' if family == socket.AF_INET6 else '127.0.0.1'

listener = socket.socket(family)
listener.bind((host, 0))
listener.listen()
server_port = listener.getsockname()[1]


def read_exactly(sock, n):
    got = 0
    while got < n:
        chunk = sock.recv(min(1 << 20, n - got))
        if not chunk:
            raise SystemExit(f'peer closed after {got} of {n} bytes')
        got += len(chunk)


def serve():
    conn, _ = listener.accept()
    read_exactly(conn, client_sends)
    conn.sendall(b's' * server_sends)
    conn.close()


thread = threading.Thread(target=serve)
thread.start()
client = socket.create_connection(listener.getsockname()[:2])
client_port = client.getsockname()[1]
client.sendall(b'c' * client_sends)
read_exactly(client, server_sends)
client.close()
thread.join()
listener.close()
print(json.dumps({'pid': os.getpid(), 'server_port': server_port, 'client_port': client_port}))
