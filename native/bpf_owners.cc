// bpf_owners.cc — see bpf_owners.h. System calls: bpf(2) (BPF_PROG_LOAD,
// BPF_LINK_CREATE, BPF_ITER_CREATE), read(2) of the iterator; the BPF
// instruction set and helpers from include/uapi/linux/bpf.h, the iterator's
// behaviour from kernel/bpf/task_iter.c and kernel/bpf/bpf_iter.c.
#include "bpf_owners.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "btf.h"
#include "errors.h"

namespace netstat {

namespace {

constexpr char kVmlinuxBtf[] = "/sys/kernel/btf/vmlinux";

// ---- the kernel's description of itself --------------------------------

// The BTF blob: mapped when sysfs allows it (Linux 6.16 and later), else
// read (sysfs hands it out a page per read(), ~1,350 calls for 5 MB).
class BtfBlob {
 public:
  explicit BtfBlob(const char* path) {
    Fd file(::open(path, O_RDONLY | O_CLOEXEC));
    if (!file.valid()) throw SystemError(errno, "btf", std::string("cannot open ") + path);
    struct stat status;
    if (::fstat(file.get(), &status) == 0 && status.st_size > 0) {
      void* mapped = ::mmap(nullptr, static_cast<size_t>(status.st_size), PROT_READ, MAP_PRIVATE, file.get(), 0);
      if (mapped != MAP_FAILED) {
        mapped_ = mapped;
        size_ = static_cast<size_t>(status.st_size);
        return;
      }
    }
    copy_.resize(status.st_size > 0 ? static_cast<size_t>(status.st_size) + 1 : 1 << 20);
    for (;;) {
      if (size_ == copy_.size()) copy_.resize(copy_.size() * 2);
      const ssize_t got = ::read(file.get(), copy_.data() + size_, copy_.size() - size_);
      if (got < 0) {
        if (errno == EINTR) continue;
        throw SystemError(errno, "btf", std::string("cannot read ") + path);
      }
      if (got == 0) break;
      size_ += static_cast<size_t>(got);
    }
  }
  BtfBlob(const BtfBlob&) = delete;
  BtfBlob& operator=(const BtfBlob&) = delete;
  ~BtfBlob() {
    if (mapped_ != nullptr) ::munmap(mapped_, size_);
  }
  const uint8_t* data() const { return mapped_ != nullptr ? static_cast<const uint8_t*>(mapped_) : copy_.data(); }
  size_t size() const { return size_; }

 private:
  void* mapped_ = nullptr;
  std::vector<uint8_t> copy_;
  size_t size_ = 0;
};

[[noreturn]] void Missing(const std::string& what) { throw SystemError(ENOENT, "btf", std::string(kVmlinuxBtf) + " has no " + what); }

uint32_t StructId(const Btf& btf, const char* name) {
  const uint32_t id = btf.Find(BTF_KIND_STRUCT, name);
  if (id == 0) Missing(std::string("struct ") + name);
  return id;
}

// A member that the program loads: it must be a scalar or pointer of a size a
// BPF load has (1, 2, 4, 8 bytes) and, if `pointer`, a pointer.
BpfField Field(const Btf& btf, uint32_t struct_id, const char* struct_name, const char* name, bool pointer) {
  BtfMember member;
  const std::string what = std::string("struct ") + struct_name + " member " + name;
  if (!btf.Member(struct_id, name, &member)) Missing(what);
  const bool scalar = member.kind == BTF_KIND_INT || member.kind == BTF_KIND_ENUM;
  const bool loadable = member.size == 1 || member.size == 2 || member.size == 4 || member.size == 8;
  if (pointer ? member.kind != BTF_KIND_PTR : (!scalar || !loadable)) {
    throw SystemError(EINVAL, "btf", what + " is not the " + (pointer ? "pointer" : "integer") + " this program reads");
  }
  return BpfField{member.offset, member.size};
}

// ---- the program --------------------------------------------------------

// The record the program writes per socket fd, in the machine's byte order.
struct Record {
  uint32_t pid;    // in the reader's PID namespace
  uint32_t fd;
  uint64_t inode;  // sockfs inode: the N of socket:[N]
};
static_assert(sizeof(Record) == 16, "Record is 16 bytes, as the program writes it");

// Registers by number (r10 is the read-only frame pointer).
enum : uint8_t { R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10 };

class Assembler {
 public:
  // dst = *(size *)(src + off)
  void Load(uint8_t dst, uint8_t src, const BpfField& field) { Emit(BPF_LDX | BPF_MEM | SizeCode(field.size), dst, src, Offset(field.offset), 0); }
  // *(size *)(dst + off) = src
  void Store(uint8_t dst, int16_t off, uint8_t src, uint32_t size) { Emit(BPF_STX | BPF_MEM | SizeCode(size), dst, src, off, 0); }
  void Move(uint8_t dst, uint8_t src) { Emit(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0); }
  void MoveImm(uint8_t dst, int32_t imm) { Emit(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm); }
  void AddImm(uint8_t dst, int32_t imm) { Emit(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm); }
  void Add(uint8_t dst, uint8_t src) { Emit(BPF_ALU64 | BPF_ADD | BPF_X, dst, src, 0, 0); }
  void MulImm(uint8_t dst, int32_t imm) { Emit(BPF_ALU64 | BPF_MUL | BPF_K, dst, 0, 0, imm); }
  void Call(int32_t helper) { Emit(BPF_JMP | BPF_CALL, 0, 0, 0, helper); }
  // if (dst <op> imm) goto done;   if (dst <op> src) goto done;
  void ExitIfImm(uint8_t op, uint8_t dst, int32_t imm) { Jump(BPF_JMP | op | BPF_K, dst, 0, imm); }
  void ExitIf(uint8_t op, uint8_t dst, uint8_t src) { Jump(BPF_JMP | op | BPF_X, dst, src, 0); }

