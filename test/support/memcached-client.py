# A memcached text-protocol client for the capture test: the same conversation `rounds` times on
# one connection. Each command waits for its whole reply, except three gets sent in one write.
# Replies are known in advance and checked byte for byte, so the test's counts stand on what the
# server really answered.
import socket
import sys

port, rounds = int(sys.argv[1]), int(sys.argv[2])
CONVERSATION = [
    (b'set k1 0 0 5\r\nhello\r\n', b'STORED\r\n'),
    (b'get k1\r\n', b'VALUE k1 0 5\r\nhello\r\nEND\r\n'),
    (b'get missing\r\n', b'END\r\n'),
    (b'incr nocounter 1\r\n', b'NOT_FOUND\r\n'),
    (b'delete k1\r\n', b'DELETED\r\n'),
    (b'bogus\r\n', b'ERROR\r\n'),
    (b'get a\r\nget b\r\nget c\r\n', b'END\r\nEND\r\nEND\r\n'),
]

s = socket.create_connection(('127.0.0.1', port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for _ in range(rounds):
    for command, reply in CONVERSATION:
        s.sendall(command)
        got = b''
        while len(got) < len(reply):
            chunk = s.recv(4096)
            if not chunk:
                sys.exit(f'server closed after {got!r} for {command!r}')
            got += chunk
        if got != reply:
            sys.exit(f'{command!r}: expected {reply!r}, got {got!r}')
s.sendall(b'quit\r\n')
s.recv(1)
s.close()
print('ok')
