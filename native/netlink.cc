// netlink.cc — see netlink.h. References: netlink(7), sock_diag(7),
// linux/netlink.h, and libmnl's mnl_cb_run() checklist.
#include "netlink.h"

#include <errno.h>
#include <linux/sock_diag.h>
#include <fcntl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "errors.h"
#include "netns.h"

namespace netstat {

namespace {

// The kernel builds dump datagrams of at most ~32 KiB (netlink_dump() caps
// them at SKB_WITH_OVERHEAD(32768) once it has seen a large enough read), so
// this buffer takes every datagram in one recvmsg; MSG_TRUNC is still
// checked in case a future kernel sends more.
constexpr size_t kReceiveBufferSize = 64 * 1024;

// How often an inconsistent dump (NLM_F_DUMP_INTR) is repeated before giving up.
constexpr int kMaxRestarts = 3;

[[noreturn]] void ThrowMalformed(const char* what) { throw SystemError(EBADMSG, "recvmsg", what); }

// The kernel's error codes are -1 … -4095 (MAX_ERRNO). Anything else in an
// NLMSG_ERROR or NLMSG_DONE status is a malformed message, not an errno
// (and negating INT_MIN would be undefined behaviour; found by fuzzing).
[[noreturn]] void ThrowKernelError(int negative_errno, const char* detail) {
  if (negative_errno >= 0 || negative_errno < -4095) ThrowMalformed("netlink error code out of range");
  throw SystemError(-negative_errno, "sock_diag", detail);
}

}  // namespace

bool WalkDumpMessages(const uint8_t* data, size_t length, uint32_t expect_port, uint32_t expect_seq,
                      bool* interrupted, const MessageSink& sink, size_t* end) {
  size_t offset = 0;
  while (offset < length) {
    const size_t left = length - offset;
    if (left < sizeof(nlmsghdr)) ThrowMalformed("netlink message header cut short");
    nlmsghdr header;
    std::memcpy(&header, data + offset, sizeof header);  // the buffer may not be aligned
    if (header.nlmsg_len < sizeof(nlmsghdr) || header.nlmsg_len > left) ThrowMalformed("netlink message length out of bounds");
    if (expect_port != 0 && header.nlmsg_pid != expect_port) ThrowMalformed("netlink message for another port");
    if (expect_seq != 0 && header.nlmsg_seq != expect_seq) ThrowMalformed("netlink message out of sequence");
    if (header.nlmsg_flags & NLM_F_DUMP_INTR) *interrupted = true;

    const uint8_t* payload = data + offset + NLMSG_HDRLEN;
    const size_t payload_length = header.nlmsg_len - NLMSG_HDRLEN;
    if (header.nlmsg_type == NLMSG_ERROR) {
      nlmsgerr error;
      if (payload_length < sizeof error) ThrowMalformed("NLMSG_ERROR cut short");
      std::memcpy(&error, payload, sizeof error);
      if (error.error == 0) {  // an acknowledgement, not an error
        offset += NLMSG_ALIGN(header.nlmsg_len);
        continue;
      }
      ThrowKernelError(error.error, "the kernel refused the dump");
    }
    if (header.nlmsg_type == NLMSG_DONE) {
      // The payload of DONE is an int: a negative errno if the dump failed midway.
      if (payload_length >= sizeof(int)) {
        int status;
        std::memcpy(&status, payload, sizeof status);
        if (status < 0) ThrowKernelError(status, "the dump failed");
      }
      if (end != nullptr) *end = std::min(length, offset + NLMSG_ALIGN(header.nlmsg_len));
      return true;
    }
    if (header.nlmsg_type != NLMSG_NOOP && header.nlmsg_type != NLMSG_OVERRUN) {
      // Hand over an aligned copy only when needed: recvmsg buffers are aligned.
      if (reinterpret_cast<uintptr_t>(data + offset) % alignof(nlmsghdr) == 0) {
        sink(*reinterpret_cast<const nlmsghdr*>(data + offset));
      } else {
        std::vector<uint8_t> copy(data + offset, data + offset + header.nlmsg_len);
        sink(*reinterpret_cast<const nlmsghdr*>(copy.data()));
      }
    }
    offset += NLMSG_ALIGN(header.nlmsg_len);
  }
  return false;
}

NetlinkSocket::NetlinkSocket(int protocol, const std::string& netns) : buffer_(kReceiveBufferSize) {
  fd_ = OpenSocketIn(netns, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;  // nl_pid 0: the kernel assigns a unique port id
  if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    throw SystemError(errno, "bind", "cannot bind the netlink socket");
  }
  socklen_t length = sizeof local;
  if (::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&local), &length) != 0) {
    throw SystemError(errno, "getsockname", "cannot learn the netlink port id");
  }
  port_ = local.nl_pid;
}