  // Appends `done: r0 = 0; exit` and points every early exit there.
  std::vector<bpf_insn> Finish() {
    const size_t done = code_.size();
    MoveImm(R0, 0);
    Emit(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    for (size_t at : exits_) code_[at].off = static_cast<int16_t>(done - at - 1);
    return code_;
  }

 private:
  static uint8_t SizeCode(uint32_t size) {
    switch (size) {
      case 1: return BPF_B;
      case 2: return BPF_H;
      case 4: return BPF_W;
      default: return BPF_DW;  // 8: Field() admits no other size
    }
  }
  static int16_t Offset(uint32_t offset) {
    if (offset > INT16_MAX) throw SystemError(E2BIG, "btf", "a field lies beyond a BPF load's 32 KiB offset");
    return static_cast<int16_t>(offset);
  }
  void Jump(uint8_t code, uint8_t dst, uint8_t src, int32_t imm) {
    exits_.push_back(code_.size());
    Emit(code, dst, src, 0, imm);
  }
  void Emit(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn insn{};
    insn.code = code;
    insn.dst_reg = dst & 0xf;
    insn.src_reg = src & 0xf;
    insn.off = off;
    insn.imm = imm;
    code_.push_back(insn);
  }

  std::vector<bpf_insn> code_;
  std::vector<size_t> exits_;
};

// Called once per (task, file), and once more with file NULL at the end.
// In C it would read:
//
//   if (!ctx->file || !ctx->task) return 0;
//   if (task->pid != task->tgid) return 0;            // /proc/PID/fd: leaders only
//   inode = ctx->file->f_inode;
//   if (inode->i_sb->s_magic != SOCKFS_MAGIC) return 0;
//   rec.inode = inode->i_ino; rec.fd = ctx->fd;
//   level = bpf_get_current_task_btf()->thread_pid->level;   // the reader's namespace
//   bpf_probe_read_kernel(&rec.pid, 4, &task->thread_pid->numbers[level].nr);
//   bpf_seq_write(ctx->meta->seq, &rec, 16);
//
// The pid is read with a helper because `level` is known only at run time
// and the verifier allows a direct load only at a constant offset.
std::vector<bpf_insn> OwnerProgram(const BpfOwnerLayout& l) {
  if (l.upid_nr.size != 4 || l.task_pid.size != 4 || l.task_tgid.size != 4) {
    throw SystemError(EINVAL, "btf", "pid numbers are not 32-bit in this kernel's BTF");
  }
  if (l.inode_ino.size != 8 && l.inode_ino.size != 4) throw SystemError(EINVAL, "btf", "struct inode member i_ino has an unexpected size");
  // The record lives in the 16 bytes below the frame pointer.
  constexpr int16_t record = -static_cast<int16_t>(sizeof(Record));
  constexpr int16_t record_pid = record + static_cast<int16_t>(offsetof(Record, pid));
  constexpr int16_t record_fd = record + static_cast<int16_t>(offsetof(Record, fd));
  constexpr int16_t record_inode = record + static_cast<int16_t>(offsetof(Record, inode));
  Assembler a;
  a.Move(R6, R1);                                  // r6 = ctx
  a.Load(R7, R6, l.ctx_file);                      // r7 = ctx->file
  a.ExitIfImm(BPF_JEQ, R7, 0);
  a.Load(R8, R6, l.ctx_task);                      // r8 = ctx->task
  a.ExitIfImm(BPF_JEQ, R8, 0);
  a.Load(R1, R8, l.task_pid);
  a.Load(R2, R8, l.task_tgid);
  a.ExitIf(BPF_JNE, R1, R2);                       // not a thread-group leader
  a.Load(R1, R7, l.file_inode);                    // r1 = file->f_inode
  a.Load(R2, R1, l.inode_sb);
  a.Load(R2, R2, l.sb_magic);
  a.ExitIfImm(BPF_JNE, R2, SOCKFS_MAGIC);          // not a socket
  a.Load(R2, R1, l.inode_ino);
  a.Store(R10, record_inode, R2, 8);
  a.Load(R2, R6, l.ctx_fd);
  a.Store(R10, record_fd, R2, 4);
  a.Call(BPF_FUNC_get_current_task_btf);           // r0 = the reading task
  a.Load(R0, R0, l.task_thread_pid);
  a.Load(R9, R0, l.pid_level);                     // r9 = the reader's namespace level
  a.MulImm(R9, static_cast<int32_t>(l.upid_size));
  a.Load(R3, R8, l.task_thread_pid);               // r3 = task->thread_pid
  a.Add(R3, R9);
  a.AddImm(R3, static_cast<int32_t>(l.pid_numbers.offset + l.upid_nr.offset));
  a.Move(R1, R10);
  a.AddImm(R1, record_pid);
  a.MoveImm(R2, 4);
  a.Call(BPF_FUNC_probe_read_kernel);
  a.ExitIfImm(BPF_JNE, R0, 0);
  a.Load(R1, R6, l.ctx_meta);                      // r1 = ctx->meta->seq
  a.Load(R1, R1, l.meta_seq);
  a.Move(R2, R10);
  a.AddImm(R2, record);
  a.MoveImm(R3, sizeof(Record));
  a.Call(BPF_FUNC_seq_write);
  return a.Finish();
}

long Bpf(int command, union bpf_attr* attr) {  // NOLINT(runtime/int): the syscall's type
  long result;  // NOLINT(runtime/int)
  do {
    result = ::syscall(__NR_bpf, command, attr, sizeof *attr);
  } while (result < 0 && errno == EINTR);
  return result;
}

uint64_t Pointer(const void* p) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)); }

