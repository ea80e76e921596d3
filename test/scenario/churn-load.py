#!/usr/bin/env python3
"""Socket churn for the watch and reliability tests (test/watch/churn.js,
test/reliability/stress.js), a load rather than a held scenario (it is not run by main.py, but
made of the same pieces, build.py): loopback TCP connections opened and closed at a
steady rate from several processes, long-lived connections opened at known
times and closed after a known hold, and optionally processes that hold a few
sockets each, started and killed all along. Run it inside a private network
namespace (its callers do that).

    python3 test/scenario/churn-load.py --rate R --seconds S [--long N] [--hold MS] [--workers W]
                          [--holders K] [--holder-life MS]

Protocol (one JSON object a line on stdout; each line is written whole, by one
write(2) of less than PIPE_BUF bytes, so lines of forked processes never mix):
  {"ready": true, "churnPort": P, "longPort": Q, "pids": {...}}
      listeners are up (pids: main, churnServer, longServer); then it waits for a line on stdin
  {"workers": [PID, ...]}  the churn processes, started after "go"
  {"open": PORT, "t": MS} / {"close": PORT, "t": MS}
      a long-lived connection (its client port), held by the main process; "t"
      (epoch ms) is taken after the connect returned / before the close started
  {"accepted": PORT, "t": MS} / {"released": PORT, "t": MS}
      its server side, held by longServer: after the accept returned / before
      the close started (on the client's EOF)
  {"spawner": PID}  the process that starts and kills the holders (with --holders)
  {"holder": PID, "port": P, "client": C, "t": MS}
      a holder is up: it alone holds a listener on 127.0.0.1:P and both ends of
      one connection to it (client port C); "t" is taken after it said so
  {"kill": PID, "t": MS} / {"reaped": PID, "t": MS}
      a holder is about to get SIGKILL / has been waited for
  {"done": true, "made": N, "failures": F, "seconds": S}  the load has ended

The churn connections are closed with an RST (SO_LINGER 0) by the client, so
no TIME_WAIT remnant piles up and ports are reused at once; the long-lived
ones are closed gracefully (client first, then the server on EOF).

Ports: long-lived clients bind 20000 + i, holders listen on 15000 + slot, both
below the ephemeral range (32768 up) where the churn's client ports are: a
port tells whose socket it is.
"""
import argparse
import json
import os
import random
import selectors
import signal
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True
from build import listener as held_listener, v4  # noqa: E402

LINGER_RST = struct.pack('ii', 1, 0)
LONG_BASE_PORT = 20000
HOLDER_BASE_PORT = 15000


def parse():
    p = argparse.ArgumentParser()
    p.add_argument('--rate', type=float, required=True, help='churn connections per second, over all workers')
    p.add_argument('--seconds', type=float, required=True)
    p.add_argument('--long', type=int, default=0, help='long-lived connections, spread over the first 80%% of the run')
    p.add_argument('--hold', type=float, default=1000, help='how long each long-lived connection is held (ms)')
    p.add_argument('--workers', type=int, default=1)
    p.add_argument('--holders', type=int, default=0, help='holder processes alive at a time')
    p.add_argument('--holder-life', type=float, default=500, help='mean life of a holder (ms; each lives 0.5 to 1.5 times it)')
    a = p.parse_args()
    if a.long > 12000 or a.holders > 1000:
        p.error('--long at most 12000, --holders at most 1000 (their ports are fixed ranges)')
    return a


def say(obj):
    os.write(1, (json.dumps(obj) + '\n').encode())


def now_ms():
    return time.time() * 1000


def listener(port=0, backlog=4096):
    return held_listener(v4, '127.0.0.1', port, backlog=backlog)


def churn_server(srv):
    """Accept and close at once."""
    while True:
        try:
            c, _ = srv.accept()
        except OSError:
            continue
        c.close()


def long_server(srv):
    """Keep each connection until the client closes it, then close; say when (by the client's port)."""
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            if key.fileobj is srv:
                c, peer = srv.accept()
                say({'accepted': peer[1], 't': now_ms()})
                sel.register(c, selectors.EVENT_READ, peer[1])
            else:
                c = key.fileobj
                try:
                    data = c.recv(4096)
                except OSError:
                    data = b''
                if not data:
                    sel.unregister(c)
                    t = now_ms()
                    c.close()
                    say({'released': key.data, 't': t})


def churn_worker(port, rate, seconds, out):
    """Open and reset connections at `rate` per second for `seconds`; write the counts to `out`."""
    made = failures = 0
    start = time.monotonic()
    end = start + seconds
    addr = ('127.0.0.1', port)
    while True:
        now = time.monotonic()
        if now >= end:
            break
        behind = int((now - start) * rate) - made - failures
        if behind <= 0:
            time.sleep(0.001)
            continue
        for _ in range(min(behind, 200)):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
            try:
                s.connect(addr)
                made += 1
            except OSError:
                failures += 1
            s.close()
    os.write(out, json.dumps({'made': made, 'failures': failures, 'seconds': time.monotonic() - start}).encode())
    os.close(out)


