"""Sockets that break net-tools' usual server pattern (test/query/remote-port-zero.test.ts):
TCP sockets with remote port 0 in ESTABLISHED (TCP_REPAIR, v4 and v6) beside a real listener
and connection, a UDP socket connected to port 0, a plain UDP socket, a RAW socket bound and
connected, and an unbound one."""

from build import dgram, listener, pair, raw, repaired, v4, v6


def build():
    repaired(v4, '127.0.0.1', 41000)
    repaired(v6, '::1', 41001)
    pair(listener(v4, '127.0.0.1', 41002, backlog=4, reuse=False))
    dgram(v4, '127.0.0.1', 41003, connect_to=('127.0.0.1', 0))
    dgram(v4, '127.0.0.1', 41004)
    r = raw(v4, 89)
    r.bind(('127.0.0.1', 0))
    r.connect(('127.0.0.2', 0))
    raw(v4, 253)