// The last line of the verifier's log that says something, for the error message.
std::string LastLogLine(const std::vector<char>& log) {
  std::string text(log.data(), ::strnlen(log.data(), log.size()));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  const size_t newline = text.rfind('\n');
  return newline == std::string::npos ? text : text.substr(newline + 1);
}

// A link of the program to the task_file iterator: all tasks (pid 0) or one process.
Fd CreateIterator(int program_fd, int32_t pid) {
  union bpf_iter_link_info info;
  std::memset(&info, 0, sizeof info);
  info.task.pid = static_cast<uint32_t>(pid);
  union bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.link_create.prog_fd = static_cast<uint32_t>(program_fd);
  attr.link_create.attach_type = BPF_TRACE_ITER;
  if (pid != 0) {
    attr.link_create.iter_info = Pointer(&info);
    attr.link_create.iter_info_len = sizeof info;
  }
  Fd link(static_cast<int>(Bpf(BPF_LINK_CREATE, &attr)));
  if (!link.valid()) throw SystemError(errno, "bpf", "BPF_LINK_CREATE of the task_file iterator");
  std::memset(&attr, 0, sizeof attr);
  attr.iter_create.link_fd = static_cast<uint32_t>(link.get());
  // The iterator holds its own reference to the program; the link can go.
  Fd iterator(static_cast<int>(Bpf(BPF_ITER_CREATE, &attr)));
  if (!iterator.valid()) throw SystemError(errno, "bpf", "BPF_ITER_CREATE of the task_file iterator");
  return iterator;
}

// ---- the walk -----------------------------------------------------------

