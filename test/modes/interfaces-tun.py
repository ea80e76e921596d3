"""Makes the interfaces of the `-i` hardware scenario (interfaces-hardware.test.ts).

A tun/tap device can take any ARPHRD type with TUNSETLINK (while down), so a
stock kernel without AX.25, ARCnet or SLIP drivers can still show net-tools
every hardware type it knows. Commands, run in order:

  tun:NAME:TYPE         persistent tun device (no hardware address) of ARPHRD TYPE
  tap:NAME:TYPE         persistent tap device (an Ethernet-style address the
                        kernel keeps as many bytes of as TYPE's address length)
  flags:NAME:BITS       OR BITS into the interface flags with SIOCSIFFLAGS (the
                        kernel lets DEBUG, NOTRAILERS, NOARP, DYNAMIC, MULTICAST,
                        PORTSEL and AUTOMEDIA through; iproute2 has no words for
                        the last two)
  send:NAME:COUNT:SIZE  write COUNT IPv4 packets of SIZE bytes into tun device
                        NAME (which must be up): its RX counters grow by that much
"""
import fcntl
import os
import socket
import struct
import sys

TUNSETIFF = 0x400454CA
TUNSETPERSIST = 0x400454CB
TUNSETLINK = 0x400454CD
IFF_TUN = 0x0001
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914


def attach(name, mode):
    fd = os.open('/dev/net/tun', os.O_RDWR)
    kind = IFF_TUN if mode == 'tun' else IFF_TAP
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), kind | IFF_NO_PI))
    return fd


def create(mode, name, arphrd):
    fd = attach(name, mode)
    fcntl.ioctl(fd, TUNSETLINK, int(arphrd, 0))
    fcntl.ioctl(fd, TUNSETPERSIST, 1)
    os.close(fd)


def add_flags(name, bits):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack('16s24x', name.encode())
        flags = struct.unpack_from('H', fcntl.ioctl(s, SIOCGIFFLAGS, request), 16)[0]
        # ifr_flags is a short: 0x8000 (DYNAMIC) goes in as a negative number.
        flags |= int(bits, 0)
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack('16sh22x', name.encode(), flags - 0x10000 if flags & 0x8000 else flags))


def send(name, count, size):
    fd = attach(name, 'tun')
    # Version nibble 4 is all tun looks at to take the bytes as an IPv4 packet.
    packet = bytes([0x45]) + bytes(int(size) - 1)
    for _ in range(int(count)):
        os.write(fd, packet)
    os.close(fd)


for command in sys.argv[1:]:
    verb, *args = command.split(':')
    if verb in ('tun', 'tap'):
        create(verb, *args)
    elif verb == 'flags':
        add_flags(*args)
    elif verb == 'send':
        send(*args)
    else:
        sys.exit(f'interfaces-tun.py: unknown command {command!r}')
