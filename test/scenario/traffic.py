"""Some loopback traffic, so that a namespace's `-s` counters are not all zero
(test/modes/statistics-namespace.test.ts): over IPv4 and IPv6, a TCP connection that carries
five bytes and closes, and a UDP datagram to a closed port (an ICMP port unreachable back).
Holds nothing: the namespace lives as long as the process."""
import socket
import time


def build():
    for family, host in ((socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1')):
        s = socket.socket(family)
        s.bind((host, 0))
        s.listen(1)
        c = socket.create_connection(s.getsockname()[:2])
        a, _ = s.accept()
        c.sendall(b'hello')
        a.recv(5)
        for done in (c, a, s):
            done.close()
        u = socket.socket(family, socket.SOCK_DGRAM)
        u.connect((host, 9))
        u.settimeout(0.5)
        u.send(b'x')
        try:
            u.recv(1)
        except OSError:
            pass
    time.sleep(0.3)
