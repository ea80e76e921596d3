"""The socket scenario of the differential suite (test/diff/): a fixed, varied set of sockets.

Run by main.py inside the namespace prepared by environment.py (`build(scratch=DIR)`, DIR the
private directory of its socket paths); `refresh` re-creates the TIME_WAIT socket (it lasts 60 s).

Everything it builds is STABLE between two runs of netstat: no data moves after `ready` except
zero-window probes and SYN retransmissions, which change only the figures of `-o` timers and
packet counters. Raw ICMP sockets filter every ICMP type so that the port-unreachable
messages caused by the failing DNS look-ups of netstat do not pile up in their Recv-Q.
"""
import os
import pwd
import socket
import struct
import time

from build import (DGRAM, IPPROTO_UDPLITE, STREAM, connect, dgram, fill_until_zero_window, hand_over, keep,
                   listener, pair, repaired, run_as, settle, tcp_state, unix, v4, v6)

SCRATCH = "/tmp/netstat-diff"
REFRESH_S = 40   # TIME_WAIT lasts 60 s; the batch runner re-creates it well before
time_wait = None


SYN_SENT, FIN_WAIT1, FIN_WAIT2, CLOSE_WAIT, LAST_ACK, CLOSING = 2, 4, 5, 8, 9, 11


def build_tcp():
    # Listeners on well-known and odd ports; v4, v6-only, dual-stack.
    l_ssh = listener(v4, "0.0.0.0", 22)
    l_http = listener(v4, "127.0.0.1", 80)
    listener(v4, "127.0.0.1", 5432)                            # postgresql: backlog below
    l_alt = listener(v4, "127.0.0.2", 8080, rcvbuf=4096)
    l_odd = listener(v4, "127.0.0.3", 31337, rcvbuf=4096)
    l_https = listener(v6, "::", 443, v6only=False)           # dual stack
    l_redis = listener(v6, "::1", 6379)
    listener(v6, "::", 8443, v6only=True)
    l_v6hi = listener(v6, "2001:db8:1::1", 47001, rcvbuf=4096)
    l_long6 = listener(v6, "2001:db8:1234:5678:9abc:def0:1234:5678", 5432)
    listener(v6, "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1", 65000)
    listener(v4, "198.51.100.1", 179)                          # bgp on the veth address

    # ESTABLISHED, with bytes waiting in Recv-Q.
    c, a = pair(l_http, v4, "127.0.0.1", 80)
    c.sendall(b"x" * 1234)
    settle(lambda: len(a.recv(1, socket.MSG_PEEK)) == 1, "Recv-Q on http")
    pair(l_ssh, v4, "127.0.0.1", 22, src=("127.0.0.5", 0))
    c, a = pair(l_redis, v6, "::1", 6379)
    a.sendall(b"r" * 77)
    c, a = pair(l_https, v6, "::ffff:127.0.0.1", 443)        # v4-mapped on both ends
    pair(l_https, v4, "127.0.0.1", 443, src=("127.0.0.9", 0))  # v4 peer of a dual-stack listener
    c, a = pair(l_long6, v6, "2001:db8:1234:5678:9abc:def0:1234:5678", 5432)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)    # a keepalive timer for -o

    # ESTABLISHED with Send-Q: the receiver never reads, its window closes.
    c, a = pair(l_alt, v4, "127.0.0.2", 8080, src=("127.0.0.2", 0), sndbuf=4096)
    fill_until_zero_window(c)

    # Unaccepted connections in a listener's backlog (Recv-Q of the LISTEN row).
    for _ in range(3):
        connect(v4, "127.0.0.1", 5432)

    # FIN_WAIT2 / CLOSE_WAIT: one side shut its sending half, the other did not.
    c, a = pair(l_odd, v4, "127.0.0.3", 31337)
    c.shutdown(socket.SHUT_WR)
    settle(lambda: tcp_state(c) == FIN_WAIT2 and tcp_state(a) == CLOSE_WAIT, "FIN_WAIT2/CLOSE_WAIT")

    # FIN_WAIT1: the FIN waits behind data the peer's closed window does not accept.
    c, a = pair(l_odd, v4, "127.0.0.3", 31337, sndbuf=4096)
    fill_until_zero_window(c)
    c.shutdown(socket.SHUT_WR)
    settle(lambda: tcp_state(c) == FIN_WAIT1, "FIN_WAIT1")

    # LAST_ACK (+ its peer in FIN_WAIT2): the peer closed first; our FIN is stuck behind data.
    c, a = pair(l_v6hi, v6, "2001:db8:1::1", 47001, rcvbuf=4096)
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    c.shutdown(socket.SHUT_WR)
    settle(lambda: tcp_state(a) == CLOSE_WAIT, "CLOSE_WAIT before LAST_ACK")
    # c is not reading: fill its window from a, then a closes its half.
    fill_until_zero_window(a)
    a.shutdown(socket.SHUT_WR)
    settle(lambda: tcp_state(a) == LAST_ACK, "LAST_ACK")

    # CLOSING: both sides sent FIN, ours is stuck behind data, theirs arrived.
    c, a = pair(l_alt, v4, "127.0.0.2", 8080, sndbuf=4096)
    fill_until_zero_window(c)
    c.shutdown(socket.SHUT_WR)
    settle(lambda: tcp_state(c) == FIN_WAIT1, "FIN_WAIT1 before CLOSING")
    a.shutdown(socket.SHUT_WR)
    settle(lambda: tcp_state(c) == CLOSING, "CLOSING")

    # SYN_RECV: with TCP_DEFER_ACCEPT the server keeps the request socket until data comes.
    l_defer = listener(v4, "127.0.0.1", 3306)
    l_defer.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 3600)
    connect(v4, "127.0.0.1", 3306)

    # SYN_SENT: the accept queue of this listener is full, so further SYNs are dropped.
    # TCP_SYNCNT 127 keeps the connect going for hours instead of ~2 minutes.
    listener(v4, "127.0.0.8", 6000, backlog=0)
    connect(v4, "127.0.0.8", 6000)
    s = socket.socket(v4, STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, 127)
    s.setblocking(False)
    try:
        s.connect(("127.0.0.8", 6000))
    except BlockingIOError:
        pass
    keep(s)
    settle(lambda: tcp_state(s) == SYN_SENT, "SYN_SENT")
    s6 = socket.socket(v6, STREAM)
    s6.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, 127)
    s6.setblocking(False)
    listener(v6, "::1", 6000, backlog=0)
    connect(v6, "::1", 6000)
    try:
        s6.connect(("::1", 6000))
    except BlockingIOError:
        pass
    keep(s6)
    return l_http


