// destroy_monitor.cc — see destroy_monitor.h.
#include "destroy_monitor.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <poll.h>
#include <sys/eventfd.h>

#include <cstring>

#include "errors.h"

namespace netstat {

void CollectDestroyedCookie(const nlmsghdr& message, std::vector<uint32_t>* cookies) {
  if (message.nlmsg_type != SOCK_DIAG_BY_FAMILY || message.nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) return;
  inet_diag_msg msg;
  std::memcpy(&msg, NLMSG_DATA(&message), sizeof msg);
  cookies->push_back(msg.id.idiag_cookie[0]);
  cookies->push_back(msg.id.idiag_cookie[1]);
}

DestroyMonitor::DestroyMonitor(const std::string& netns) : socket_(NETLINK_SOCK_DIAG, netns) {
  for (unsigned group : {SKNLGRP_INET_TCP_DESTROY, SKNLGRP_INET_UDP_DESTROY, SKNLGRP_INET6_TCP_DESTROY, SKNLGRP_INET6_UDP_DESTROY}) {
    socket_.JoinGroup(group);
  }
  socket_.SetNonBlocking();
  wake_ = Fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_.valid()) throw SystemError(errno, "eventfd", "cannot create the watch's wake-up descriptor");
}

void DestroyMonitor::Stop() {
  const uint64_t one = 1;
  // A full counter (EAGAIN) is already readable, which is all Stop needs.
  (void)!::write(wake_.get(), &one, sizeof one);
}

DestroyMonitor::Wait DestroyMonitor::Next(std::vector<uint32_t>* cookies) {
  cookies->clear();
  const MessageSink collect = [cookies](const nlmsghdr& message) { CollectDestroyedCookie(message, cookies); };
  for (;;) {
    pollfd fds[2] = {{socket_.fd(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    const int ready = ::poll(fds, 2, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw SystemError(errno, "poll", "cannot wait for sock_diag notifications");
    }
    if (fds[1].revents != 0) return Wait::kStopped;
    // Drain what is waiting, up to one batch.
    try {
      while (cookies->size() < 2 * kMaxBatch && socket_.ReceiveNotifications(collect)) {
      }
    } catch (const SystemError& error) {
      if (error.error_number() == ENOBUFS) return Wait::kOverflow;
      throw;
    }
    if (!cookies->empty()) return Wait::kEvents;
  }
}

}  // namespace netstat
