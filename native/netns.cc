// netns.cc — see netns.h.
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

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

// On a thread started for it: enter the namespace, run `work`, leave, end.
// Results cross the thread boundary as values: no exception leaves the thread.
template <typename Result, typename Work>
Result RunInside(const std::string& netns_path, Work work) {
  Result result{};
  std::optional<SystemError> failure;
  std::thread worker([&] {
    try {
      // The way back, opened before leaving: /proc/thread-self names this thread's own namespace.
      Fd home = OpenNamespaceFile("/proc/thread-self/ns/net", "cannot open this thread's network namespace");
      Fd target = OpenNamespaceFile(netns_path, "cannot open network namespace");
      if (::setns(target.get(), CLONE_NEWNET) != 0) throw SystemError(errno, "setns", "cannot enter network namespace " + netns_path);
      std::optional<SystemError> inside;
      try {
        result = work();
      } catch (const SystemError& error) {
        inside.emplace(error);
      }
      // Leaving cannot fail for a namespace this thread was just in; were it
      // to, the thread ends right after and takes the reference with it.
      (void)::setns(home.get(), CLONE_NEWNET);
      if (inside) throw *inside;
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

}  // namespace

Fd OpenSocketIn(const std::string& netns_path, int domain, int type, int protocol) {
  const auto create = [&] {
    Fd socket(::socket(domain, type, protocol));
    if (!socket.valid()) throw SystemError(errno, "socket", "cannot open a socket" + (netns_path.empty() ? std::string() : " in network namespace " + netns_path));
    return socket;
  };
  if (netns_path.empty()) return create();
  return RunInside<Fd>(netns_path, create);
}

std::string ReadProcIn(const std::string& netns_path, const std::string& relative) {
  const std::string path = "/proc/thread-self/" + relative;
  return RunInside<std::string>(netns_path, [&] {
    Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!file.valid()) throw SystemError(errno, "open", path);
    std::string text;
    char buffer[65536];
    for (;;) {
      const ssize_t got = ::read(file.get(), buffer, sizeof buffer);
      if (got < 0) {
        if (errno == EINTR) continue;
        throw SystemError(errno, "read", path);
      }
      if (got == 0) return text;
      text.append(buffer, static_cast<size_t>(got));
    }
  });
}

}  // namespace netstat
