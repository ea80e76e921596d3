"""Sockets described by the test that asks for them (test/harness/namespaces.ts, SocketSpec):

`build(listen=[PORT...], connections=N, udp=PORT, listen6=[PORT...], unix=[NAME...])`:
TCP listeners on 127.0.0.1 (0: any port), N loopback connections to the first one (to an extra
listener on an ephemeral port when there is none), a UDP socket on 127.0.0.1, TCP listeners on
::1, and UNIX stream listeners with one connection each (`@NAME` abstract, anything else a path,
removed at the end). Returns what was bound: listening, connections ([client, server] ports),
udp, listening6, unix.
"""
from build import abstract, dgram, files, listener, pair, unix_connection, v4, v6


def build(listen=(), connections=0, udp=None, listen6=(), unix=()):
    servers = [listener(v4, '127.0.0.1', port, backlog=64) for port in listen]
    if connections and not servers:
        servers.append(listener(v4, '127.0.0.1', 0, backlog=64))
    made = []
    for _ in range(connections):
        client, accepted = pair(servers[0])
        made.append([client.getsockname()[1], accepted.getsockname()[1]])
    bound = dgram(v4, '127.0.0.1', udp).getsockname()[1] if udp is not None else None
    servers6 = [listener(v6, '::1', port, backlog=64) for port in listen6]
    for name in unix:
        unix_connection(abstract(name))
        if not name.startswith('@'):
            files.append(name)
    return {'listening': [s.getsockname()[1] for s in servers], 'connections': made, 'udp': bound,
            'listening6': [s.getsockname()[1] for s in servers6], 'unix': list(unix)}