// The /proc walk's view of PID numbers is /proc's PID namespace; the
// iterator's is the reader's. They agree only when /proc was mounted for the
// reader's own namespace: then /proc/self/status lists one NSpid (its list
// starts at /proc's level and ends at the reader's).
void CheckSamePidNamespace(int root_fd) {
  Fd file(::openat(root_fd, "self/status", O_RDONLY | O_CLOEXEC));
  if (!file.valid()) throw SystemError(errno, "open", "cannot read /proc/self/status");
  char buffer[4096];
  size_t used = 0;
  for (;;) {
    const ssize_t got = ::read(file.get(), buffer + used, sizeof buffer - 1 - used);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw SystemError(errno, "open", "cannot read /proc/self/status");
    if (got == 0 || (used += static_cast<size_t>(got)) == sizeof buffer - 1) break;
  }
  buffer[used] = '\0';
  const char* line = std::strstr(buffer, "\nNSpid:");
  if (line == nullptr) throw SystemError(ENOENT, "open", "/proc/self/status has no NSpid line");
  int numbers = 0;
  bool in_number = false;
  for (const char* p = line + 7; *p != '\0' && *p != '\n'; ++p) {
    const bool digit = *p >= '0' && *p <= '9';
    if (digit && !in_number) ++numbers;
    in_number = digit;
  }
  if (numbers != 1) throw SystemError(EXDEV, "open", "/proc shows another PID namespace than the caller's");
}

// A PID list may name a thread: /proc/TID is there (unlisted) and
// /proc/TID/fd is that thread's table, but the iterator lists processes
// only, so such a list is left to the /proc walk. The thread group's id is
// the Tgid line of /proc/PID/status (a process that is gone passes: the
// iterator then finds nothing, as the /proc walk finds no fd directory).
void CheckNotThread(int root_fd, int32_t pid) {
  Fd file(::openat(root_fd, (std::to_string(pid) + "/status").c_str(), O_RDONLY | O_CLOEXEC));
  if (!file.valid()) return;
  char buffer[512];
  ssize_t got;
  do {
    got = ::read(file.get(), buffer, sizeof buffer - 1);
  } while (got < 0 && errno == EINTR);
  if (got <= 0) return;
  buffer[got] = '\0';
  const char* line = std::strstr(buffer, "\nTgid:");
  if (line == nullptr) return;
  const long tgid = std::strtol(line + 6, nullptr, 10);  // NOLINT(runtime/int)
  if (tgid != pid) {
    throw SystemError(EINVAL, "open", "PID " + std::to_string(pid) + " is a thread of process " + std::to_string(tgid) +
                                          " (the iterator lists processes only)");
  }
}

// Wanted inodes, open addressing (as proc_fds.cc): claims mark first holders.
class InodeSet {
 public:
  explicit InodeSet(const std::vector<uint64_t>& inodes) {
    size_t capacity = 16;
    while (capacity < inodes.size() * 2) capacity *= 2;
    slots_.assign(capacity, Slot{});
    for (uint64_t inode : inodes) {
      Slot& slot = Find(inode);
      if (!slot.used) {
        slot = Slot{inode, true, false};
        ++missing_;
      }
    }
  }
  bool Contains(uint64_t inode) { return Find(inode).used; }
  // Marks the inode found (it must be contained).
  void Claim(uint64_t inode) {
    Slot& slot = Find(inode);
    if (!slot.claimed) {
      slot.claimed = true;
      --missing_;
    }
  }
  size_t missing() const { return missing_; }

 private:
  struct Slot {
    uint64_t inode = 0;
    bool used = false;
    bool claimed = false;
  };
  Slot& Find(uint64_t inode) {
    const size_t mask = slots_.size() - 1;
    size_t i = static_cast<size_t>((inode * 0x9e3779b97f4a7c15ULL) >> 20) & mask;
    while (slots_[i].used && slots_[i].inode != inode) i = (i + 1) & mask;
    return slots_[i];
  }
  std::vector<Slot> slots_;
  size_t missing_ = 0;
};

// Turns the iterator's records, grouped by process, into OwnerRows in walk
// order; a process's rows are settled when its last record has been seen.
class Collector {
 public:
  Collector(const OwnerScanRequest& request, int root_fd) : request_(request), root_fd_(root_fd), wanted_(request.wanted) {}

