#!/usr/bin/env python3
"""Processes holding sockets in every way the two owner walks must agree on,
for test/native/owners-bpf.test.ts.

Run as PID 1 of a private PID + network + mount namespace with its own /proc
(`unshare --net --mount --pid --fork --mount-proc`):
    owners-bpf-scenario.py NODE CHECKER ADDON
Sets up the processes below, runs `NODE CHECKER ADDON static 0` and then,
while processes are born and die and fds come and go,
`NODE CHECKER ADDON churn LAST_STABLE_PID`; prints each run's JSON line.
Everything dies with this process (it is the namespace's init).

Held: a listener with 40 accepted connections (PID 1) whose clients live in
40 children, a UDP socket and a socket pair each; a child that forks after
opening sockets (both hold them); dup'd fds and fds at high numbers with
gaps; fds passed over a UNIX socket (kept by both, kept by the receiver
only, and one in flight that nobody holds); a process with threads, one of
which has a file table of its own (unshare(CLONE_FILES)) holding a socket
that /proc/PID/fd does not show; an O_PATH descriptor of a bound UNIX
socket's file (S_IFSOCK, but not a socket fd); a zombie; two programs under
other names (exec'd with sockets inherited); and one process with 700 UDP
sockets, so that the walk covers more than the few hundred fds below which
the engine prefers /proc on its own.
"""
import ctypes
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

node, checker, addon = sys.argv[1:4]
keep = []
children = []


def wait_forever():
    while True:
        time.sleep(3600)


def fork(body):
    """Runs body() in a child that then sleeps until the namespace ends."""
    pid = os.fork()
    if pid == 0:
        try:
            body()
            wait_forever()
        finally:
            os._exit(0)
    children.append(pid)
    return pid


def ready_pipe():
    r, w = os.pipe()
    return r, w


def signal_ready(w):
    os.write(w, b'x')
    os.close(w)


def wait_ready(r):
    os.read(r, 1)
    os.close(r)


subprocess.run(['ip', 'link', 'set', 'lo', 'up'], check=True)
resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(('127.0.0.1', 0))
server.listen(256)
port = server.getsockname()[1]
keep.append(server)

# 40 clients, each with a UDP socket and a socket pair; PID 1 holds the accepted ends.
for i in range(40):
    r, w = ready_pipe()

    def client(w=w, i=i):
        c = socket.create_connection(('127.0.0.1', port))
        u = socket.socket(socket.AF_INET6 if i % 2 else socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(('::1' if i % 2 else '127.0.0.1', 0))
        a, b = socket.socketpair()
        keep.extend([c, u, a, b])
        signal_ready(w)

    fork(client)
    wait_ready(r)
    conn, _ = server.accept()
    keep.append(conn)

# Shared by fork: both processes hold the same sockets (the parent is the first holder).
r, w = ready_pipe()


def sharer():
    shared = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(3)]
    keep.extend(shared)
    inner_r, inner_w = ready_pipe()
    pid = os.fork()
    if pid == 0:
        signal_ready(inner_w)
        wait_forever()
    wait_ready(inner_r)
    signal_ready(w)


fork(sharer)
wait_ready(r)

# dup'd fds, high fd numbers, gaps.
r, w = ready_pipe()


def duplicator():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    keep.append(s)
    os.dup(s.fileno())
    os.dup2(s.fileno(), 1000)
    t = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    keep.append(t)
    os.dup2(t.fileno(), 4000)
    os.dup2(s.fileno(), 5000)
    signal_ready(w)


fork(duplicator)
wait_ready(r)

# fds passed over a UNIX socket.
channel_a, channel_b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
r1, w1 = ready_pipe()
r2, w2 = ready_pipe()


def sender():
    kept = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    given = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    flying = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    keep.append(kept)
    socket.send_fds(channel_a, [b'1'], [kept.fileno(), given.fileno()])
    given.close()
    wait_ready(r2)
    # Sent after the receiver stopped receiving: in the queue, held by no process.
    socket.send_fds(channel_a, [b'2'], [flying.fileno()])
    flying.close()
    signal_ready(w1)


def receiver():
    _, fds, _, _ = socket.recv_fds(channel_b, 16, 4)
    keep.extend(fds)
    signal_ready(w2)


fork(receiver)
fork(sender)
wait_ready(r1)
channel_a.close()

# Threads: one opens a socket in the shared table, one in a table of its own.
r, w = ready_pipe()


def threaded():
    libc = ctypes.CDLL(None, use_errno=True)
    CLONE_FILES = 0x400
    started = threading.Barrier(3)

    def shared_table():
        keep.append(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
        started.wait()
        wait_forever()

    def own_table():
        if libc.unshare(CLONE_FILES) != 0:
            raise OSError(ctypes.get_errno(), 'unshare(CLONE_FILES)')
        keep.append(socket.socket(socket.AF_INET6, socket.SOCK_DGRAM))
        started.wait()
        wait_forever()

    for body in (shared_table, own_table):
        threading.Thread(target=body, daemon=True).start()
    started.wait()
    signal_ready(w)


fork(threaded)
wait_ready(r)

# An O_PATH descriptor of a bound UNIX socket's file.
directory = tempfile.mkdtemp(prefix='owners-bpf-')
path = os.path.join(directory, 'bound.sock')
r, w = ready_pipe()


def opath():
    bound = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    bound.bind(path)
    keep.append(bound)
    os.open(path, os.O_PATH)
    signal_ready(w)


fork(opath)
wait_ready(r)

# A zombie (never reaped).
zombie = os.fork()
if zombie == 0:
    os._exit(0)

# Other program names: sockets inherited across exec.
for argv in (['/bin/sleep', '3600'], ['odd name: not a path', '3600']):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.set_inheritable(True)
    children.append(subprocess.Popen(['/bin/sleep', '3600'] if argv[0] == '/bin/sleep' else argv, executable='/bin/sleep', close_fds=False).pid)
    s.close()

# Many sockets in one process.
r, w = ready_pipe()


def many():
    keep.extend(socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(700))
    signal_ready(w)


fork(many)
wait_ready(r)
time.sleep(0.2)


def check(phase, last_stable):
    out = subprocess.run([node, checker, addon, phase, str(last_stable)], stdout=subprocess.PIPE, check=False)
    sys.stdout.write(out.stdout.decode())
    sys.stdout.flush()


check('static', 0)
last_stable = max(children + [zombie])


# Churn: processes that open a socket and die at once, and one that closes
# and reopens sockets all the time. Their rows differ between any two walks,
# so the checker leaves out every PID above the last stable one (theirs).
def reopener():
    held = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(50)]
    while True:
        for i in range(len(held)):
            held[i].close()
            held[i] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def forker():
    while True:
        pid = os.fork()
        if pid == 0:
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            os._exit(0)
        os.waitpid(pid, 0)


fork(reopener)
fork(forker)
time.sleep(0.2)
check('churn', last_stable)
os.kill(-1, signal.SIGKILL)
