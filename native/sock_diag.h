// sock_diag.h — sock_diag requests and reply decoding (sock_diag(7),
// linux/inet_diag.h, linux/unix_diag.h). No N-API here: bytes in, plain
// packed tables out, so the decoders run the same on a live dump, on a
// recording (fixtures/netlink/) and on a worker thread.
//
// Error contract: Dump* throw SystemError as NetlinkSocket does (netlink.h);
// Decode* and the packers throw SystemError(EBADMSG) on malformed messages.
// Unknown attributes are skipped, so newer kernels keep working.
#ifndef NETSTAT_NATIVE_SOCK_DIAG_H_
#define NETSTAT_NATIVE_SOCK_DIAG_H_

#include <linux/netlink.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dump_check.h"
#include "netlink.h"

namespace netstat {

// Internet sockets, inet_field layout (layout.h); addresses interned as text.
struct PackedInet {
  std::vector<uint32_t> fields;
  std::vector<std::string> addresses;
};

// UNIX sockets, unix_field layout; names in /proc/net/unix form, concatenated.
struct PackedUnix {
  std::vector<uint32_t> fields;
  std::string names;
};

// A dump request: `states` is the inet_diag state bit mask; `with_info` asks
// for INET_DIAG_INFO (tcp_info), the only extension a column needs; `check`
// says when the table is read a second time (dump_check.h).
// `bytecode`, if not empty, is an inet_diag filter program sent as the
// INET_DIAG_REQ_BYTECODE attribute (the kernel audits it: EINVAL if invalid);
// at most kMaxBytecode bytes. `cancel`: see errors.h (nullable, not owned; it
// must stay valid until the dump returns).
struct InetRequest {
  uint8_t family = 0;
  uint8_t protocol = 0;
  uint32_t states = 0;
  bool with_info = false;
  std::vector<uint8_t> bytecode;
  // A network namespace file to dump instead of the caller's own (netns.h); empty = own.
  std::string netns;
  const int32_t* cancel = nullptr;
  DumpCheck check = DumpCheck::kAuto;
};

// A netlink attribute's length is 16 bits, header included.
constexpr size_t kMaxBytecode = 0xffff - NLA_HDRLEN;

// The UNIX dump takes no parameters but its namespace and the cancel flag (errors.h).
struct UnixRequest {
  std::string netns;
  const int32_t* cancel = nullptr;
  DumpCheck check = DumpCheck::kAuto;
};

// Throws SystemError(EMSGSIZE) for a bytecode longer than kMaxBytecode.
std::vector<uint8_t> BuildInetRequest(const InetRequest& request);
// One TCP dump of both families: the old TCPDIAG_GETSOCK request (struct
// inet_diag_req), which the kernel runs with sdiag_family AF_UNSPEC, so one
// walk of TCP's hash tables lists IPv4 and IPv6 sockets (net/ipv4/inet_diag.c,
// inet_diag_dump_compat). It takes the same state mask, extensions and
// INET_DIAG_REQ_BYTECODE attribute as the v2 request, and the replies are the
// same inet_diag_msg + attributes (INET_DIAG_INFO, INET_DIAG_CGROUP_ID) under
// nlmsg_type TCPDIAG_GETSOCK. Only TCP has such a request type: `protocol`
// must be IPPROTO_TCP (SystemError(EPROTONOSUPPORT) otherwise); `family` is
// not used. Throws SystemError(EMSGSIZE) as BuildInetRequest does.
std::vector<uint8_t> BuildInetBothRequest(const InetRequest& request);
std::vector<uint8_t> BuildUnixRequest();

// Address text interned once per distinct (family, address): an
// open-addressing table, because a dump looks up two addresses per socket
// (a node-based std::unordered_map took ~15% of a 200k-socket dump).
class AddressTable {
 public:
  // Index of the address, appending its inet_ntop text to `texts` if new:
  // new addresses are numbered `base + texts->size()` (a streamed dump keeps
  // its table across batches and hands on only each batch's new texts).
  uint32_t Intern(uint8_t family, const uint32_t* address, std::vector<std::string>* texts, uint32_t base = 0);
  void Clear();

 private:
  struct Slot {
    std::array<uint32_t, 5> key;  // family, then the address (IPv4: one word)
    uint32_t index_plus_one = 0;  // 0 = empty
  };
  void Grow();
  std::vector<Slot> slots_;
  size_t used_ = 0;
};

// Appends decoded inet_diag_msg replies to a PackedInet.
class InetPacker {
 public:
  void Add(const nlmsghdr& message);
  void Clear();
  PackedInet Take();
  // The rows so far and the address texts new since the last batch; the
  // address table is kept, so later rows may name earlier batches' addresses.
  PackedInet TakeBatch();
  size_t rows() const;
  // How many address texts earlier batches handed on: the index of this batch's first.
  uint32_t address_base() const { return address_base_; }

