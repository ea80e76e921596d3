// errors.h — the one error type the native core throws.
//
// A SystemError carries the errno and the failing system call, so binding.cc
// can turn it into a Node-style error with `code`, `errno` and `syscall`
// (design notes §1.9). The core throws only this (or std::bad_alloc).
#ifndef NETSTAT_NATIVE_ERRORS_H_
#define NETSTAT_NATIVE_ERRORS_H_

#include <stdexcept>
#include <string>

namespace netstat {

class SystemError : public std::runtime_error {
 public:
  // `detail` says what was being done ("sock_diag dump"), for the message.
  SystemError(int err, std::string syscall, const std::string& detail = std::string())
      : std::runtime_error(detail), errno_(err), syscall_(std::move(syscall)) {}

  int error_number() const { return errno_; }
  const std::string& syscall() const { return syscall_; }

 private:
  int errno_;
  std::string syscall_;
};

}  // namespace netstat

#endif  // NETSTAT_NATIVE_ERRORS_H_
