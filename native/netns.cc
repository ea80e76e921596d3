// netns.cc — see netns.h.
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>

#include <optional>
#include <thread>

#include "errors.h"

namespace netstat {

namespace {

Fd OpenNamespaceFile(const std::string& path, const char* what) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw SystemError(errno, "open", std::string(what) + " " + path);
  return fd;
}

// Runs on the dedicated thread: enter, create, leave.
Fd CreateInside(const std::string& netns_path, int domain, int type, int protocol) {
  // The way back, opened before leaving: /proc/thread-self names this thread's own namespace.
  Fd home = OpenNamespaceFile("/proc/thread-self/ns/net", "cannot open this thread's network namespace");
  Fd target = OpenNamespaceFile(netns_path, "cannot open network namespace");
  if (::setns(target.get(), CLONE_NEWNET) != 0) throw SystemError(errno, "setns", "cannot enter network namespace " + netns_path);
  Fd socket(::socket(domain, type, protocol));
  const int socket_errno = errno;
  // Leaving cannot fail for a namespace this thread was just in; were it to,
  // the thread ends right after and takes the namespace reference with it.
  (void)::setns(home.get(), CLONE_NEWNET);
  if (!socket.valid()) throw SystemError(socket_errno, "socket", "cannot open a socket in network namespace " + netns_path);
  return socket;
}

}  // namespace

Fd OpenSocketIn(const std::string& netns_path, int domain, int type, int protocol) {
  if (netns_path.empty()) {
    Fd socket(::socket(domain, type, protocol));
    if (!socket.valid()) throw SystemError(errno, "socket", "cannot open a socket");
    return socket;
  }
  // Results cross the thread boundary as values: no exception leaves the thread.
  Fd result;
  std::optional<SystemError> failure;
  std::thread worker([&] {
    try {
      result = CreateInside(netns_path, domain, type, protocol);
    } catch (const SystemError& error) {
      failure.emplace(error);
    } catch (const std::exception& error) {
      failure.emplace(EIO, "setns", error.what());
    }
  });
  worker.join();
  if (failure) throw *failure;
  return result;
}

}  // namespace netstat