class TimeWait:
    """A TIME_WAIT row on the server side of 127.0.0.1:80 <- 127.0.0.7:40007.

    TIME_WAIT ends after 60 s; `refresh` re-creates it on the same 4-tuple (a SYN that hits a
    TIME_WAIT socket of loopback replaces it), so the row stays the same but for its timer."""

    def __init__(self, server):
        self.server = server

    def make(self):
        c = socket.socket(v4, STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.bind(("127.0.0.7", 40007))
        c.connect(("127.0.0.1", 80))
        a, _ = self.server.accept()
        a.close()          # the server closes first, so the TIME_WAIT is its own
        time.sleep(0.05)
        c.close()
        time.sleep(0.05)


def build_repaired():
    repaired(v4, "127.0.0.1", 40010)
    repaired(v6, "::1", 40011)
    # UDP: a server is a socket with an all-zero remote address; one connected to port 0 is not.
    dgram(v4, "127.0.0.1", 40013, connect_to=("127.0.0.1", 0))


def build_udp():
    ntp = dgram(v4, "127.0.0.1", 123)
    dgram(v4, "127.0.0.1", 53)                                     # never 0.0.0.0:53: DNS goes to 127.0.0.253
    c = dgram(v4, "127.0.0.1", 40000, connect_to=("127.0.0.1", 123))
    c.send(b"z" * 100)                                              # Recv-Q on ntp
    settle(lambda: len(ntp.recv(1, socket.MSG_PEEK)) == 1, "UDP Recv-Q")
    dgram(v6, "::", 5353)
    dgram(v6, "::1", 40001, connect_to=("::1", 5353))
    dgram(v6, "::ffff:127.0.0.1", 40002, connect_to=("::ffff:127.0.0.3", 161))
    dgram(v4, "0.0.0.0", 514)                                      # syslog
    dgram(v4, "127.0.0.2", 31338)
    dgram(v6, "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1", 65001)
    # UDP-Lite, v4 and v6, bound and connected.
    dgram(v4, "127.0.0.1", 7000, proto=IPPROTO_UDPLITE)
    dgram(v4, "127.0.0.1", 7001, proto=IPPROTO_UDPLITE, connect_to=("127.0.0.1", 7000))
    dgram(v6, "::1", 7002, proto=IPPROTO_UDPLITE)
    dgram(v6, "::1", 123, proto=IPPROTO_UDPLITE, connect_to=("::1", 7002))


def build_raw():
    icmp = keep(socket.socket(v4, socket.SOCK_RAW, socket.IPPROTO_ICMP))
    icmp.setsockopt(255, 1, struct.pack("I", 0xFFFFFFFF))                   # SOL_RAW/ICMP_FILTER: drop all
    icmp6 = keep(socket.socket(v6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6))
    icmp6.setsockopt(socket.IPPROTO_ICMPV6, 1, b"\xff" * 32)                               # ICMP6_FILTER: block all
    keep(socket.socket(v4, socket.SOCK_RAW, 253))                                           # odd protocol number
    r = keep(socket.socket(v4, socket.SOCK_RAW, 89))                                        # ospf, bound + connected
    r.bind(("127.0.0.1", 0))
    r.connect(("127.0.0.2", 0))
    r6 = keep(socket.socket(v6, socket.SOCK_RAW, 132))                                      # sctp number, bound v6
    r6.bind(("::1", 0))
    keep(socket.socket(v6, socket.SOCK_RAW, 254))


def build_unix():
    d = SCRATCH
    app = unix(STREAM, d + "/app.sock")
    c = unix(STREAM)
    c.connect(d + "/app.sock")
    keep(app.accept()[0])
    unix(STREAM, d + "/pending.sock")
    for _ in range(2):                                    # connections never accepted
        unix(STREAM).connect(d + "/pending.sock")
    unix(STREAM, d + "/with blank.sock")                  # net-tools cuts the path at the blank
    unix(STREAM, d + "/" + "p" * (107 - len(d) - 1 - 5) + ".sock")   # longest path sun_path allows
    unix(STREAM, "\0abstract-name")
    unix(STREAM, "\0with\0nul")
    unix(DGRAM, d + "/log.sock")
    unix(DGRAM).connect(d + "/log.sock")                  # connected datagram client
    unix(DGRAM, "\0abstract-dgram")
    unix(socket.SOCK_SEQPACKET, d + "/seq.sock")
    unix(socket.SOCK_SEQPACKET, "\0seq")
    a, b = socket.socketpair(socket.AF_UNIX, STREAM)
    keep(a), keep(b)
    a.send(b"q" * 10)
    a, b = socket.socketpair(socket.AF_UNIX, DGRAM)
    keep(a), keep(b)
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    keep(a), keep(b)
    unix(STREAM)                                          # unbound
    unix(DGRAM)                                           # unbound
    auto = unix(DGRAM)
    auto.bind("")                                         # autobind: the kernel picks @xxxxx


# ---------------------------------------------------------------- multicast memberships

def build_groups():
    m = keep(socket.socket(v4, DGRAM))
    m.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 socket.inet_aton("239.1.2.3") + socket.inet_aton("198.51.100.1"))
    m.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 socket.inet_aton("239.1.2.3") + socket.inet_aton("10.40.0.1"))
    m.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 socket.inet_aton("224.0.0.251") + socket.inet_aton("10.40.0.1"))
    m2 = keep(socket.socket(v4, DGRAM))
    m2.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                  socket.inet_aton("239.1.2.3") + socket.inet_aton("198.51.100.1"))   # RefCnt 2
    m2.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                  socket.inet_aton("239.255.0.1") + socket.inet_aton("127.0.0.1"))
    m6 = keep(socket.socket(v6, DGRAM))
    for group, dev in (("ff15::1234", "vx0"), ("ff02::fb", "veth-longname15"), ("ff05::2", "lo")):
        m6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                      socket.inet_pton(v6, group) + struct.pack("@I", socket.if_nametoindex(dev)))


