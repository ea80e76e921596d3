#!/usr/bin/env python3
"""Known sockets for the exporter's namespace tests.

Run inside a private network namespace whose lo is up:
    holder.py OUTDIR ESTABLISHED LISTENERS
Holds LISTENERS TCP listeners on 127.0.0.1 (ports 21000, 21001, ...), one
more on 0.0.0.0:21999 and one on [::1]:21998, ESTABLISHED loopback TCP
connections to the first listener (2 x ESTABLISHED sockets, both ends
here), two unconnected UDP sockets (127.0.0.1:21500, 0.0.0.0:21501) and one
connected UDP socket, and a bytes-in-queue connection: 1000 unread bytes at
one end. Writes OUTDIR/ready (this pid) when everything is in place, then
sleeps until killed (at most 10 minutes).
"""
import os
import socket
import sys
import time

out_dir, established, listeners = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
keep = []


def listen(family, address):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind(address)
    s.listen(4096)
    keep.append(s)
    return s


servers = [listen(socket.AF_INET, ('127.0.0.1', 21000 + i)) for i in range(listeners)]
listen(socket.AF_INET, ('0.0.0.0', 21999))
listen(socket.AF_INET6, ('::1', 21998))
first = servers[0]
for _ in range(established):
    c = socket.create_connection(('127.0.0.1', 21000))
    s, _ = first.accept()
    keep.extend([c, s])
# One connection whose receiving end leaves 1000 bytes unread (part of the established count).
if established > 0:
    keep[-2].sendall(b'x' * 1000)

for address in (('127.0.0.1', 21500), ('0.0.0.0', 21501)):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(address)
    keep.append(u)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.connect(('127.0.0.1', 21500))
keep.append(u)

time.sleep(0.2)  # let the queued bytes land
with open(os.path.join(out_dir, 'ready.tmp'), 'w') as f:
    f.write('%d\n' % os.getpid())
os.rename(os.path.join(out_dir, 'ready.tmp'), os.path.join(out_dir, 'ready'))
time.sleep(600)
