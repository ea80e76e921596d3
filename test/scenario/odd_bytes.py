"""Kernel text that is not UTF-8 (test/cli/kernel-bytes.test.ts): a UNIX path DIR/s\\377\\376, an
abstract name @abs\\377\\376 and a TCP listener on 127.0.0.1:4321, all held by a program whose
argv[0] is /opt/py\\377\\376 (net-tools shows the base name's bytes)."""
import os

from build import DGRAM, STREAM, hand_over, listener, unix, v4


def build(dir):
    sockets = [unix(STREAM, os.path.join(dir.encode(), b's\xff\xfe'), backlog=128),
               unix(DGRAM, b'\0abs\xff\xfe'),
               listener(v4, '127.0.0.1', 4321, backlog=128, reuse=False)]
    hand_over(b'/opt/py\xff\xfe', sockets)