  // False once every wanted inode has its first holder (the walk may stop).
  bool Add(const Record& record) {
    if (record.pid != pid_) {
      Settle();
      if (Done()) return false;
      pid_ = record.pid;
    }
    if (request_.all || wanted_.Contains(record.inode)) inodes_.push_back(record.inode);
    return true;
  }

  OwnerRows Finish() {
    Settle();
    return std::move(rows_);
  }

  bool Done() const { return !request_.all && wanted_.missing() == 0; }

 private:
  void Settle() {
    if (inodes_.empty()) return;
    // Read only now, for a process that holds a wanted socket; if that fails
    // (it exited) its sockets are not reported and claim nothing, as in the
    // /proc walk.
    std::string program;
    if (!ReadProgram(root_fd_, std::to_string(pid_), &program)) {
      ++rows_.vanished;
    } else {
      const auto offset = static_cast<uint32_t>(rows_.programs.size());
      rows_.programs += program;
      for (uint64_t inode : inodes_) {
        rows_.inodes.push_back(static_cast<double>(inode));
        rows_.pids.push_back(static_cast<int32_t>(pid_));
        rows_.program_offsets.push_back(offset);
        rows_.program_lengths.push_back(static_cast<uint32_t>(program.size()));
        if (!request_.all) wanted_.Claim(inode);
      }
    }
    inodes_.clear();
  }

  const OwnerScanRequest& request_;
  const int root_fd_;
  InodeSet wanted_;
  uint32_t pid_ = 0;
  std::vector<uint64_t> inodes_;  // the current process's kept inodes, in fd order
  OwnerRows rows_;
};

// Reads one iterator to its end (or until the collector is done).
void Drain(int iterator_fd, const OwnerScanRequest& request, Collector* collector) {
  // The kernel's buffer per read is 32 KiB (bpf_iter.c); a record never
  // straddles two reads then, but partial ones are carried over regardless.
  std::vector<uint8_t> buffer(64 * 1024);
  size_t carried = 0;
  for (;;) {
    ThrowIfCancelled(request.cancel, "read", "the fd walk was cancelled");
    const ssize_t got = ::read(iterator_fd, buffer.data() + carried, buffer.size() - carried);
    if (got < 0) {
      // EAGAIN: a million files visited without a socket among them; the
      // iterator resumes where it stopped.
      if (errno == EINTR || errno == EAGAIN) continue;
      throw SystemError(errno, "read", "reading the BPF task_file iterator");
    }
    if (got == 0) return;
    const size_t have = carried + static_cast<size_t>(got);
    size_t at = 0;
    for (; have - at >= sizeof(Record); at += sizeof(Record)) {
      Record record;
      std::memcpy(&record, buffer.data() + at, sizeof record);
      if (!collector->Add(record)) return;
    }
    carried = have - at;
    std::memmove(buffer.data(), buffer.data() + at, carried);
  }
}

}  // namespace

void FindOwnerLayout(BpfOwnerLayout* layout) {
  const BtfBlob blob(kVmlinuxBtf);
  Btf btf;
  std::string error;
  if (!btf.Parse(blob.data(), blob.size(), &error)) throw SystemError(EINVAL, "btf", std::string(kVmlinuxBtf) + ": " + error);
  BpfOwnerLayout& l = *layout;
  l.attach_btf_id = btf.Find(BTF_KIND_FUNC, "bpf_iter_task_file");
  if (l.attach_btf_id == 0) Missing("function bpf_iter_task_file (no task_file iterator)");
  const uint32_t ctx = StructId(btf, "bpf_iter__task_file");
  l.ctx_meta = Field(btf, ctx, "bpf_iter__task_file", "meta", true);
  l.ctx_task = Field(btf, ctx, "bpf_iter__task_file", "task", true);
  l.ctx_fd = Field(btf, ctx, "bpf_iter__task_file", "fd", false);
  l.ctx_file = Field(btf, ctx, "bpf_iter__task_file", "file", true);
  l.meta_seq = Field(btf, StructId(btf, "bpf_iter_meta"), "bpf_iter_meta", "seq", true);
  const uint32_t task = StructId(btf, "task_struct");
  l.task_pid = Field(btf, task, "task_struct", "pid", false);
  l.task_tgid = Field(btf, task, "task_struct", "tgid", false);
  l.task_thread_pid = Field(btf, task, "task_struct", "thread_pid", true);
  const uint32_t pid = StructId(btf, "pid");
  l.pid_level = Field(btf, pid, "pid", "level", false);
  BtfMember numbers;
  if (!btf.Member(pid, "numbers", &numbers) || numbers.kind != BTF_KIND_ARRAY) Missing("array struct pid member numbers");
  l.pid_numbers = BpfField{numbers.offset, 0};
  const uint32_t upid = StructId(btf, "upid");
  l.upid_size = btf.StructSize(upid);
  l.upid_nr = Field(btf, upid, "upid", "nr", false);
  l.file_inode = Field(btf, StructId(btf, "file"), "file", "f_inode", true);
  const uint32_t inode = StructId(btf, "inode");
  l.inode_ino = Field(btf, inode, "inode", "i_ino", false);
  l.inode_sb = Field(btf, inode, "inode", "i_sb", true);
  l.sb_magic = Field(btf, StructId(btf, "super_block"), "super_block", "s_magic", false);
}

