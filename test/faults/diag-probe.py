"""
Asks the kernel directly, without the engine under test, whether sock_diag
can dump one inet protocol: sends one SOCK_DIAG_BY_FAMILY request
(inet_diag_req_v2, linux/inet_diag.h) and prints `present` when the dump
answers, `missing` when it fails with ENOENT (no diag handler for that
protocol, e.g. RAW without CONFIG_INET_RAW_DIAG), or `error N` otherwise.

    python3 diag-probe.py PROTOCOL_NUMBER
"""
import errno
import socket
import struct
import sys

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST = 0x1
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3

protocol = int(sys.argv[1])
# inet_diag_req_v2: family, protocol, ext, pad, states, then an all-zero inet_diag_sockid (48 bytes).
request = struct.pack('=BBBBI', socket.AF_INET, protocol, 0, 0, 0xFFFFFFFF) + bytes(48)
header = struct.pack('=IHHII', 16 + len(request), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG)
s.send(header + request)


def outcome():
    """The dump's error code (0: it answered), from NLMSG_ERROR or the int NLMSG_DONE carries."""
    while True:
        reply = s.recv(65536)
        at = 0
        while at + 16 <= len(reply):
            length, kind = struct.unpack_from('=IH', reply, at)
            if kind in (NLMSG_ERROR, NLMSG_DONE):
                return -struct.unpack_from('=i', reply, at + 16)[0] if length >= 20 else 0
            at += (length + 3) & ~3


code = outcome()
print('present' if code == 0 else 'missing' if code == errno.ENOENT else 'error %d' % code)
