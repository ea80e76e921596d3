"""The sockets of the fault tests (test/faults/): built by the batch runner itself, which is
PID 1 of the fault namespace, so `-p` names them `1/python3`.

Root (this process): TCP 127.0.0.1:7101 (listener, one connection), TCP ::1:7102, UDP
127.0.0.1:7103, raw ICMP and ICMPv6, UNIX @faults-root (listener and a connection). A
dumpable uid-65534 child, made first: TCP 127.0.0.1:7104 and UNIX @faults-nobody.
"""
import socket

from build import dgram, listener, pair, raw, run_as, unix_connection, v4, v6


def nobody_sockets():
    listener(v4, '127.0.0.1', 7104, backlog=8)
    unix_connection('\0faults-nobody')  # none left waiting: unix_diag could not list it


def build():
    # Changing uid made the child non-dumpable, which gives its /proc files to root; an ordinary
    # user's process is dumpable.
    run_as(65534, nobody_sockets, dumpable=True)
    server = listener(v4, '127.0.0.1', 7101, backlog=8)
    pair(server)
    listener(v6, '::1', 7102, backlog=8)
    dgram(v4, '127.0.0.1', 7103)
    raw(v4, socket.IPPROTO_ICMP)
    raw(v6, socket.IPPROTO_ICMPV6)
    unix_connection('\0faults-root')
