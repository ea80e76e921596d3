// bpf_owners.h — the owner walk (socket inode → process) done by the kernel:
// a BPF iterator program of type iter/task_file visits every task's open
// files and writes (pid, fd, inode) for each socket, instead of one
// readlinkat per fd under /proc/PID/fd (proc_fds.h).
//
// The program is a few dozen hand-written instructions (no libbpf, no
// compiler at run time). The kernel-internal offsets it needs and the id of
// the function it attaches to come from the kernel's BTF,
// /sys/kernel/btf/vmlinux, read by btf.h. The verifier types every pointer
// the program loads from that same BTF and refuses a dereference that does
// not fit its type, so the program cannot read outside the structures it
// names.
//
// Same answer as ScanOwners over the live /proc (same OwnerRows, same rows
// in the same order), because the kernel visits what /proc lists in the
// same order (kernel/bpf/task_iter.c, fs/proc/base.c and fs/proc/fd.c):
// tasks by pid ascending in the caller's PID namespace, as /proc's readdir
// lists them, fds ascending, as /proc/PID/fd lists them; only thread-group
// leaders are reported, because /proc/PID/fd is the leader's file table (a
// thread with a table of its own is not in /proc's top level). A socket is
// a file on sockfs (super block magic SOCKFS_MAGIC): exactly the files whose
// /proc link reads `socket:[INODE]`; an O_PATH descriptor of a socket file
// on disk is S_IFSOCK too but reads as its path, and is not a socket here
// either.
//
// Differences: `vanished` counts processes that held a wanted socket but
// whose cmdline could not be read afterwards (the kernel's walk has no window
// between listing and reading an fd); `denied` is always 0 (the caller
// checks it is root, so the /proc walk would not be denied either).
//
// Errors: a SystemError for anything that makes the walk unavailable — no
// or malformed BTF (syscall "btf"), bpf() refused (syscall "bpf": EPERM
// without CAP_BPF+CAP_PERFMON, EINVAL/ENOENT/E2BIG from a kernel without
// what is needed), /proc of another PID namespace (syscall "open", EXDEV) —
// with a message naming the step; SystemError(ECANCELED) for the cancel flag.
#ifndef NETSTAT_NATIVE_BPF_OWNERS_H_
#define NETSTAT_NATIVE_BPF_OWNERS_H_

#include <cstdint>

#include "fd.h"
#include "proc_fds.h"

namespace netstat {

// The owner walk for `request`: by the BPF iterator when it can be had and
// is worth it, else by ScanOwners (the /proc walk), with the method, the
// reason and any errno in the rows. The BPF walk is used only when
//   - the caller is root (`!request.check_denied`: the /proc walk is then
//     never denied, so both walks see every process),
//   - `proc_root` is a proc file system of the caller's PID namespace
//     (fixture trees and another namespace's /proc number processes
//     otherwise than the iterator does),
//   - BTF has what the program needs and bpf() loads, links and iterates it,
// and, unless `forced`, when the program is already loaded in this process
// or the processes walked hold more than a few hundred fds (below that, the
// program's set-up costs more than the /proc walk: bpf_owners.cc). With
// `forced`, a SystemError says why the BPF walk cannot be had instead.
OwnerRows ScanOwnersPreferBpf(const OwnerScanRequest& request, bool forced);

// The steps of the BPF walk, for the benchmark that times them.
// Where a field is: byte offset in its struct, and its size (1, 2, 4 or 8).
struct BpfField {
  uint32_t offset = 0;
  uint32_t size = 0;
};
// What the program needs from BTF.
struct BpfOwnerLayout {
  uint32_t attach_btf_id = 0;  // FUNC bpf_iter_task_file
  // The context, struct bpf_iter__task_file, and struct bpf_iter_meta.
  BpfField ctx_meta, ctx_task, ctx_fd, ctx_file, meta_seq;
  BpfField task_pid, task_tgid, task_thread_pid;  // struct task_struct
  BpfField pid_level, pid_numbers;                // struct pid
  uint32_t upid_size = 0;                         // struct upid: one level's number
  BpfField upid_nr;
  BpfField file_inode;                            // struct file
  BpfField inode_ino, inode_sb;                   // struct inode
  BpfField sb_magic;                              // struct super_block
};
// Reads and parses /sys/kernel/btf/vmlinux and finds what the program needs.
void FindOwnerLayout(BpfOwnerLayout* layout);
// Loads the program (the verifier runs here); the fd of the loaded program.
Fd LoadOwnerProgram(const BpfOwnerLayout& layout);
// The walk with a loaded program.
OwnerRows WalkOwnerProgram(int program_fd, const OwnerScanRequest& request);

}  // namespace netstat

#endif  // NETSTAT_NATIVE_BPF_OWNERS_H_
