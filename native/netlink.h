// netlink.h — a NETLINK_SOCK_DIAG socket that sends one dump request and
// receives the whole reply, with libmnl's checks (netlink(7), libmnl's
// mnl_cb_run): every message must carry our port id and sequence number,
// NLMSG_ERROR and a negative NLMSG_DONE payload are errors, a truncated
// datagram is an error, and NLM_F_DUMP_INTR restarts the dump.
//
// Error contract: every function throws SystemError (errno + syscall):
//   socket/bind/getsockname failures as is (EPERM/EACCES in sandboxes,
//   EPROTONOSUPPORT without sock_diag); a kernel NLMSG_ERROR as its errno
//   with syscall "sock_diag" (ENOENT: no diag module for that protocol);
//   EMSGSIZE for a truncated datagram; EBADMSG for malformed messages;
//   EINTR if the dump stayed inconsistent after several restarts;
//   ECANCELED (syscall "recvmsg") once the caller's cancel flag is set.
#ifndef NETSTAT_NATIVE_NETLINK_H_
#define NETSTAT_NATIVE_NETLINK_H_

#include <linux/netlink.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fd.h"

namespace netstat {

// Receives each payload message of a dump (never NLMSG_DONE/NLMSG_ERROR).
using MessageSink = std::function<void(const nlmsghdr& message)>;

// Walks a buffer of netlink messages (one datagram, or a recording).
// Returns true once NLMSG_DONE was seen, and then stops: `end` (if given) is
// set to the offset just past it. With `expect_port`/`expect_seq` non-zero,
// messages not addressed to us are rejected (EBADMSG).
// Throws SystemError as described above.
bool WalkDumpMessages(const uint8_t* data, size_t length, uint32_t expect_port, uint32_t expect_seq,
                      bool* interrupted, const MessageSink& sink, size_t* end = nullptr);

class NetlinkSocket {
 public:
  // Opens a netlink socket of `protocol` (NETLINK_SOCK_DIAG for socket dumps,
  // NETLINK_ROUTE for link/address dumps) and learns its port id. With
  // `netns` (a namespace file), the socket is made inside that network
  // namespace (netns.h) and every dump over it sees that namespace.
  explicit NetlinkSocket(int protocol = NETLINK_SOCK_DIAG, const std::string& netns = std::string());

  // Joins a multicast group (the sock_diag destroy groups, SKNLGRP_*).
  void JoinGroup(unsigned group);

  // Receives one datagram into the socket's buffer and delivers its messages
  // (multicast notifications: any sequence number, port 0). Returns false
  // when nothing was waiting (the socket is non-blocking then). Throws
  // SystemError(ENOBUFS, "recvmsg") when the kernel dropped notifications.
  bool ReceiveNotifications(const MessageSink& sink);

  // Makes receives return at once when nothing is waiting.
  void SetNonBlocking();

  int fd() const { return fd_.get(); }

  // Sends `request` (a complete message; its nlmsg_seq and nlmsg_pid are
  // filled in here) and delivers every reply message to `sink` until
  // NLMSG_DONE. `restart` is called before a dump is repeated because the
  // kernel flagged it inconsistent (NLM_F_DUMP_INTR); the sink must then
  // forget what it got. `record`, if given, receives every datagram's bytes.
  // `cancel` (nullable, see errors.h) is polled before the request is sent
  // and after every datagram received: once set, Dump throws
  // SystemError(ECANCELED, "recvmsg") at that point.
  void Dump(std::vector<uint8_t> request, const MessageSink& sink, const std::function<void()>& restart,
            std::vector<uint8_t>* record, const int32_t* cancel = nullptr);

  // The same dump, a datagram at a time, for a caller that hands batches on
  // while the kernel builds the next (a streamed listing): SendDump sends
  // the request, then each ReceiveDump receives one datagram, delivers its
  // messages and returns true once NLMSG_DONE was seen. Checks, errors and
  // `cancel` as Dump's; `*interrupted` is set when the kernel flags the
  // dump inconsistent (NLM_F_DUMP_INTR) — the caller decides, since rows
  // already handed on cannot be taken back by a restart.
  void SendDump(std::vector<uint8_t>* request);
  bool ReceiveDump(const MessageSink& sink, bool* interrupted, std::vector<uint8_t>* record, const int32_t* cancel);

  // Datagrams received since the last request was sent: more than one means
  // the kernel resumed the dump between reads (dump_check.h).
  size_t datagrams() const { return datagrams_; }

 private:
  // One recvmsg into buffer_, retried on EINTR. `length` < 0: failed, errno says why.
  struct Datagram {
    ssize_t length;
    bool truncated;
    uint32_t sender;  // nl_pid of the sender: 0 is the kernel
  };
  Datagram Receive();

  Fd fd_;
  uint32_t port_ = 0;
  uint32_t seq_ = 0;
  size_t datagrams_ = 0;
  std::vector<uint8_t> buffer_;
};

}  // namespace netstat

#endif  // NETSTAT_NATIVE_NETLINK_H_
