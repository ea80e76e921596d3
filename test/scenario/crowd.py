"""A root process holding a few thousand sockets: one TCP listener on 127.0.0.1 and 2000
loopback connections to it, both ends held (test/cli/process.test.ts: a dump and an fd walk
of that size are likely to overlap)."""
from build import listener, pair, v4


def build():
    server = listener(v4, '127.0.0.1', 0, backlog=4096, reuse=False)
    for _ in range(2000):
        pair(server)
