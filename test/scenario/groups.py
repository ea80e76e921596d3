"""Multicast group memberships for `-g` (test/modes/groups-namespace.test.ts): a bridge `br0`
and a veth end with a 15-character name, and groups joined on both families (239.1.2.3 on br0
twice), held by this process's sockets."""
import socket
import struct

from build import ip, keep


def join4(group, ifname):
    s = keep(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 socket.inet_aton(group) + struct.pack('=II', 0, socket.if_nametoindex(ifname)))


def join6(group, ifname):
    s = keep(socket.socket(socket.AF_INET6, socket.SOCK_DGRAM))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                 socket.inet_pton(socket.AF_INET6, group) + struct.pack('=I', socket.if_nametoindex(ifname)))


def build():
    ip('link', 'add', 'veth-longname15', 'type', 'veth', 'peer', 'name', 'vp0')
    ip('link', 'add', 'br0', 'type', 'bridge')
    ip('link', 'set', 'veth-longname15', 'up')
    ip('link', 'set', 'br0', 'up')
    join4('239.1.2.3', 'br0')
    join4('239.1.2.3', 'br0')
    join4('239.255.0.1', 'lo')
    join4('224.0.0.251', 'veth-longname15')
    join6('ff15::1234', 'br0')
    join6('ff02::fb', 'veth-longname15')
    join6('ff05::2', 'lo')