Fd LoadOwnerProgram(const BpfOwnerLayout& layout) {
  const std::vector<bpf_insn> code = OwnerProgram(layout);
  // Offered under both licences so the GPL-only helpers it calls are allowed.
  static const char kLicense[] = "Dual MIT/GPL";
  union bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_TRACING;
  attr.expected_attach_type = BPF_TRACE_ITER;
  attr.attach_btf_id = layout.attach_btf_id;
  attr.insns = Pointer(code.data());
  attr.insn_cnt = static_cast<uint32_t>(code.size());
  attr.license = Pointer(kLicense);
  std::strncpy(attr.prog_name, "netstat_owners", sizeof attr.prog_name - 1);
  Fd program(static_cast<int>(Bpf(BPF_PROG_LOAD, &attr)));
  if (program.valid()) return program;
  const int err = errno;
  // Loaded again with the verifier's log only to say why.
  std::vector<char> log(64 * 1024, '\0');
  attr.log_level = 1;
  attr.log_buf = Pointer(log.data());
  attr.log_size = static_cast<uint32_t>(log.size());
  Fd retry(static_cast<int>(Bpf(BPF_PROG_LOAD, &attr)));
  const std::string why = LastLogLine(log);
  throw SystemError(err, "bpf", "BPF_PROG_LOAD of the task_file program" + (why.empty() ? std::string() : " (verifier: " + why + ")"));
}

OwnerRows WalkOwnerProgram(int program_fd, const OwnerScanRequest& request) {
  Fd root(::open(request.proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) {
    OwnerRows rows;
    rows.proc_unreadable = true;
    return rows;
  }
  Collector collector(request, root.get());
  if (request.all_processes) {
    if (!collector.Done()) {
      Fd iterator = CreateIterator(program_fd, 0);
      Drain(iterator.get(), request, &collector);
    }
    return collector.Finish();
  }
  // The given processes in the given order, each through an iterator of its
  // own; checked and de-duplicated as the /proc walk does.
  std::vector<int32_t> pids;
  std::unordered_set<int32_t> seen;
  for (int32_t pid : request.pids) {
    if (pid <= 0 || !seen.insert(pid).second) continue;
    const std::string name = std::to_string(pid);
    struct stat status;
    if (::fstatat(root.get(), name.c_str(), &status, 0) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) continue;
    } else if (!S_ISDIR(status.st_mode)) {
      continue;
    }
    CheckNotThread(root.get(), pid);
    pids.push_back(pid);
  }
  for (int32_t pid : pids) {
    if (collector.Done()) break;
    ThrowIfCancelled(request.cancel, "read", "the fd walk was cancelled");
    Fd iterator = CreateIterator(program_fd, pid);
    Drain(iterator.get(), request, &collector);
  }
  return collector.Finish();
}

