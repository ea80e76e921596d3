/*
 * seccomp-run: run a command with netlink sockets refused, the way a sandbox
 * (a container runtime's seccomp profile, systemd's RestrictAddressFamilies=)
 * refuses them. Used by the fault tests; built by them with `cc`.
 *
 *   seccomp-run ERRNO TARGET COMMAND [ARG...]
 *
 * ERRNO  EPERM or EACCES: what socket() returns when refused.
 * TARGET sock_diag  socket(AF_NETLINK, *, NETLINK_SOCK_DIAG) is refused
 *        route      socket(AF_NETLINK, *, NETLINK_ROUTE) is refused
 *        netlink    every socket(AF_NETLINK, ...) is refused
 *        bpf        every bpf() call is refused (as docker's default profile does)
 *
 * No libseccomp: the filter is a hand-written classic BPF program. It only
 * knows the calling convention of the architecture it was compiled for, so a
 * system call made under another one (e.g. int 0x80 from x86-64) kills the
 * process rather than being let through unchecked. Sockets made any other
 * way (io_uring's IORING_OP_SOCKET) are not covered; nothing here uses that.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define THIS_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define THIS_ARCH AUDIT_ARCH_AARCH64
#else
#error "seccomp-run knows only x86-64 and aarch64 system call numbers"
#endif

/* The low 32 bits of a 64-bit system call argument (what socket()'s int arguments are). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LOW(n) (offsetof(struct seccomp_data, args) + 8 * (n))
#else
#define ARG_LOW(n) (offsetof(struct seccomp_data, args) + 8 * (n) + 4)
#endif

static int usage(void) {
  fprintf(stderr, "usage: seccomp-run EPERM|EACCES sock_diag|route|netlink|bpf COMMAND [ARG...]\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 4) return usage();
  int error;
  if (strcmp(argv[1], "EPERM") == 0) error = EPERM;
  else if (strcmp(argv[1], "EACCES") == 0) error = EACCES;
  else return usage();

  /* -1: every netlink protocol; otherwise the one protocol refused; -2: bpf(). */
  int protocol;
  if (strcmp(argv[2], "bpf") == 0) protocol = -2;
  else if (strcmp(argv[2], "sock_diag") == 0) protocol = NETLINK_SOCK_DIAG;
  else if (strcmp(argv[2], "route") == 0) protocol = NETLINK_ROUTE;
  else if (strcmp(argv[2], "netlink") == 0) protocol = -1;
  else return usage();

  struct sock_filter program[] = {
      /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, THIS_ARCH, 1, 0),
      /* 2 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      /* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      /* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 5 /* allow */),
      /* 5 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LOW(0)),
      /* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 0, 3 /* allow */),
      /* 7 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LOW(2)),
      /* For "netlink" both branches refuse; otherwise only the chosen protocol. */
      /* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)protocol, 0, protocol == -1 ? 0 : 1),
      /* 9 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (error & SECCOMP_RET_DATA)),
      /* 10 allow */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_filter bpf_program[] = {
      /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, THIS_ARCH, 1, 0),
      /* 2 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      /* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      /* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_bpf, 0, 1 /* allow */),
      /* 5 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (error & SECCOMP_RET_DATA)),
      /* 6 allow */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog filter = {.len = sizeof program / sizeof program[0], .filter = program};
  if (protocol == -2) {
    filter.len = sizeof bpf_program / sizeof bpf_program[0];
    filter.filter = bpf_program;
  }

  /* Lets an unprivileged caller install a filter, and keeps the command from gaining privileges past it. */
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    perror("seccomp-run: prctl(PR_SET_NO_NEW_PRIVS)");
    return 125;
  }
  if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &filter) != 0) {
    perror("seccomp-run: seccomp(SECCOMP_SET_MODE_FILTER)");
    return 125;
  }
  execvp(argv[3], argv + 3);
  perror("seccomp-run: execvp");
  return 127;
}
