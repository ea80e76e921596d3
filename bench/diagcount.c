/*
 * diagcount — the kernel's own cost of listing TCP sockets: one
 * NETLINK_SOCK_DIAG dump per family (all states but TCP_BOUND_INACTIVE), no
 * decoding beyond counting messages. The yardstick of `npm run bench`.
 *
 * `diagcount --both`: one dump of both families instead, with the old
 * TCPDIAG_GETSOCK request (struct inet_diag_req), which the kernel runs with
 * sdiag_family AF_UNSPEC — one walk of the hash tables instead of two (what
 * the engine's dumpInetBoth asks).
 *
 * `diagcount --info`: each per-family dump asks INET_DIAG_INFO (tcp_info),
 * as the library's default listing does for its timer columns: the
 * kernel's cost of that request.
 */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Receives a dump's replies, counting the sockets. */
static long count_replies(int fd) {
  static unsigned char buffer[64 * 1024] __attribute__((aligned(4)));
  long count = 0;
  for (;;) {
    ssize_t length = recv(fd, buffer, sizeof buffer, 0);
    if (length < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)buffer; NLMSG_OK(h, (size_t)length); h = NLMSG_NEXT(h, length)) {
      if (h->nlmsg_type == NLMSG_DONE) return count;
      if (h->nlmsg_type == NLMSG_ERROR) return -EPROTO;
      count++;
    }
  }
}

static long dump(int fd, unsigned char family, unsigned seq, int info) {
  struct {
    struct nlmsghdr header;
    struct inet_diag_req_v2 body;
  } request;
  memset(&request, 0, sizeof request);
  request.header.nlmsg_len = sizeof request;
  request.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = seq;
  request.body.sdiag_family = family;
  request.body.sdiag_protocol = IPPROTO_TCP;
  request.body.idiag_states = 0x1ffe;
  if (info) request.body.idiag_ext = 1 << (INET_DIAG_INFO - 1);
  if (send(fd, &request, sizeof request, 0) < 0) return -errno;
  return count_replies(fd);
}

static long dump_both(int fd, unsigned seq) {
  struct {
    struct nlmsghdr header;
    struct inet_diag_req body;
  } request;
  memset(&request, 0, sizeof request);
  request.header.nlmsg_len = sizeof request;
  request.header.nlmsg_type = TCPDIAG_GETSOCK;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = seq;
  request.body.idiag_states = 0x1ffe;
  if (send(fd, &request, sizeof request, 0) < 0) return -errno;
  return count_replies(fd);
}

int main(int argc, char **argv) {
  int both = argc > 1 && strcmp(argv[1], "--both") == 0;
  int info = argc > 1 && strcmp(argv[1], "--info") == 0;
  if (argc > 2 || (argc == 2 && !both && !info)) {
    fprintf(stderr, "usage: diagcount [--both | --info]\n");
    return 2;
  }
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) {
    perror("diagcount: socket");
    return 1;
  }
  long v4 = both ? dump_both(fd, 1) : dump(fd, AF_INET, 1, info);
  long v6 = both ? 0 : dump(fd, AF_INET6, 2, info);
  close(fd);
  if (v4 < 0 || v6 < 0) {
    fprintf(stderr, "diagcount: dump failed: %s\n", strerror((int)-(v4 < 0 ? v4 : v6)));
    return 1;
  }
  printf("%ld\n", v4 + v6);
  return 0;
}