def build_named_processes():
    long_name = [listener(v4, "127.0.0.1", 8081), dgram(v4, "127.0.0.1", 40003),
                 unix(STREAM, SCRATCH + "/long-argv0.sock")]
    hand_over("averyveryverylongprogramname-daemon", long_name)
    relative = [listener(v4, "127.0.0.1", 8082), unix(DGRAM, "\0relative")]
    hand_over("relative/path/worker", relative)
    blanks = [listener(v6, "::1", 22), unix(STREAM)]
    hand_over("sshd: root@pts/0", blanks)
    absolute = [listener(v4, "127.0.0.1", 2049), dgram(v4, "127.0.0.1", 2049)]
    hand_over("/usr/sbin/some-daemon-with-long-name", absolute)


def build_odd_bytes():
    """Names net-tools prints as raw bytes: socket paths and program names that are not UTF-8,
    UTF-8 cut in the middle of a character by a column width, control characters."""
    d = SCRATCH.encode()
    unix(STREAM, d + b"/odd-\xff\xfe.sock")                       # not UTF-8
    unix(STREAM, d + "/caf\u00e9-\u00fc.sock".encode())            # UTF-8
    unix(DGRAM, d + b"/tab\tnl\nesc\x1b[1m.sock")                  # control characters
    unix(STREAM, b"\0\x80\xffodd\x01")                             # abstract, high bytes
    odd = [listener(v4, "127.0.0.1", 8083), unix(STREAM, d + b"/odd-owner-\xe9.sock")]
    hand_over(b"odd-\xff\xfe-worker", odd)
    accents = [dgram(v4, "127.0.0.1", 40004), unix(DGRAM, "\0caf\u00e9")]
    hand_over("\u00e9" * 20, accents)                                # 40 bytes: a width cuts a character
    hand_over(b"line\nbreak\tand tab", [listener(v4, "127.0.0.1", 8084)])
    hand_over("", [dgram(v4, "127.0.0.1", 40005)])                    # an empty argv[0]
    hand_over("trailing/", [dgram(v4, "127.0.0.1", 40006)])           # a basename that is empty