def holder(port, out):
    """Hold a listener on `port` and both ends of a connection to it until killed; tell `out` the client port."""
    srv = listener(port, 8)
    client = socket.create_connection(srv.getsockname())
    accepted, _ = srv.accept()
    os.write(out, str(client.getsockname()[1]).encode())
    os.close(out)
    held = [srv, client, accepted]
    while held:
        signal.pause()


def spawner(count, life_ms, seconds):
    """Keep `count` holders alive for `seconds`, each killed (SIGKILL) after 0.5 to 1.5 times `life_ms`."""
    end = time.monotonic() + seconds
    alive = {}  # slot -> (pid, kill at)

    def start(slot):
        r, w = os.pipe()
        pid = fork(holder, HOLDER_BASE_PORT + slot, w)
        os.close(w)
        client = read_all(r)
        if not client:  # it failed (its stderr says why): so does the load
            os.waitpid(pid, 0)
            sys.stderr.write(f'churn-load.py: the holder on port {HOLDER_BASE_PORT + slot} did not start\n')
            os._exit(1)
        say({'holder': pid, 'port': HOLDER_BASE_PORT + slot, 'client': int(client), 't': now_ms()})
        alive[slot] = (pid, time.monotonic() + life_ms * random.uniform(0.5, 1.5) / 1000)

    def stop(slot):
        pid = alive.pop(slot)[0]
        say({'kill': pid, 't': now_ms()})
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        say({'reaped': pid, 't': now_ms()})

    for slot in range(count):
        start(slot)
    while time.monotonic() < end:
        due = min(alive.items(), key=lambda item: item[1][1])
        wait = due[1][1] - time.monotonic()
        if wait > 0:
            time.sleep(min(wait, max(0, end - time.monotonic())))
            continue
        stop(due[0])
        start(due[0])
    for slot in list(alive):
        stop(slot)


def fork(fn, *args):
    pid = os.fork()
    if pid == 0:
        try:
            fn(*args)
        finally:
            os._exit(0)
    return pid


def read_all(fd):
    data = b''
    while True:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    os.close(fd)
    return data


def main():
    a = parse()
    churn = listener()
    long_lived = listener()
    servers = [fork(churn_server, churn), fork(long_server, long_lived)]
    say({'ready': True, 'churnPort': churn.getsockname()[1], 'longPort': long_lived.getsockname()[1],
         'pids': {'main': os.getpid(), 'churnServer': servers[0], 'longServer': servers[1]}})
    sys.stdin.readline()

    workers = []
    for _ in range(a.workers):
        r, w = os.pipe()
        pid = fork(churn_worker, churn.getsockname()[1], a.rate / a.workers, a.seconds, w)
        os.close(w)
        workers.append((pid, r))
    say({'workers': [pid for pid, _ in workers]})

    spawner_pid = None
    if a.holders > 0:
        # Forked before any long-lived connection exists, and without the listeners:
        # the holders hold their own sockets only.
        pid = os.fork()
        if pid == 0:
            try:
                churn.close()
                long_lived.close()
                spawner(a.holders, a.holder_life, a.seconds)
            finally:
                os._exit(0)
        spawner_pid = pid
        say({'spawner': pid})

    # Long-lived connections: spread over the first 80% of the run, each held --hold ms.
    start = time.time()
    spacing = a.seconds * 0.8 / max(a.long, 1)
    opened = []  # (close_at, socket, port)
    next_open = 0
    while next_open < a.long or opened:
        now = time.time()
        if next_open < a.long and now >= start + next_open * spacing:
            # A port of its own, below the ephemeral range: never reused by the churn nor by
            # another long-lived connection, so its events are told apart by ports alone.
            c = socket.socket()
            c.bind(('127.0.0.1', LONG_BASE_PORT + next_open))
            c.connect(('127.0.0.1', long_lived.getsockname()[1]))
            port = c.getsockname()[1]
            t = time.time()
            say({'open': port, 't': t * 1000})
            opened.append((t + a.hold / 1000, c, port))
            next_open += 1
            continue
        due = [o for o in opened if o[0] <= now]
        for o in due:
            t = now_ms()
            o[1].close()
            say({'close': o[2], 't': t})
            opened.remove(o)
        waits = [o[0] for o in opened]
        if next_open < a.long:
            waits.append(start + next_open * spacing)
        if waits:
            time.sleep(max(0, min(waits) - time.time()))

    made = failures = 0
    seconds = 0.0
    for pid, r in workers:
        os.waitpid(pid, 0)
        result = json.loads(read_all(r))
        made += result['made']
        failures += result['failures']
        seconds = max(seconds, result['seconds'])
    if spawner_pid is not None:
        os.waitpid(spawner_pid, 0)
    say({'done': True, 'made': made, 'failures': failures, 'seconds': seconds})
    # Wait to be told to stop (stdin closes), then stop the servers.
    sys.stdin.readline()
    for pid in servers:
        os.kill(pid, 9)
        os.waitpid(pid, 0)


main()
