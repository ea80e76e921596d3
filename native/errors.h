// errors.h — the one error type the native core throws.
//
// A SystemError carries the errno and the failing system call, so binding.cc
// can turn it into a Node-style error with `code`, `errno` and `syscall`
// (design notes §1.9). The core throws only this (or std::bad_alloc).
//
// Cancellation: a request may carry `const int32_t* cancel`, the data of an
// Int32Array on a SharedArrayBuffer that JavaScript sets to non-zero to stop
// the work; the core polls it between units of work (a recv batch, a PID
// directory) and stops with SystemError(ECANCELED).
#ifndef NETSTAT_NATIVE_ERRORS_H_
#define NETSTAT_NATIVE_ERRORS_H_

#include <errno.h>

#include <cstdint>
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

// True once JavaScript has set the flag (a relaxed atomic load: the flag
// orders nothing else, it only has to be seen eventually). Null = never.
inline bool CancelRequested(const int32_t* cancel) { return cancel != nullptr && __atomic_load_n(cancel, __ATOMIC_RELAXED) != 0; }

// Throws SystemError(ECANCELED, syscall, detail) if cancellation was requested.
inline void ThrowIfCancelled(const int32_t* cancel, const char* syscall, const char* detail) {
  if (CancelRequested(cancel)) throw SystemError(ECANCELED, syscall, detail);
}

}  // namespace netstat

#endif  // NETSTAT_NATIVE_ERRORS_H_