def build_other_users():
    def nobody():
        listener(v4, "127.0.0.1", 8443)
        dgram(v4, "127.0.0.1", 16161)
        listener(v6, "::", 9090, v6only=True)
        unix(STREAM, "\0nobody-socket")
        connect(v4, "127.0.0.1", 22, src=("127.0.0.9", 0))
    run_as(65534, nobody, argv0="/usr/local/bin/nobody-worker")
    # A uid without a passwd entry (-e prints the number).
    run_as(4242, lambda: listener(v4, "127.0.0.1", 4242), argv0="unnamed-uid-worker")
    # A user name longer than the 10-column User field, where the system has one.
    try:
        long_user = pwd.getpwnam("systemd-network").pw_uid
    except KeyError:
        return
    run_as(long_user, lambda: dgram(v4, "127.0.0.1", 4243), argv0="networkd")


def build(scratch=SCRATCH):
    global SCRATCH, time_wait
    SCRATCH = scratch
    os.makedirs(SCRATCH, exist_ok=True)
    os.chdir(SCRATCH)
    l_http = build_tcp()
    time_wait = TimeWait(l_http)
    time_wait.make()
    build_repaired()
    build_udp()
    build_raw()
    build_unix()
    build_groups()
    build_named_processes()
    build_odd_bytes()
    build_other_users()
    time.sleep(0.5)   # let the last SYN retransmission timers and window probes settle


def refresh():
    time_wait.make()
