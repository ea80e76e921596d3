"""Known sockets for the exporter's namespace tests (test/exporter/).

`build(established=E, listeners=L)`, inside a private network namespace whose lo is up: L TCP
listeners on 127.0.0.1 (ports 21000, 21001, ...), one more on 0.0.0.0:21999 and one on
[::1]:21998, E loopback TCP connections to the first listener (2 x E ESTABLISHED sockets, both
ends here), two unconnected UDP sockets (127.0.0.1:21500, 0.0.0.0:21501) and one connected UDP
socket, and a bytes-in-queue connection: 1000 unread bytes at one end. Returns {"pid": ...}.
"""
import os
import time

from build import dgram, listener, pair, v4, v6


def build(established, listeners):
    servers = [listener(v4, '127.0.0.1', 21000 + i, backlog=4096) for i in range(listeners)]
    listener(v4, '0.0.0.0', 21999, backlog=4096)
    listener(v6, '::1', 21998, backlog=4096, v6only=True)
    client = None
    for _ in range(established):
        client, _ = pair(servers[0])
    # One connection whose receiving end leaves 1000 bytes unread (part of the established count).
    if client is not None:
        client.sendall(b'x' * 1000)
    dgram(v4, '127.0.0.1', 21500)
    dgram(v4, '0.0.0.0', 21501)
    dgram(v4, connect_to=('127.0.0.1', 21500))
    time.sleep(0.2)  # let the queued bytes land
    return {'pid': os.getpid()}
