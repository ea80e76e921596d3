"""A varied, fixed set of sockets in a private network namespace, for fixtures/proc/ns-capture
(recorded by fixtures/proc/capture.sh) and the live comparison of the /proc readers with
net-tools (test/procfs/live-namespace.test.ts).

`build(dir=DIR)`: loopback plus, where the namespace has one, a veth end 198.51.100.1/24 whose
peer never answers, so that a connect sits in SYN_SENT; UNIX paths under DIR. A child process
inherits every socket: a second holder of each inode. Returns {"pid": ..., "child": ...}.
"""
import os
import socket
import time

from build import (DGRAM, IPPROTO_UDPLITE, SEQPACKET, STREAM, dgram, drop, helpers, keep, listener, optional,
                   pair, raw, unix, v4, v6)


def build(dir):
    web = listener(v4, "127.0.0.1", 8080, backlog=8)
    listener(v4, "0.0.0.0", 2222, backlog=8)
    dual = listener(v6, "::", 4443, backlog=8, v6only=False)
    lo6 = listener(v6, "::1", 6380, backlog=8, v6only=True)

    c1, _ = pair(web, v4, "127.0.0.1", 8080)
    c1.sendall(b"q" * 777)                                   # Recv-Q 777 on the accepted end
    c1.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)  # keepalive timer on c1
    pair(dual, v6, "::ffff:127.0.0.1", 4443)                  # v4-mapped pair
    pair(lo6, v6, "::1", 6380)
    for _ in range(2):                                        # accept queue: never accepted
        keep(socket.socket(v4, STREAM)).connect(("0.0.0.0", 2222))
    # TIME_WAIT on the active closer
    c4, a4 = pair(web, v4, "127.0.0.1", 8080, src=("127.0.0.4", 0))
    drop(c4)
    c4.close()
    time.sleep(0.05)
    drop(a4)
    a4.close()
    # SYN_SENT: nobody answers on the dummy device
    syn = keep(socket.socket(v4, STREAM))
    syn.setblocking(False)
    try:
        syn.connect(("198.51.100.2", 9))
    except BlockingIOError:
        pass
    except OSError:                                           # no veth: no SYN_SENT row
        drop(syn)
        syn.close()

    dgram(v4, "127.0.0.1", 5353)
    dgram(v4, "127.0.0.1", 40000, connect_to=("127.0.0.1", 5353)).send(b"d" * 10)  # Recv-Q (memory)
    dgram(v6, "::", 547)
    dgram(v6, "::1", 40001, connect_to=("::1", 547))
    optional(lambda: dgram(v4, "127.0.0.1", 7007, proto=IPPROTO_UDPLITE))
    raw(v4, socket.IPPROTO_ICMP)
    raw(v6, 58)

    srv = unix(STREAM, dir + "/srv.sock")
    unix(STREAM, dir + "/with blank.sock")
    unix(STREAM, "\0abstract-name")
    unix(DGRAM, "\0with\0nul")
    unix(SEQPACKET, dir + "/seq.sock")
    unix(DGRAM, dir + "/" + "L" * (100 - len(dir)) + ".s")
    unix(STREAM).connect(dir + "/srv.sock")
    keep(srv.accept()[0])
    for end in socket.socketpair(socket.AF_UNIX, DGRAM):
        keep(end)
    unix(STREAM)                                              # unbound, unconnected

    # a child that inherits every socket above: a second holder of each inode
    child = os.fork()
    if child == 0:
        while True:
            time.sleep(3600)
    helpers.append(child)
    time.sleep(0.2)
    return {"pid": os.getpid(), "child": child}