namespace {

// Below this many fds in the processes to walk, the /proc walk is cheaper
// than the program's set-up. Measured on a 2-core VM: set-up ~2.8 ms (BTF
// mapped and parsed ~1.6 ms, verifier and JIT ~1.2 ms), the /proc walk
// ~3-10 µs per fd (bench/README.md, "The owner walk by a BPF iterator").
constexpr int64_t kFewFiles = 512;

// The program is loaded once per process and kept (its fd is never closed:
// the kernel frees it at exit), so that only the first walk pays the set-up;
// a set-up that failed is not retried either: what refuses it (no
// capability, a seccomp filter, a kernel without BTF or the iterator) does
// not change during a process's life. Shared by every thread, behind a mutex.
class ProgramCache {
 public:
  bool loaded() {
    std::lock_guard<std::mutex> lock(mutex_);
    return program_.valid();
  }
  // The program's fd, or the SystemError that its set-up threw.
  int Get() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!tried_) {
      tried_ = true;
      try {
        BpfOwnerLayout layout;
        FindOwnerLayout(&layout);
        program_ = LoadOwnerProgram(layout);
      } catch (const SystemError& error) {
        failure_errno_ = error.error_number();
        failure_syscall_ = error.syscall();
        failure_detail_ = error.what();
      }
    }
    if (!program_.valid()) throw SystemError(failure_errno_, failure_syscall_, failure_detail_);
    return program_.get();
  }

 private:
  std::mutex mutex_;
  bool tried_ = false;
  Fd program_;
  int failure_errno_ = 0;
  std::string failure_syscall_;
  std::string failure_detail_;
};

ProgramCache& Cache() {
  static ProgramCache* cache = new ProgramCache();  // never destroyed: a walk may run on a pool thread at exit
  return *cache;
}

// Whether the processes to walk hold fewer than kFewFiles fds, from the size
// /proc reports for each /proc/PID/fd directory (its fd count, Linux 6.2 and
// later), counted only until the bound is passed. False when the kernel
// does not report it (then /proc/self/fd, which holds at least 0-2, has size 0).
bool FewFiles(int root_fd, const OwnerScanRequest& request) {
  struct stat status;
  if (::fstatat(root_fd, "self/fd", &status, 0) != 0 || status.st_size <= 0) return false;
  int64_t files = 0;
  auto count = [&](const std::string& pid) {
    if (::fstatat(root_fd, (pid + "/fd").c_str(), &status, 0) == 0) files += status.st_size;
    return files < kFewFiles;
  };
  if (!request.all_processes) {
    for (int32_t pid : request.pids) {
      if (pid > 0 && !count(std::to_string(pid))) return false;
    }
    return true;
  }
  Fd dir(::openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return false;
  alignas(8) char buffer[16 * 1024];
  for (;;) {
    const long got = ::syscall(SYS_getdents64, dir.get(), buffer, sizeof buffer);  // NOLINT(runtime/int)
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return got == 0;
    for (long at = 0; at < got;) {  // NOLINT(runtime/int)
      const auto* entry = reinterpret_cast<const struct dirent64*>(buffer + at);
      at += entry->d_reclen;
      if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
      if (!count(entry->d_name)) return false;
    }
  }
}

// Checks what the BPF walk needs of the caller and of the proc root; throws
// a SystemError saying what is missing.
void CheckWalkable(const OwnerScanRequest& request, int root_fd) {
  if (request.check_denied) {
    throw SystemError(EPERM, "bpf", "not root (only the /proc walk tells which processes deny access)");
  }
  struct statfs fs;
  if (::fstatfs(root_fd, &fs) != 0) throw SystemError(errno, "statfs", request.proc_root);
  if (fs.f_type != PROC_SUPER_MAGIC) throw SystemError(EXDEV, "statfs", request.proc_root + " is not a proc file system");
  CheckSamePidNamespace(root_fd);
}

}  // namespace

OwnerRows ScanOwnersPreferBpf(const OwnerScanRequest& request, bool forced) {
  ThrowIfCancelled(request.cancel, "read", "the fd walk was cancelled");
  try {
    Fd root(::open(request.proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid()) throw SystemError(errno, "open", request.proc_root);
    CheckWalkable(request, root.get());
    if (!forced && !Cache().loaded() && FewFiles(root.get(), request)) {
      OwnerRows rows = ScanOwners(request);
      rows.method_reason = "fewer than " + std::to_string(kFewFiles) + " open files: the /proc walk costs less than loading the BPF program";
      return rows;
    }
    OwnerRows rows = WalkOwnerProgram(Cache().Get(), request);
    rows.method = "bpf";
    rows.method_reason = "the kernel's task_file iterator";
    return rows;
  } catch (const SystemError& error) {
    if (forced || error.error_number() == ECANCELED) throw;
    OwnerRows rows = ScanOwners(request);
    rows.method_reason = std::string("BPF walk unavailable: ") + error.what() + ": " + std::strerror(error.error_number());
    rows.method_errno = error.error_number();
    return rows;
  }
}

}  // namespace netstat