 private:
  PackedInet packed_;
  AddressTable addresses_;
  uint32_t address_base_ = 0;
};

// Both families of one dump, each with its own address table, kernel order
// kept within each.
struct PackedInetPair {
  PackedInet inet;
  PackedInet inet6;
};

// Appends decoded inet_diag_msg replies to the PackedInet of their idiag_family.
class InetPairPacker {
 public:
  void Add(const nlmsghdr& message);
  void Clear();
  PackedInetPair Take();

 private:
  InetPacker inet_;
  InetPacker inet6_;
};

// Compact Internet rows, compact_field layout (layout.h): state, local port,
// uid, inode, the two queues and the cgroup only. Counting needs nothing else, and leaving out the
// address text (inet_ntop and interning per row) is most of the engine's own
// cost over the kernel's.
struct PackedCompact {
  std::vector<uint32_t> fields;
};

// Appends decoded inet_diag_msg replies to a PackedCompact.
class CompactPacker {
 public:
  void Add(const nlmsghdr& message);
  void Clear();
  PackedCompact Take();

 private:
  PackedCompact packed_;
};

// Appends decoded unix_diag_msg replies to a PackedUnix.
class UnixPacker {
 public:
  void Add(const nlmsghdr& message);
  void Clear();
  PackedUnix Take();

 private:
  PackedUnix packed_;
};

// Live dumps over a fresh NETLINK_SOCK_DIAG socket, each socket once and a
// second read as the request's `check` says (dump_check.h). With `record`,
// the raw reply datagrams of both reads are appended to it as well. A set cancel flag stops the
// dump before the request is sent or after the datagram being received
// (SystemError(ECANCELED, "recvmsg")).
PackedInet DumpInet(const InetRequest& request, std::vector<uint8_t>* record = nullptr);
// A live TCP dump of both families in one request (BuildInetBothRequest), split by family.
PackedInetPair DumpInetBoth(const InetRequest& request);
// A live dump into compact rows (`with_info` is not asked for: no column needs it).
PackedCompact DumpInetCompact(const InetRequest& request);
PackedUnix DumpUnix(const UnixRequest& request, std::vector<uint8_t>* record = nullptr);

// One Internet dump read batch by batch, so a printer can write one batch
// while the kernel builds the next (memory bounded by a batch and the
// dump's distinct addresses, not by the table). The constructor opens the
// socket (in request.netns) and sends the request; it throws as DumpInet
// does. A batch's rows index the dump's address texts, of which the batch
// carries only those new since the batch before (`address_base` is the
// index of its first). A dump the kernel flags inconsistent
// (NLM_F_DUMP_INTR) cannot be restarted once batches were handed on: Next
// throws SystemError(EINTR) then. Not thread-safe: one Next at a time.
class InetDumpStream {
 public:
  explicit InetDumpStream(const InetRequest& request);
  // Packs reply datagrams into `out` (replacing it) until it holds at least
  // `min_rows` rows or the dump is complete; returns true once complete
  // (the socket is closed then, and further calls return empty batches).
  // `cancel` as in InetRequest, checked after every datagram.
  bool Next(size_t min_rows, const int32_t* cancel, PackedInet* out, uint32_t* address_base);

  // Next in two halves, so the kernel's work and the packing can run on two
  // threads: Receive appends reply messages, every header checked as Dump
  // checks them and each socket once, until they hold at least `min_rows`
  // replies or the dump is complete (returns true then; the second read, when
  // the request's `check` wants one, is done then and its new sockets appended
  // too); Pack decodes such bytes into the next batch. Receive touches only
  // the socket and the cookies, and Pack only the packer, so a Receive may
  // run while the batch before is packed; batches must be packed in the order
  // they were received.
  bool Receive(size_t min_rows, const int32_t* cancel, std::vector<uint8_t>* datagrams);
  PackedInet Pack(const uint8_t* datagrams, size_t length, uint32_t* address_base);
  // Closes the socket before the dump is complete (later batches are empty).
  void Close() { socket_.reset(); }

 private:
  std::unique_ptr<NetlinkSocket> socket_;
  std::vector<uint8_t> request_;  // kept for the second read
  // Owned by Receive: it hands Pack only the replies it admits, so a batch
  // never repeats a socket of an earlier one.
  DistinctSockets distinct_;
  InetPacker packer_;
};

// Decode recorded reply bytes (netlink messages ending in NLMSG_DONE; a
// second read's after the first's, as DumpInet records them), each socket
// once, the cookies remembered as a listing with `check` remembers them
// (dump_check.h; kAlways: every one).
PackedInet DecodeInet(const uint8_t* data, size_t length, DumpCheck check = DumpCheck::kAlways);
PackedUnix DecodeUnix(const uint8_t* data, size_t length, DumpCheck check = DumpCheck::kAlways);

}  // namespace netstat

#endif  // NETSTAT_NATIVE_SOCK_DIAG_H_
