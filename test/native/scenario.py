#!/usr/bin/env python3
"""A varied, static set of sockets for the contract suite (test/contract.test.ts).

Run inside a private network namespace (unshare -n; lo must be up):
    scenario.py OUTDIR SCALE [embryo]
Creates TCP (LISTEN, ESTABLISHED, v4-mapped, unread and unsent data, accept
queue, TIME_WAIT, CLOSE_WAIT, FIN_WAIT2, keepalive timers), UDP (bound,
connected, queued datagrams), UDP-Lite, RAW and UNIX sockets (every type,
paths, abstract names with NULs, autobind, unbound, DGRAM server with
clients), some held by a second process running as uid 65534, plus SCALE
extra TCP connections and UNIX pairs. With `embryo`, a UNIX listener also
keeps a connection waiting to be accepted. Writes OUTDIR/ready (pids, one
per line) when everything is in place, then sleeps until killed (at most
10 minutes).
"""
import os
import socket
import sys
import time

out_dir = sys.argv[1]
scale = int(sys.argv[2])
embryo = len(sys.argv) > 3 and sys.argv[3] == 'embryo'
keep = []
IPPROTO_UDPLITE = 136


def listener(family, address, backlog=128, v6only=None):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind(address)
    s.listen(backlog)
    keep.append(s)
    return s


def connect(family, address, server):
    c = socket.socket(family, socket.SOCK_STREAM)
    c.connect(address)
    s, _ = server.accept()
    keep.extend([c, s])
    return c, s


def optional(make):
    try:
        keep.append(make())
    except OSError as error:  # a kernel without UDP-Lite or RAW support: fine
        print('scenario: skipped:', error, file=sys.stderr)


def tcp_set():
    l4 = listener(socket.AF_INET, ('127.0.0.1', 7001))
    l6 = listener(socket.AF_INET6, ('::', 7002), v6only=0)
    l6only = listener(socket.AF_INET6, ('::1', 7003), v6only=1)
    connect(socket.AF_INET, ('127.0.0.1', 7001), l4)
    connect(socket.AF_INET, ('127.0.0.1', 7002), l6)  # server side is v4-mapped
    connect(socket.AF_INET6, ('::1', 7002), l6)
    connect(socket.AF_INET6, ('::1', 7003), l6only)

    c, s = connect(socket.AF_INET, ('127.0.0.1', 7001), l4)
    c.sendall(b'x' * 1000)  # unread: server Recv-Q 1000

    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.connect(('127.0.0.1', 7001))
    s, _ = l4.accept()
    keep.extend([c, s])
    s.setblocking(False)
    try:
        while True:
            s.send(b'y' * 65536)  # the reader never reads: Send-Q grows
    except BlockingIOError:
        pass

    c, s = connect(socket.AF_INET, ('127.0.0.1', 7001), l4)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 600)  # keepalive timer pending

    pending = listener(socket.AF_INET, ('127.0.0.1', 7004), backlog=8)
    for _ in range(3):  # accept queue: LISTEN Recv-Q 3, children with inode 0
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.connect(('127.0.0.1', 7004))
        keep.append(c)

    c, s = connect(socket.AF_INET, ('127.0.0.1', 7001), l4)
    c.close()  # active close: TIME_WAIT on the client side once the server closes too
    s.close()
    keep.remove(c)
    keep.remove(s)

    c, s = connect(socket.AF_INET6, ('::1', 7002), l6)
    c.shutdown(socket.SHUT_WR)  # client FIN_WAIT2, server CLOSE_WAIT

    for i in range(scale):
        if i % 3 == 2:
            connect(socket.AF_INET6, ('::1', 7002), l6)
        else:
            connect(socket.AF_INET, ('127.0.0.1', 7001), l4)


def udp_set():
    u4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u4.bind(('0.0.0.0', 7101))
    keep.append(u4)
    u4l = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u4l.bind(('127.0.0.1', 7102))
    keep.append(u4l)
    c4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c4.connect(('127.0.0.1', 7101))
    keep.append(c4)
    for _ in range(3):
        c4.send(b'z' * 100)  # queued datagrams: memory in Recv-Q of u4
    u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u6.bind(('::', 7103))
    keep.append(u6)
    c6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    c6.connect(('::1', 7103))
    keep.append(c6)
    optional(lambda: bound(socket.socket(socket.AF_INET, socket.SOCK_DGRAM, IPPROTO_UDPLITE), ('127.0.0.1', 7201)))
    optional(lambda: bound(socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, IPPROTO_UDPLITE), ('::', 7202)))
    for protocol in (1, 253):
        optional(lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, protocol))
    for protocol in (58, 253):
        optional(lambda: socket.socket(socket.AF_INET6, socket.SOCK_RAW, protocol))


def bound(s, address):
    s.bind(address)
    return s


def unix_set():
    base = os.path.join(out_dir, 'u')
    os.makedirs(base, exist_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(os.path.join(base, 'stream server'))
    server.listen(8)
    keep.append(server)
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(os.path.join(base, 'stream server'))
    s, _ = server.accept()
    keep.extend([c, s])
    if embryo:
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(os.path.join(base, 'stream server'))
        keep.append(c)
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOCK_SEQPACKET):
        keep.extend(socket.socketpair(socket.AF_UNIX, kind))
    dgram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dgram.bind('\0contract\0dgram')
    keep.append(dgram)
    for _ in range(3):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        c.connect('\0contract\0dgram')
        keep.append(c)
    auto = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    auto.bind('')  # autobind: a 5-hex-digit abstract name
    keep.append(auto)
    keep.append(socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM))  # unbound
    seq = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    seq.bind('\0contract-seq')
    seq.listen(4)
    keep.append(seq)
    named = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    named.bind(os.path.join(base, 'caf\u00e9'))
    keep.append(named)
    for _ in range(scale // 2):
        keep.extend(socket.socketpair())


def nobody_process():
    """A second holder with another uid: TCP, UDP and UNIX sockets owned by 65534."""
    ready_read, ready_write = os.pipe()
    pid = os.fork()
    if pid != 0:
        os.close(ready_write)
        return pid, ready_read
    os.close(ready_read)
    os.setgid(65534)
    os.setuid(65534)
    held = []
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(('127.0.0.1', 7301))
    s.listen(4)
    held.append(s)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(('127.0.0.1', 7302))
    held.append(u)
    held.append(socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM))
    os.write(ready_write, b'1')  # the parent may not share a writable directory with uid 65534
    time.sleep(600)
    os._exit(0)


def main():
    child, child_ready = nobody_process()
    tcp_set()
    udp_set()
    unix_set()
    os.read(child_ready, 1)
    time.sleep(0.3)  # let closing connections settle into TIME_WAIT / FIN_WAIT2
    with open(os.path.join(out_dir, 'ready.tmp'), 'w') as f:
        f.write('%d\n%d\n' % (os.getpid(), child))
    os.rename(os.path.join(out_dir, 'ready.tmp'), os.path.join(out_dir, 'ready'))
    time.sleep(600)


main()
