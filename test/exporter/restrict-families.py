#!/usr/bin/env python3
"""Run a command with socket() limited to some address families, as
systemd's RestrictAddressFamilies= does (a seccomp filter on socket(2):
any other family fails with EAFNOSUPPORT; socketpair(2) is not filtered).

    restrict-families.py AF_UNIX,AF_NETLINK COMMAND ARGS...

Uses libseccomp through ctypes (no Python binding needed). Sets
no_new_privs first, as systemd does for an unprivileged service with
seccomp filters. Exits 125 when the filter cannot be installed.
"""
import ctypes
import errno
import os
import socket
import sys

FAMILIES = {'AF_UNIX': socket.AF_UNIX, 'AF_INET': socket.AF_INET, 'AF_INET6': socket.AF_INET6, 'AF_NETLINK': socket.AF_NETLINK, 'AF_PACKET': socket.AF_PACKET}
SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_ACT_ERRNO = 0x00050000
SCMP_CMP_EQ = 4
SCMP_CMP_GE = 5
PR_SET_NO_NEW_PRIVS = 38
# Families are small numbers (AF_MAX is 46 on Linux 6.x); 64 and above are refused by one rule.
CEILING = 64


class ArgCmp(ctypes.Structure):
    _fields_ = [('arg', ctypes.c_uint), ('op', ctypes.c_int), ('datum_a', ctypes.c_uint64), ('datum_b', ctypes.c_uint64)]


def fail(message):
    sys.stderr.write('restrict-families.py: %s\n' % message)
    sys.exit(125)


def main():
    if len(sys.argv) < 3:
        fail('usage: restrict-families.py AF_X,AF_Y COMMAND ARGS...')
    try:
        allowed = {FAMILIES[name] for name in sys.argv[1].split(',')}
    except KeyError as e:
        fail('unknown family %s' % e)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        fail('prctl(PR_SET_NO_NEW_PRIVS): %s' % os.strerror(ctypes.get_errno()))
    lib = ctypes.CDLL('libseccomp.so.2')
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(ArgCmp)]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    if not ctx:
        fail('seccomp_init failed')
    nr = lib.seccomp_syscall_resolve_name(b'socket')
    refuse = SCMP_ACT_ERRNO | errno.EAFNOSUPPORT
    rules = [(SCMP_CMP_EQ, family) for family in range(CEILING) if family not in allowed] + [(SCMP_CMP_GE, CEILING)]
    for op, value in rules:
        cmp = ArgCmp(0, op, value, 0)
        rc = lib.seccomp_rule_add_array(ctx, refuse, nr, 1, ctypes.byref(cmp))
        if rc != 0:
            fail('seccomp_rule_add_array: %s' % os.strerror(-rc))
    rc = lib.seccomp_load(ctx)
    if rc != 0:
        fail('seccomp_load: %s' % os.strerror(-rc))
    os.execvp(sys.argv[2], sys.argv[2:])


main()
