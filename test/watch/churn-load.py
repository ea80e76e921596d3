#!/usr/bin/env python3
"""Load for churn.js: loopback TCP connections opened and closed at a steady
rate, plus long-lived connections opened at known times and closed after a
known hold. Run inside a private network namespace (churn.js does that).

    python3 churn-load.py RATE SECONDS LONG_COUNT HOLD_MS WORKERS

Protocol (one JSON object a line on stdout):
  {"ready": true, "churnPort": P, "longPort": Q}  listeners are up; waits for a line on stdin
  {"open": PORT, "t": MS} / {"close": PORT, "t": MS}  a long-lived connection (client port), epoch ms
  {"done": true, "made": N, "failures": F, "seconds": S}  the load has ended

The churn connections are closed with an RST (SO_LINGER 0) by the client, so
no TIME_WAIT remnant piles up and ports are reused at once; the long-lived
ones are closed gracefully (client first, then the server on EOF).
"""
import json
import os
import selectors
import socket
import struct
import sys
import time

RATE, SECONDS, LONG_COUNT, HOLD_MS, WORKERS = (float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]))
LINGER_RST = struct.pack('ii', 1, 0)
LONG_BASE_PORT = 20000  # long-lived client ports: 20000 + i (the ephemeral range starts at 32768)


def say(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def listener():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', 0))
    s.listen(4096)
    return s


def churn_server(srv):
    """Accept and close at once."""
    while True:
        try:
            c, _ = srv.accept()
        except OSError:
            continue
        c.close()


def long_server(srv):
    """Keep each connection until the client closes it, then close."""
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            if key.fileobj is srv:
                c, _ = srv.accept()
                sel.register(c, selectors.EVENT_READ)
            else:
                c = key.fileobj
                try:
                    data = c.recv(4096)
                except OSError:
                    data = b''
                if not data:
                    sel.unregister(c)
                    c.close()


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


def fork(fn, *args):
    pid = os.fork()
    if pid == 0:
        try:
            fn(*args)
        finally:
            os._exit(0)
    return pid


def main():
    churn = listener()
    long_lived = listener()
    servers = [fork(churn_server, churn)]
    servers.append(fork(long_server, long_lived))
    say({'ready': True, 'churnPort': churn.getsockname()[1], 'longPort': long_lived.getsockname()[1]})
    sys.stdin.readline()

    workers = []
    for _ in range(WORKERS):
        r, w = os.pipe()
        pid = fork(churn_worker, churn.getsockname()[1], RATE / WORKERS, SECONDS, w)
        os.close(w)
        workers.append((pid, r))

    # Long-lived connections: spread over the first 80% of the run, each held HOLD_MS.
    start = time.time()
    spacing = SECONDS * 0.8 / max(LONG_COUNT, 1)
    opened = []  # (close_at, socket, port)
    next_open = 0
    while next_open < LONG_COUNT or opened:
        now = time.time()
        if next_open < LONG_COUNT and now >= start + next_open * spacing:
            # A port of its own, below the ephemeral range: never reused by the churn nor by
            # another long-lived connection, so its events are told apart by ports alone.
            c = socket.socket()
            c.bind(('127.0.0.1', LONG_BASE_PORT + next_open))
            c.connect(('127.0.0.1', long_lived.getsockname()[1]))
            port = c.getsockname()[1]
            t = time.time()
            say({'open': port, 't': t * 1000})
            opened.append((t + HOLD_MS / 1000, c, port))
            next_open += 1
            continue
        due = [o for o in opened if o[0] <= now]
        for o in due:
            o[1].close()
            say({'close': o[2], 't': time.time() * 1000})
            opened.remove(o)
        waits = [o[0] for o in opened]
        if next_open < LONG_COUNT:
            waits.append(start + next_open * spacing)
        if waits:
            time.sleep(max(0, min(waits) - time.time()))

    made = failures = 0
    seconds = 0.0
    for pid, r in workers:
        os.waitpid(pid, 0)
        data = b''
        while True:
            chunk = os.read(r, 4096)
            if not chunk:
                break
            data += chunk
        os.close(r)
        result = json.loads(data)
        made += result['made']
        failures += result['failures']
        seconds = max(seconds, result['seconds'])
    say({'done': True, 'made': made, 'failures': failures, 'seconds': seconds})
    # Wait to be told to stop (stdin closes), then stop the servers.
    sys.stdin.readline()
    for pid in servers:
        os.kill(pid, 9)
        os.waitpid(pid, 0)


main()
