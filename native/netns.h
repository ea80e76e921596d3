// netns.h — sockets created inside another network namespace.
//
// A socket belongs for life to the network namespace of the thread that
// created it, so dumping another namespace needs only its sock_diag socket
// made there: the thread enters the namespace (setns(2), CLONE_NEWNET),
// creates the socket, and returns. That switch happens on a dedicated
// thread started for it — never on Node's main thread, never on a libuv
// pool thread that other work shares, either of which would leave every
// later socket of that thread in the wrong namespace if anything failed
// between entering and leaving. The thread leaves the namespace again before
// it ends, so nothing it owns outlives it there.
//
// Error contract: SystemError with syscall "open" (the namespace file:
// ENOENT, EACCES), "setns" (EPERM without CAP_SYS_ADMIN over the
// namespace, EINVAL for a file that is not a network namespace) or "socket".
#ifndef NETSTAT_NATIVE_NETNS_H_
#define NETSTAT_NATIVE_NETNS_H_

#include <string>

#include "fd.h"

namespace netstat {

// socket(domain, type, protocol) in the network namespace whose file is
// `netns_path` (/proc/PID/ns/net, /run/netns/NAME, …), or in the caller's
// own namespace when the path is empty.
Fd OpenSocketIn(const std::string& netns_path, int domain, int type, int protocol);

// The whole of `/proc/thread-self/<relative>` as read by a thread inside the
// namespace (`net/raw`, `net/unix`, …): /proc shows a thread the tables of
// its own namespace, which is how a namespace no process is in can still be
// read from /proc. Errors as above, plus "open"/"read" for the file.
std::string ReadProcIn(const std::string& netns_path, const std::string& relative);

}  // namespace netstat

#endif  // NETSTAT_NATIVE_NETNS_H_
