"""
Runs a batch of commands inside one private network namespace holding a
fixed set of sockets, so every command (net-tools and the candidate, with
and without a fault) sees the same tables: nothing else runs in there.

Started by private-net.ts as `unshare --net --mount --pid --fork python3
private-net.py SPEC`, so this is PID 1 of a fresh PID namespace too. SPEC
is JSON: {"hidepid": 0|1|2, "commands": [{"argv": [...], "env": {...}}]}
(env values of null unset a variable).

Prints one JSON list: {"status", "stdout", "stderr"} per command (latin1).
"""
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import traceback

spec = json.loads(sys.argv[1])
subprocess.run(['ip', 'link', 'set', 'lo', 'up'], check=True)

# A proc of this PID namespace (PIDs as its processes see them), with the
# hidepid option asked for; only this mount namespace sees it (unshare makes
# its mounts private).
subprocess.run(['mount', '-t', 'proc', '-o', 'hidepid=%d' % spec.get('hidepid', 0), 'proc', '/proc'], check=True)

held = []


def tcp_listener(family, address, port):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((address, port))
    s.listen(8)
    held.append(s)
    return s


def unix_pair(name):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind('\0' + name)
    server.listen(8)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect('\0' + name)
    accepted, _ = server.accept()  # none left waiting: unix_diag could not list it
    held.extend([server, client, accepted])


def hold_as_nobody(writer):
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
    # Changing uid made the process non-dumpable, which gives its /proc
    # files to root; an ordinary user's process is dumpable (PR_SET_DUMPABLE).
    ctypes.CDLL(None, use_errno=True).prctl(4, 1, 0, 0, 0)
    tcp_listener(socket.AF_INET, '127.0.0.1', 7104)
    unix_pair('faults-nobody')
    os.write(writer, b'x')


# A user's process, made first so that it owns no root socket (fork copies fds).
reader, writer = os.pipe()
nobody = os.fork()
if nobody == 0:
    try:
        hold_as_nobody(writer)
    except BaseException:
        traceback.print_exc()
        os._exit(1)
    while True:
        signal.pause()  # held until killed (or the namespace ends with PID 1)
os.close(writer)  # so that a child failing before it is ready gives EOF here, not a hang
if os.read(reader, 1) != b'x':
    sys.exit('the uid-65534 socket holder failed (wait status %d)' % os.waitpid(nobody, 0)[1])

server = tcp_listener(socket.AF_INET, '127.0.0.1', 7101)
client = socket.create_connection(('127.0.0.1', 7101))
accepted, _ = server.accept()
held.extend([client, accepted])
tcp_listener(socket.AF_INET6, '::1', 7102)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(('127.0.0.1', 7103))
held.append(udp)
held.append(socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))
held.append(socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6))
unix_pair('faults-root')

results = []
base = dict(os.environ, LC_ALL='C')
for command in spec['commands']:
    env = dict(base)
    for key, value in command.get('env', {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    run = subprocess.run(command['argv'], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    results.append({'status': run.returncode, 'stdout': run.stdout.decode('latin1'), 'stderr': run.stderr.decode('latin1')})
print(json.dumps(results))
os.kill(nobody, 9)
