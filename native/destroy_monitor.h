// destroy_monitor.h — the sock_diag destroy notifications (linux/sock_diag.h
// SKNLGRP_*): the kernel multicasts one inet_diag message per TCP or UDP
// socket it frees, to any NETLINK_SOCK_DIAG socket that joined the groups
// (unprivileged processes may join). No N-API here: binding.cc runs Next()
// on a thread of its own and hands the batches to JavaScript.
//
// Error contract: the constructor throws SystemError as NetlinkSocket does
// (and "setsockopt" if a group cannot be joined, "eventfd"); Next() throws
// SystemError for anything but a lost notification, which it reports as
// kOverflow instead: the caller must then resynchronise from a dump.
#ifndef NETSTAT_NATIVE_DESTROY_MONITOR_H_
#define NETSTAT_NATIVE_DESTROY_MONITOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "fd.h"
#include "netlink.h"

namespace netstat {

// Appends the cookie of one destroy notification to `cookies` as a (low,
// high) pair; any other message (not SOCK_DIAG_BY_FAMILY, or shorter than an
// inet_diag_msg) is ignored. Pure: the fuzz harness (native/fuzz/) calls it
// on crafted bytes.
void CollectDestroyedCookie(const nlmsghdr& message, std::vector<uint32_t>* cookies);

class DestroyMonitor {
 public:
  // Joins the four destroy groups (TCP and UDP, v4 and v6) in the network
  // namespace `netns` (a namespace file; empty = the caller's own).
  explicit DestroyMonitor(const std::string& netns);

  enum class Wait { kEvents, kOverflow, kStopped };

  // Blocks until notifications arrive or Stop() is called. On kEvents and
  // kOverflow, `cookies` holds the freed sockets' cookies as (low, high)
  // pairs of 32-bit words, in arrival order (at most kMaxBatch of them; the
  // rest wait for the next call). kStopped: nothing more will be delivered.
  Wait Next(std::vector<uint32_t>* cookies);

  // Wakes Next() for good; safe from any thread, any number of times.
  void Stop();

  static constexpr size_t kMaxBatch = 4096;

 private:
  NetlinkSocket socket_;
  Fd wake_;  // an eventfd: readable once Stop() was called
};

}  // namespace netstat

#endif  // NETSTAT_NATIVE_DESTROY_MONITOR_H_