void NetlinkSocket::Dump(std::vector<uint8_t> request, const MessageSink& sink, const std::function<void()>& restart,
                         std::vector<uint8_t>* record, const int32_t* cancel) {
  for (int attempt = 0;; ++attempt) {
    ThrowIfCancelled(cancel, "recvmsg", "the dump was cancelled");
    SendDump(&request);
    bool interrupted = false;
    while (!ReceiveDump(sink, &interrupted, record, cancel)) {
    }
    if (!interrupted) return;
    if (attempt + 1 >= kMaxRestarts) throw SystemError(EINTR, "recvmsg", "the dump stayed inconsistent (NLM_F_DUMP_INTR)");
    restart();
    if (record != nullptr) record->clear();
  }
}

void NetlinkSocket::SendDump(std::vector<uint8_t>* request) {
  if (request->size() < sizeof(nlmsghdr)) throw SystemError(EINVAL, "sendmsg", "a netlink request needs its header");
  const uint32_t seq = ++seq_;
  datagrams_ = 0;
  auto* header = reinterpret_cast<nlmsghdr*>(request->data());
  header->nlmsg_seq = seq;
  header->nlmsg_pid = port_;

  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  iovec out{request->data(), request->size()};
  msghdr message{};
  message.msg_name = &kernel;
  message.msg_namelen = sizeof kernel;
  message.msg_iov = &out;
  message.msg_iovlen = 1;
  ssize_t sent;
  do {
    sent = ::sendmsg(fd_.get(), &message, 0);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) throw SystemError(errno, "sendmsg", "cannot send the sock_diag request");
}

bool NetlinkSocket::ReceiveDump(const MessageSink& sink, bool* interrupted, std::vector<uint8_t>* record, const int32_t* cancel) {
  Datagram reply = Receive();
  const ssize_t received = reply.length;
  if (received < 0) throw SystemError(errno, "recvmsg", "cannot receive the sock_diag reply");
  ThrowIfCancelled(cancel, "recvmsg", "the dump was cancelled");  // once per datagram: an abort stops at the next batch
  if (received == 0) ThrowMalformed("the netlink socket closed mid-dump");
  if (reply.truncated) throw SystemError(EMSGSIZE, "recvmsg", "a sock_diag datagram was truncated");
  if (reply.sender != 0) ThrowMalformed("netlink datagram not from the kernel");
  ++datagrams_;
  if (record != nullptr) record->insert(record->end(), buffer_.data(), buffer_.data() + received);
  return WalkDumpMessages(buffer_.data(), static_cast<size_t>(received), port_, seq_, interrupted, sink);
}

NetlinkSocket::Datagram NetlinkSocket::Receive() {
  sockaddr_nl from{};
  iovec in{buffer_.data(), buffer_.size()};
  msghdr reply{};
  reply.msg_name = &from;
  reply.msg_namelen = sizeof from;
  reply.msg_iov = &in;
  reply.msg_iovlen = 1;
  ssize_t received;
  do {
    received = ::recvmsg(fd_.get(), &reply, 0);
  } while (received < 0 && errno == EINTR);
  return Datagram{received, (reply.msg_flags & MSG_TRUNC) != 0, from.nl_pid};
}

void NetlinkSocket::JoinGroup(unsigned group) {
  if (::setsockopt(fd_.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0) {
    throw SystemError(errno, "setsockopt", "cannot join the sock_diag multicast group");
  }
}

void NetlinkSocket::SetNonBlocking() {
  const int flags = ::fcntl(fd_.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd_.get(), F_SETFL, flags | O_NONBLOCK) != 0) throw SystemError(errno, "fcntl", "cannot make the netlink socket non-blocking");
}

bool NetlinkSocket::ReceiveNotifications(const MessageSink& sink) {
  const Datagram reply = Receive();
  const ssize_t received = reply.length;
  if (received < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
    throw SystemError(errno, "recvmsg", errno == ENOBUFS ? "sock_diag notifications were lost" : "cannot receive sock_diag notifications");
  }
  if (reply.truncated) throw SystemError(EMSGSIZE, "recvmsg", "a sock_diag notification was truncated");
  if (reply.sender != 0) return true;  // only the kernel speaks on these groups; ignore anything else
  bool interrupted = false;
  WalkDumpMessages(buffer_.data(), static_cast<size_t>(received), 0, 0, &interrupted, sink);
  return true;
}

}  // namespace netstat
