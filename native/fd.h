// fd.h — a move-only owner of one file descriptor.
//
// Every descriptor the engine opens (netlink sockets, /proc directories,
// cmdline files) lives in an Fd, so every error path closes it (design
// notes §1.10: RAII instead of goto-based cleanup).
#ifndef NETSTAT_NATIVE_FD_H_
#define NETSTAT_NATIVE_FD_H_

#include <unistd.h>

#include <utility>

namespace netstat {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Fd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

  void Reset() {
    // close() is not retried on EINTR: on Linux the descriptor is released
    // either way, and retrying could close a descriptor another thread got.
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

}  // namespace netstat

#endif  // NETSTAT_NATIVE_FD_H_
