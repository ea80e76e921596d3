// proc_fds.h — which processes hold which sockets: the /proc/PID/fd walk
// (proc(5)), done the way net-tools' prg_cache_load() does it so that the
// first holder found is the one net-tools shows.
//
// Walk order: PIDs in /proc readdir order, each PID's fds in readdir order.
// The work is shared by `threads` threads (the cost is readlink in the
// kernel, ~3 µs per fd, and it scales with cores), each taking the next
// process in turn, and results are merged back into walk order.
// Error contract: never throws for per-process trouble. EACCES on opening a
// fd directory is counted in `denied` (the case net-tools' notice is about);
// ENOENT/ESRCH (a process or fd gone mid-walk, a cmdline that cannot be read)
// in `vanished`; anything else is skipped as net-tools does. A proc root that
// cannot be opened sets `proc_unreadable` (a listing error just ends the
// listing). Only std::bad_alloc and SystemError(ECANCELED, "getdents64") (the
// caller's cancel flag, errors.h) escape.
#ifndef NETSTAT_NATIVE_PROC_FDS_H_
#define NETSTAT_NATIVE_PROC_FDS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace netstat {

struct OwnerRows {
  // Row i: process pids[i] holds socket inodes[i]; its argv[0] text is
  // programs.substr(program_offsets[i], program_lengths[i]).
  std::vector<double> inodes;
  std::vector<int32_t> pids;
  std::vector<uint32_t> program_offsets;
  std::vector<uint32_t> program_lengths;
  std::string programs;
  uint32_t denied = 0;
  // The processes counted in `denied`, in walk order.
  std::vector<int32_t> denied_pids;
  uint32_t vanished = 0;
  bool proc_unreadable = false;
  // How the walk was done: "proc" (readlink under /proc/PID/fd, here) or
  // "bpf" (the kernel's task_file iterator, bpf_owners.h); why; and the errno
  // that made the BPF walk give way to the /proc walk, if one did.
  const char* method = "proc";
  std::string method_reason;
  int method_errno = 0;
};

struct OwnerScanRequest {
  std::string proc_root;
  // Inodes of interest (only these are returned); empty with `all` = map every socket.
  std::vector<uint64_t> wanted;
  bool all = true;
  int threads = 2;
  // Whether EACCES can happen (not root): then, after every wanted inode is
  // found, the remaining fd directories are still opened to tell which ones
  // deny access (net-tools prints a notice when one does; the library names them).
  bool check_denied = true;
  // With `all_processes` false, walk only <proc_root>/<pid>/fd for `pids`, in
  // their order (instead of the proc root's readdir order); a pid given twice
  // is walked once, where it first appears; a pid with no <proc_root>/<pid>
  // directory (or one <= 0) is skipped without being counted.
  bool all_processes = true;
  std::vector<int32_t> pids;
  // Polled before every PID directory, by each thread (errors.h); nullable,
  // not owned, must stay valid until ScanOwners returns.
  const int32_t* cancel = nullptr;
};

OwnerRows ScanOwners(const OwnerScanRequest& request);

// net-tools' program name rule: the first NUL-terminated string of up to
// 511 bytes of cmdline; if it starts with '/', only what follows the last '/'.
std::string ProgramName(const char* cmdline, size_t length);

// The program name of process `pid` (a directory name under the open proc
// root `root_fd`): one read() of up to 511 bytes of its cmdline, as
// net-tools reads it, through ProgramName. False if it cannot be opened or read.
bool ReadProgram(int root_fd, const std::string& pid, std::string* program);

}  // namespace netstat

#endif  // NETSTAT_NATIVE_PROC_FDS_H_
