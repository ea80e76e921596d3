// proc_fds.cc — see proc_fds.h. System calls: getdents64(2), openat(2),
// readlinkat(2), read(2); link formats from net-tools lib/prg_cache (spec §2.9).
#include "proc_fds.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <system_error>
#include <thread>
#include <unordered_set>
#include <vector>

#include "errors.h"
#include "fd.h"

namespace netstat {

namespace {

// Bytes net-tools reads: `char lname[30]` for links, `char cmdlbuf[512]` for cmdline.
constexpr size_t kLinkTextLimit = 29;
constexpr size_t kCmdlineLimit = 511;
// Below this many processes a second thread costs more than it saves.
constexpr size_t kMinProcessesPerThread = 16;
// More threads than this only wait on the same kernel locks.
constexpr int kMaxThreads = 64;

struct linux_dirent64 {
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;  // NOLINT(runtime/int): the kernel's type
  unsigned char d_type;
  char d_name[];
};

// Calls `each(name)` for every entry of an open directory, in readdir order.
// Returns 0 or the errno of a failed getdents64.
template <typename Each>
int ForEachEntry(int dir_fd, Each each) {
  alignas(linux_dirent64) char buffer[32 * 1024];
  for (;;) {
    const long count = ::syscall(SYS_getdents64, dir_fd, buffer, sizeof buffer);  // NOLINT(runtime/int)
    if (count < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (count == 0) return 0;
    for (long offset = 0; offset < count;) {  // NOLINT(runtime/int)
      const auto* entry = reinterpret_cast<const linux_dirent64*>(buffer + offset);
      each(entry->d_name);
      offset += entry->d_reclen;
    }
  }
}

bool AllDigits(const char* name) {
  if (*name == '\0') return false;
  for (; *name != '\0'; ++name) {
    if (*name < '0' || *name > '9') return false;
  }
  return true;
}

// strtoul(text, &end, 0) that must consume [begin, end) entirely and not saturate.
bool ParseWhole(const char* begin, const char* end, uint64_t* value) {
  if (begin == end) return false;
  std::string text(begin, end);
  char* stop = nullptr;
  errno = 0;
  const unsigned long parsed = std::strtoul(text.c_str(), &stop, 0);  // NOLINT(runtime/int)
  if (stop != text.c_str() + text.size() || parsed == ~0UL) return false;
  *value = parsed;
  return true;
}

// The socket inode named by a link text (`socket:[N]` or `[0000]:N`), as net-tools accepts it.
bool SocketInode(const char* link, size_t length, uint64_t* inode) {
  static constexpr char kType1[] = "socket:[";
  static constexpr char kType2[] = "[0000]:";
  const size_t type1 = sizeof kType1 - 1;
  const size_t type2 = sizeof kType2 - 1;
  length = ::strnlen(link, length);
  if (length >= type1 + 3 && std::memcmp(link, kType1, type1) == 0 && link[length - 1] == ']' &&
      ParseWhole(link + type1, link + length - 1, inode)) {
    return true;
  }
  return length >= type2 + 1 && std::memcmp(link, kType2, type2) == 0 && ParseWhole(link + type2, link + length, inode);
}

struct ProcessResult {
  std::vector<uint64_t> inodes;
  std::string program;
  bool denied = false;  // its fd directory gave EACCES
};

struct Counters {
  uint32_t denied = 0;
  uint32_t vanished = 0;
};

void CountFailure(int err, Counters* counters) {
  if (err == EACCES) ++counters->denied;
  else if (err == ENOENT || err == ESRCH) ++counters->vanished;
  // Anything else is skipped silently, as net-tools does.
}

class Walk {
 public:
  Walk(const OwnerScanRequest& request, int root_fd, std::vector<std::string> pids)
      : request_(request), root_fd_(root_fd), pids_(std::move(pids)), results_(pids_.size()) {
    if (!request.all) {
      // Sized to the data: a power of two at least twice the wanted count, so
      // probes stay short (no tiny chained table, no allocation per entry).
      size_t capacity = 16;
      while (capacity < request.wanted.size() * 2) capacity *= 2;
      wanted_.assign(capacity, WantedSlot{});
      claimed_ = std::make_unique<std::atomic<uint8_t>[]>(capacity);
      int64_t distinct = 0;
      for (uint64_t inode : request.wanted) {
        size_t i = Slot(inode);
        while (wanted_[i].used && wanted_[i].inode != inode) i = (i + 1) & (capacity - 1);
        if (!wanted_[i].used) {
          wanted_[i] = WantedSlot{inode, true};
          ++distinct;
        }
      }
      missing_.store(distinct);
    }
  }

  // Work loop of one thread: claim the next process in walk order until none is left.
  void Run(Counters* counters) {
    for (;;) {
      // Before every PID directory: an abort stops each thread at its next process.
      ThrowIfCancelled(request_.cancel, "getdents64", "the fd walk was cancelled");
      const size_t index = next_.fetch_add(1);
      if (index >= pids_.size()) return;
      if (!request_.all && missing_.load() <= 0) {
        // Every wanted inode has its first holder; only find out which
        // processes would have denied access (net-tools' notice; the library lists them).
        if (request_.check_denied) CheckReadable(index, counters);
        continue;
      }
      WalkProcess(index, counters);
    }
  }

  OwnerRows Merge(const Counters& totals) {
    OwnerRows rows;
    rows.denied = totals.denied;
    rows.vanished = totals.vanished;
    for (size_t i = 0; i < results_.size(); ++i) {
      const ProcessResult& result = results_[i];
      if (result.denied) rows.denied_pids.push_back(std::atoi(pids_[i].c_str()));
      if (result.inodes.empty()) continue;
      const auto offset = static_cast<uint32_t>(rows.programs.size());
      rows.programs += result.program;
      const int32_t pid = std::atoi(pids_[i].c_str());
      for (uint64_t inode : result.inodes) {
        rows.inodes.push_back(static_cast<double>(inode));
        rows.pids.push_back(pid);
        rows.program_offsets.push_back(offset);
        rows.program_lengths.push_back(static_cast<uint32_t>(result.program.size()));
      }
    }
    return rows;
  }

  size_t size() const { return pids_.size(); }

 private:
  void CheckReadable(size_t index, Counters* counters) {
    const std::string path = pids_[index] + "/fd";
    Fd dir(::openat(root_fd_, path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir.valid()) {
      if (errno == EACCES) results_[index].denied = true;
      CountFailure(errno, counters);
    }
  }

  void WalkProcess(size_t index, Counters* counters) {
    const std::string& pid = pids_[index];
    const std::string fd_path = pid + "/fd";
    Fd dir(::openat(root_fd_, fd_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir.valid()) {
      if (errno == EACCES) results_[index].denied = true;
      CountFailure(errno, counters);
      return;
    }
    ProcessResult& result = results_[index];
    bool have_program = false;
    bool vanished_counted = false;
    ForEachEntry(dir.get(), [&](const char* name) {
      if (name[0] < '0' || name[0] > '9') return;
      char link[kLinkTextLimit];
      const ssize_t length = ::readlinkat(dir.get(), name, link, sizeof link);
      if (length < 0) {
        // Typically ENOENT: the fd was closed meanwhile. An EACCES here is not
        // net-tools' "access denied" (that is only about opening the fd
        // directory), so it is not counted as denied.
        if (errno == ENOENT || errno == ESRCH) ++counters->vanished;
        return;
      }
      uint64_t inode;
      if (!SocketInode(link, static_cast<size_t>(length), &inode)) return;
      if (!have_program) {
        // Read on the process's first socket; if that fails the socket is
        // skipped and the read retried on the next one (as net-tools does).
        if (!ReadProgram(root_fd_, pid, &result.program)) {
          if (!vanished_counted) ++counters->vanished;
          vanished_counted = true;
          return;
        }
        have_program = true;
      }
      // Looking for given sockets: only those are kept (a process holding
      // 100k others would otherwise hand them all back to be thrown away).
      if (!request_.all && !Claim(inode)) return;
      result.inodes.push_back(inode);
    });
  }

  size_t Slot(uint64_t inode) const { return static_cast<size_t>((inode * 0x9e3779b97f4a7c15ULL) >> 20) & (wanted_.size() - 1); }

  // Whether the inode is wanted; the first claim of each counts it as found.
  bool Claim(uint64_t inode) {
    for (size_t i = Slot(inode);; i = (i + 1) & (wanted_.size() - 1)) {
      if (!wanted_[i].used) return false;
      if (wanted_[i].inode == inode) {
        if (claimed_[i].exchange(1) == 0) missing_.fetch_sub(1);
        return true;
      }
    }
  }

  const OwnerScanRequest& request_;
  const int root_fd_;
  const std::vector<std::string> pids_;
  std::vector<ProcessResult> results_;  // one slot per process: no locking, merged in walk order
  struct WantedSlot {
    uint64_t inode = 0;
    bool used = false;
  };
  std::vector<WantedSlot> wanted_;  // open addressing; claimed_ is indexed like it
  std::unique_ptr<std::atomic<uint8_t>[]> claimed_;
  std::atomic<int64_t> missing_{0};
  std::atomic<size_t> next_{0};
};

}  // namespace

std::string ProgramName(const char* cmdline, size_t length) {
  if (length > kCmdlineLimit) length = kCmdlineLimit;
  length = ::strnlen(cmdline, length);
  size_t start = 0;
  if (length > 0 && cmdline[0] == '/') {
    for (size_t i = length; i-- > 0;) {
      if (cmdline[i] == '/') {
        start = i + 1;
        break;
      }
    }
  }
  return std::string(cmdline + start, length - start);
}

bool ReadProgram(int root_fd, const std::string& pid, std::string* program) {
  const std::string path = pid + "/cmdline";
  Fd file(::openat(root_fd, path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file.valid()) return false;
  char buffer[kCmdlineLimit];
  ssize_t length;
  do {
    length = ::read(file.get(), buffer, sizeof buffer);
  } while (length < 0 && errno == EINTR);
  if (length < 0) return false;
  *program = ProgramName(buffer, static_cast<size_t>(length));
  return true;
}

OwnerRows ScanOwners(const OwnerScanRequest& request) {
  ThrowIfCancelled(request.cancel, "getdents64", "the fd walk was cancelled");
  Fd root(::open(request.proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) {
    OwnerRows rows;
    rows.proc_unreadable = true;
    return rows;
  }
  std::vector<std::string> pids;
  if (request.all_processes) {
    // A listing error ends the listing with what was read, as it ends net-tools' readdir loop.
    ForEachEntry(root.get(), [&pids](const char* name) {
      if (AllDigits(name)) pids.emplace_back(name);
    });
  } else {
    // Only the given processes, in the given order. One that does not exist
    // is left out here, uncounted; one that vanishes after this check is
    // counted by the walk like any other.
    std::unordered_set<int32_t> seen;
    pids.reserve(request.pids.size());
    for (int32_t pid : request.pids) {
      if (pid <= 0 || !seen.insert(pid).second) continue;
      std::string name = std::to_string(pid);
      struct stat status;
      if (::fstatat(root.get(), name.c_str(), &status, 0) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) continue;
      } else if (!S_ISDIR(status.st_mode)) {
        continue;
      }
      pids.push_back(std::move(name));
    }
  }

  Walk walk(request, root.get(), std::move(pids));
  // Every thread asked for, but each with at least kMinProcessesPerThread
  // processes to walk (a thread costs more than a few readlinks).
  const size_t wanted_threads = static_cast<size_t>(std::clamp(request.threads, 1, kMaxThreads));
  const size_t threads = std::max<size_t>(1, std::min(wanted_threads, walk.size() / kMinProcessesPerThread));
  std::vector<Counters> counters(threads);
  // No exception may cross a thread boundary: each helper's is carried over
  // and rethrown here after every join (the first one, the caller's own first).
  std::vector<std::exception_ptr> errors(threads);
  std::vector<std::thread> helpers;
  helpers.reserve(threads - 1);
  for (size_t i = 1; i < threads; ++i) {
    try {
      helpers.emplace_back([&walk, &counters, &errors, i] {
        try {
          walk.Run(&counters[i]);
        } catch (...) {
          errors[i] = std::current_exception();
        }
      });
    } catch (const std::system_error&) {
      break;  // no thread to be had: the threads started take its share
    }
  }
  try {
    walk.Run(&counters[0]);
  } catch (...) {
    errors[0] = std::current_exception();
  }
  for (std::thread& helper : helpers) helper.join();
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  Counters totals;
  for (const Counters& c : counters) {
    totals.denied += c.denied;
    totals.vanished += c.vanished;
  }
  return walk.Merge(totals);
}

}  // namespace netstat
