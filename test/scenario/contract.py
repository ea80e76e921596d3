"""A varied, static set of sockets for the contract suite (test/contract.test.ts).

`build(dir=DIR, scale=N, embryo=False)`, inside a private network namespace whose lo is up:
TCP (LISTEN, ESTABLISHED, v4-mapped, unread and unsent data, accept queue, TIME_WAIT,
CLOSE_WAIT, FIN_WAIT2, keepalive timers), UDP (bound, connected, queued datagrams), UDP-Lite,
RAW and UNIX sockets (every type, paths under DIR/u, abstract names with NULs, autobind,
unbound, DGRAM server with clients), some held by a second process running as uid 65534, plus
N extra TCP connections and N/2 UNIX pairs. With `embryo`, a UNIX listener also keeps a
connection waiting to be accepted. Returns {"pids": [this process, the uid-65534 one]}.
"""
import os
import socket
import time

from build import (DGRAM, IPPROTO_UDPLITE, SEQPACKET, STREAM, dgram, drop, keep, listener, optional, pair,
                   raw, run_as, unix, v4, v6)


def tcp_set(scale):
    l4 = listener(v4, '127.0.0.1', 7001, backlog=128)
    l6 = listener(v6, '::', 7002, backlog=128, v6only=False)
    l6only = listener(v6, '::1', 7003, backlog=128, v6only=True)
    pair(l4, v4, '127.0.0.1', 7001)
    pair(l6, v4, '127.0.0.1', 7002)  # server side is v4-mapped
    pair(l6, v6, '::1', 7002)
    pair(l6only, v6, '::1', 7003)

    c, s = pair(l4, v4, '127.0.0.1', 7001)
    c.sendall(b'x' * 1000)  # unread: server Recv-Q 1000

    c, s = pair(l4, v4, '127.0.0.1', 7001, rcvbuf=4096)
    s.setblocking(False)
    try:
        while True:
            s.send(b'y' * 65536)  # the reader never reads: Send-Q grows
    except BlockingIOError:
        pass

    c, s = pair(l4, v4, '127.0.0.1', 7001)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 600)  # keepalive timer pending

    listener(v4, '127.0.0.1', 7004, backlog=8)
    for _ in range(3):  # accept queue: LISTEN Recv-Q 3, children with inode 0
        keep(socket.create_connection(('127.0.0.1', 7004)))

    c, s = pair(l4, v4, '127.0.0.1', 7001)
    for end in (c, s):  # active close: TIME_WAIT on the client side once the server closes too
        drop(end)
        end.close()

    c, s = pair(l6, v6, '::1', 7002)
    c.shutdown(socket.SHUT_WR)  # client FIN_WAIT2, server CLOSE_WAIT

    for i in range(scale):
        if i % 3 == 2:
            pair(l6, v6, '::1', 7002)
        else:
            pair(l4, v4, '127.0.0.1', 7001)


def udp_set():
    dgram(v4, '0.0.0.0', 7101)
    dgram(v4, '127.0.0.1', 7102)
    c4 = dgram(v4, connect_to=('127.0.0.1', 7101))
    for _ in range(3):
        c4.send(b'z' * 100)  # queued datagrams: memory in Recv-Q of the first
    dgram(v6, '::', 7103)
    dgram(v6, connect_to=('::1', 7103))
    optional(lambda: dgram(v4, '127.0.0.1', 7201, proto=IPPROTO_UDPLITE))
    optional(lambda: dgram(v6, '::', 7202, proto=IPPROTO_UDPLITE))
    for protocol in (1, 253):
        optional(lambda: raw(v4, protocol))
    for protocol in (58, 253):
        optional(lambda: raw(v6, protocol))


def unix_set(base, scale, embryo):
    os.makedirs(base, exist_ok=True)
    server = unix(STREAM, os.path.join(base, 'stream server'), backlog=8)
    keep(socket.socket(socket.AF_UNIX, STREAM)).connect(os.path.join(base, 'stream server'))
    keep(server.accept()[0])
    if embryo:
        keep(socket.socket(socket.AF_UNIX, STREAM)).connect(os.path.join(base, 'stream server'))
    for kind in (STREAM, DGRAM, SEQPACKET):
        for end in socket.socketpair(socket.AF_UNIX, kind):
            keep(end)
    unix(DGRAM, '\0contract\0dgram')
    for _ in range(3):
        unix(DGRAM).connect('\0contract\0dgram')
    unix(DGRAM, '')  # autobind: a 5-hex-digit abstract name
    unix(DGRAM)  # unbound
    unix(SEQPACKET, '\0contract-seq')
    unix(DGRAM, os.path.join(base, 'caf\u00e9'))
    for _ in range(scale // 2):
        for end in socket.socketpair():
            keep(end)


def nobody_sockets():
    """TCP, UDP and UNIX sockets owned by uid 65534."""
    listener(v4, '127.0.0.1', 7301, backlog=4, reuse=False)
    dgram(v4, '127.0.0.1', 7302)
    unix(DGRAM)


def build(dir, scale, embryo=False):
    nobody = run_as(65534, nobody_sockets)
    tcp_set(scale)
    udp_set()
    unix_set(os.path.join(dir, 'u'), scale, embryo)
    time.sleep(0.3)  # let closing connections settle into TIME_WAIT / FIN_WAIT2
    return {'pids': [os.getpid(), nobody]}
