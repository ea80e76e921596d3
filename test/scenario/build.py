"""The scenario builder: the pieces every socket scenario of the tests is made of.

A scenario (a module of this directory, run by main.py) calls these functions to make sockets
and processes; they are held here until the scenario ends. Nothing here prints: main.py speaks
the protocol (`ready`, `refresh`) with the test that started it.
"""
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time

v4 = socket.AF_INET
v6 = socket.AF_INET6
STREAM = socket.SOCK_STREAM
DGRAM = socket.SOCK_DGRAM
SEQPACKET = socket.SOCK_SEQPACKET
IPPROTO_UDPLITE = 136

held = []        # every socket this process keeps open
helpers = []     # child processes (pids or Popen objects), killed when the scenario ends
files = []       # socket paths removed when the scenario ends

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
libc = ctypes.CDLL(None, use_errno=True)


def keep(s):
    held.append(s)
    return s


def drop(s):
    held.remove(s)


def ip(*words):
    subprocess.run(["ip", *words], check=True)


def lo_up():
    ip("link", "set", "lo", "up")


# ---------------------------------------------------------------- TCP

def listener(family, addr, port, backlog=16, rcvbuf=None, v6only=None, reuse=True):
    s = socket.socket(family, STREAM)
    if reuse:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if v6only else 0)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # inherited by accepted children
    s.bind((addr, port))
    s.listen(backlog)
    return keep(s)


def connect(family, addr, port, src=None, sndbuf=None, rcvbuf=None):
    c = socket.socket(family, STREAM)
    if rcvbuf:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if sndbuf:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    if src:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.bind(src)
    c.connect((addr, port))
    return keep(c)


def pair(server, family=None, addr=None, port=None, src=None, sndbuf=None, rcvbuf=None):
    """A connection to `server` (by default at its own address), both ends held: (client, accepted)."""
    if addr is None:
        family = server.family
        addr, port = server.getsockname()[:2]
    c = connect(family, addr, port, src, sndbuf, rcvbuf)
    a, _ = server.accept()
    return c, keep(a)


def tcp_state(s):
    # struct tcp_info starts with the state byte.
    return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]


def settle(check, what, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise SystemExit(f"scenario: {what} did not happen")


def fill_until_zero_window(sender):
    """Send until the peer's receive window is closed and the send buffer is full."""
    sender.setblocking(False)
    idle = 0
    while idle < 3:
        try:
            sender.send(b"w" * 65536)
            idle = 0
        except BlockingIOError:
            idle += 1
            time.sleep(0.1)
    sender.setblocking(True)


TCP_REPAIR = 19


def repaired(family, addr, port):
    """A TCP socket that is not a listener but has remote port 0, which net-tools counts as a
    server (`-l`). TCP_REPAIR lets connect() set any peer without a handshake; the socket stays
    in repair mode, so it never sends (a packet to port 0 would bring an RST and close it)."""
    s = socket.socket(family, STREAM)
    s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 1)
    s.bind((addr, port))
    s.connect((addr, 0))
    return keep(s)


# ---------------------------------------------------------------- UDP, UDP-Lite, RAW

def dgram(family, addr=None, port=0, proto=0, connect_to=None):
    """A datagram socket, bound to (addr, port) unless addr is None, connected to `connect_to`."""
    s = socket.socket(family, DGRAM, proto)
    if addr is not None:
        s.bind((addr, port))
    if connect_to:
        s.connect(connect_to)
    return keep(s)


def raw(family, proto):
    return keep(socket.socket(family, socket.SOCK_RAW, proto))


def optional(make):
    """A socket this kernel may not support (UDP-Lite, RAW of some protocol): skipped if refused."""
    try:
        return make()
    except OSError as error:
        print("scenario: skipped:", error, file=sys.stderr)
        return None


# ---------------------------------------------------------------- UNIX

def unix(kind, path=None, listen=True, backlog=4):
    """A UNIX socket, bound to `path` (str or bytes; a leading NUL is abstract) when given, and
    listening when it is a bound stream or seqpacket socket and `listen`."""
    s = socket.socket(socket.AF_UNIX, kind)
    if path is not None:
        s.bind(path)
        if listen and kind != DGRAM:
            s.listen(backlog)
    return keep(s)


def unix_connection(path, kind=STREAM, backlog=8):
    """A UNIX listener on `path` with one connection to it, all three sockets held."""
    server = unix(kind, path, backlog=backlog)
    client = unix(kind)
    client.connect(path)
    keep(server.accept()[0])
    return server


def abstract(name):
    """`@name` as the kernel's abstract address (a leading NUL), anything else unchanged."""
    return "\0" + name[1:] if name.startswith("@") else name


# ---------------------------------------------------------------- processes

def die_with_parent():
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def hand_over(argv0, sockets):
    """A `sleep` whose argv[0] is `argv0` takes over `sockets` (the `exec -a` trick), so `-p`
    shows it as their owner; our own copies are closed."""
    p = subprocess.Popen([argv0, "100000"], executable="/bin/sleep",
                         pass_fds=[s.fileno() for s in sockets], preexec_fn=die_with_parent,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    helpers.append(p)
    for s in sockets:
        drop(s)
        s.close()


def run_as(uid, make, argv0=None, dumpable=False):
    """A child process running as `uid` that holds the sockets `make()` creates (the parent's
    own sockets are closed in it), started and ready when this returns.

    With `argv0` it then execs `sleep` under that name: a process that merely called setuid()
    is not dumpable, so its /proc/PID/fd would stay closed even to its own user; `dumpable`
    makes it dumpable in place instead. With neither it stays as it is."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            for s in list(held):       # the parent's sockets stay the parent's
                drop(s)
                s.close()
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            die_with_parent()          # after setuid, which clears it
            if dumpable:
                libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
            make()
            os.write(w, b"k")
            if argv0 is not None:
                for s in held:
                    s.set_inheritable(True)
                os.execv("/bin/sleep", [argv0, "100000"])
            while True:
                signal.pause()
        finally:
            os._exit(1)
    os.close(w)
    ok = os.read(r, 1) == b"k"
    os.close(r)
    if not ok:
        raise SystemExit(f"scenario: the uid {uid} child failed")
    helpers.append(pid)
    return pid


def stop():
    """Kill the helper processes and remove the socket files."""
    for h in helpers:
        try:
            if isinstance(h, int):
                os.kill(h, signal.SIGKILL)
                os.waitpid(h, 0)
            else:
                h.kill()
                h.wait()
        except (ProcessLookupError, ChildProcessError):
            pass
    for name in files:
        try:
            os.unlink(name)
        except OSError:
            pass
