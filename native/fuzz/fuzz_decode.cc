// fuzz_decode.cc — libFuzzer harness for the engine's byte decoders: the
// netlink message walk (netlink.cc), the inet_diag / unix_diag packers
// (sock_diag.cc: one family, both families of one TCPDIAG_GETSOCK dump,
// streamed batches, compact rows, UNIX), the destroy notification parse (destroy_monitor.cc)
// and net-tools' program name rule (proc_fds.cc). No N-API and no socket:
// each input is handed to every decoder as if it were a received datagram or
// a recording, so lengths that lie, attributes past the end, zero-length
// messages, unknown types and truncated batches all reach the same code a
// live dump runs; and to the BTF reader (btf.cc) as if it were the kernel's
// /sys/kernel/btf/vmlinux. Built and run by scripts/fuzz.sh (`npm run fuzz`).
//
// Beyond "no crash" (ASan/UBSan watch every access), the harness checks the
// decoders' contracts and traps when one is broken: malformed input may only
// raise SystemError; packed tables have whole rows; every index a row holds
// points inside its table; a decoded recording names each socket once. The packers that share InetPacker's rules are held
// to it: the both-families packer must give exactly its rows, each in the
// table of its family, the streamed batches together exactly its result, and
// the compact packer the same sockets with the same values; each must reject
// exactly the datagrams it rejects.
#include <linux/btf.h>
#include <linux/netlink.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../btf.h"
#include "../destroy_monitor.h"
#include "../errors.h"
#include "../layout.h"
#include "../netlink.h"
#include "../proc_fds.h"
#include "../sock_diag.h"

namespace {

using netstat::SystemError;

void Require(bool condition) {
  if (!condition) __builtin_trap();
}

void CheckInet(const netstat::PackedInet& packed) {
  using namespace netstat::inet_field;
  Require(packed.fields.size() % kStride == 0);
  for (size_t row = 0; row < packed.fields.size(); row += kStride) {
    Require(packed.fields[row + kLocalAddress] < packed.addresses.size());
    Require(packed.fields[row + kRemoteAddress] < packed.addresses.size());
    Require(packed.fields[row + kHasInfo] <= 1);
  }
}

void CheckUnix(const netstat::PackedUnix& packed) {
  using namespace netstat::unix_field;
  Require(packed.fields.size() % kStride == 0);
  for (size_t row = 0; row < packed.fields.size(); row += kStride) {
    const size_t offset = packed.fields[row + kNameOffset];
    const size_t length = packed.fields[row + kNameLength];
    Require(offset <= packed.names.size() && length <= packed.names.size() - offset);
  }
}

// No two rows of one listing name the same socket (dump_check.h): cookies
// are distinct, but for 0 (a reply that names none).
template <size_t kStride, size_t kLow, size_t kHigh>
void CheckDistinct(const std::vector<uint32_t>& fields) {
  std::vector<uint64_t> cookies;
  for (size_t row = 0; row < fields.size(); row += kStride) {
    const uint64_t cookie = static_cast<uint64_t>(fields[row + kHigh]) << 32 | fields[row + kLow];
    if (cookie != 0) cookies.push_back(cookie);
  }
  std::sort(cookies.begin(), cookies.end());
  Require(std::adjacent_find(cookies.begin(), cookies.end()) == cookies.end());
}

// A recording: DecodeInet / DecodeUnix, as decodeInet()/decodeUnix() run them
// (one dump, or a first and second read: each socket once).
void DecodeRecordings(const uint8_t* data, size_t size) {
  namespace in = netstat::inet_field;
  namespace un = netstat::unix_field;
  try {
    const netstat::PackedInet inet = netstat::DecodeInet(data, size);
    CheckInet(inet);
    CheckDistinct<in::kStride, in::kCookieLow, in::kCookieHigh>(inet.fields);
  } catch (const SystemError&) {
  }
  try {
    const netstat::PackedUnix unix = netstat::DecodeUnix(data, size);
    CheckUnix(unix);
    CheckDistinct<un::kStride, un::kCookieLow, un::kCookieHigh>(unix.fields);
  } catch (const SystemError&) {
  }
}

// Walks one datagram into a packer, as NetlinkSocket::Dump does; true when
// the walk or the packer rejected it (SystemError, the only error allowed).
template <typename Packer>
bool Feed(const uint8_t* data, size_t size, uint32_t port, uint32_t seq, Packer* packer) {
  bool interrupted = false;
  try {
    netstat::WalkDumpMessages(data, size, port, seq, &interrupted, [packer](const nlmsghdr& m) { packer->Add(m); });
  } catch (const SystemError&) {
    return true;
  }
  return false;
}

// inet_ntop's text says the family: only IPv6 text has a ':'.
bool IsInet6Text(const std::string& text) { return text.find(':') != std::string::npos; }

// The both-families packer against the one-table packer on the same
// accepted datagram: the one table's rows, in order, are the pair's two
// tables merged by family — every slot equal, addresses by their text.
void CheckPairAgainstOne(const netstat::PackedInetPair& pair, const netstat::PackedInet& one) {
  using namespace netstat::inet_field;
  size_t next[2] = {0, 0};  // next row of pair.inet, pair.inet6
  for (size_t row = 0; row < one.fields.size(); row += kStride) {
    const std::string& local = one.addresses[one.fields[row + kLocalAddress]];
    const int which = IsInet6Text(local) ? 1 : 0;
    const netstat::PackedInet& side = which == 1 ? pair.inet6 : pair.inet;
    const size_t at = next[which];
    Require(at < side.fields.size());
    for (size_t slot = 0; slot < kStride; ++slot) {
      if (slot == kLocalAddress || slot == kRemoteAddress) continue;
      Require(side.fields[at + slot] == one.fields[row + slot]);
    }
    Require(side.addresses[side.fields[at + kLocalAddress]] == local);
    Require(side.addresses[side.fields[at + kRemoteAddress]] == one.addresses[one.fields[row + kRemoteAddress]]);
    next[which] = at + kStride;
  }
  Require(next[0] == pair.inet.fields.size() && next[1] == pair.inet6.fields.size());
  for (const auto& text : pair.inet.addresses) Require(!IsInet6Text(text));
  for (const auto& text : pair.inet6.addresses) Require(IsInet6Text(text));
}

// Compact rows are the same sockets as the one-table packer's, with its values.
void CheckCompactAgainstOne(const netstat::PackedCompact& compact, const netstat::PackedInet& one) {
  namespace in = netstat::inet_field;
  namespace co = netstat::compact_field;
  Require(compact.fields.size() / co::kStride == one.fields.size() / in::kStride);
  for (size_t c = 0, i = 0; c < compact.fields.size(); c += co::kStride, i += in::kStride) {
    Require(compact.fields[c + co::kState] == one.fields[i + in::kState]);
    Require(compact.fields[c + co::kLocalPort] == one.fields[i + in::kPorts] >> 16);
    Require(compact.fields[c + co::kUid] == one.fields[i + in::kUid]);
    Require(compact.fields[c + co::kInode] == one.fields[i + in::kInode]);
    Require(compact.fields[c + co::kRecvQueue] == one.fields[i + in::kRecvQueue]);
    Require(compact.fields[c + co::kSendQueue] == one.fields[i + in::kSendQueue]);
    Require(compact.fields[c + co::kCgroupLow] == one.fields[i + in::kCgroupLow]);
    Require(compact.fields[c + co::kCgroupHigh] == one.fields[i + in::kCgroupHigh]);
  }
}

// One datagram of a live dump, with the port and sequence checks on (taken
// from the first header, so that inputs can pass them), into each packer.
void DecodeDatagram(const uint8_t* data, size_t size) {
  uint32_t port = 0;
  uint32_t seq = 0;
  if (size >= sizeof(nlmsghdr)) {
    nlmsghdr first;
    std::memcpy(&first, data, sizeof first);
    port = first.nlmsg_pid;
    seq = first.nlmsg_seq;
  }
  netstat::InetPacker inet;
  const bool inet_rejected = Feed(data, size, port, seq, &inet);
  const netstat::PackedInet one = inet.Take();
  CheckInet(one);

  // dumpInetBoth (layout 6): the same replies split by idiag_family.
  netstat::InetPairPacker pair_packer;
  const bool pair_rejected = Feed(data, size, port, seq, &pair_packer);
  const netstat::PackedInetPair pair = pair_packer.Take();
  CheckInet(pair.inet);
  CheckInet(pair.inet6);
  Require(pair_rejected == inet_rejected);
  if (!inet_rejected) CheckPairAgainstOne(pair, one);

  netstat::CompactPacker compact_packer;
  const bool compact_rejected = Feed(data, size, port, seq, &compact_packer);
  const netstat::PackedCompact compact = compact_packer.Take();
  Require(compact.fields.size() % netstat::compact_field::kStride == 0);
  Require(compact_rejected == inet_rejected);
  if (!inet_rejected) CheckCompactAgainstOne(compact, one);

  netstat::UnixPacker unix_packer;
  Feed(data, size, port, seq, &unix_packer);
  CheckUnix(unix_packer.Take());
}

// A streamed dump (InetDumpStream::Pack, layout 7): the replies packed batch
// by batch into one InetPacker, each batch (TakeBatch) carrying only the
// address texts new since the batch before, its rows indexing all texts
// handed on so far from address_base. Here every message is a batch of its
// own, the most batches the bytes allow. Concatenated, the batches must be
// the one-table packer's result exactly — the same rows, the same address
// indexes, the same texts in the same order — and the stream must reject
// exactly what it rejects.
void DecodeStream(const uint8_t* data, size_t size) {
  netstat::InetPacker whole;
  const bool whole_rejected = Feed(data, size, 0, 0, &whole);
  const netstat::PackedInet one = whole.Take();

  netstat::InetPacker packer;
  netstat::PackedInet streamed;  // every batch's rows and new texts, in order
  bool rejected = false;
  for (size_t offset = 0; offset < size;) {
    // The next batch: one message, or all the rest when its header does not say where it ends.
    size_t length = size - offset;
    if (length >= sizeof(nlmsghdr)) {
      nlmsghdr header;
      std::memcpy(&header, data + offset, sizeof header);
      const size_t aligned = (static_cast<size_t>(header.nlmsg_len) + NLMSG_ALIGNTO - 1) & ~static_cast<size_t>(NLMSG_ALIGNTO - 1);
      if (header.nlmsg_len >= sizeof(nlmsghdr) && aligned <= length) length = aligned;
    }
    // As Pack walks received datagrams: port and sequence were checked on receipt.
    bool interrupted = false;
    bool done = false;
    try {
      done = netstat::WalkDumpMessages(data + offset, length, 0, 0, &interrupted, [&packer](const nlmsghdr& m) { packer.Add(m); });
    } catch (const SystemError&) {
      rejected = true;
      break;
    }
    Require(packer.address_base() == streamed.addresses.size());
    netstat::PackedInet batch = packer.TakeBatch();
    streamed.fields.insert(streamed.fields.end(), batch.fields.begin(), batch.fields.end());
    streamed.addresses.insert(streamed.addresses.end(), batch.addresses.begin(), batch.addresses.end());
    CheckInet(streamed);  // each batch's indexes point into the texts handed on so far
    offset += length;
    if (done) break;
  }
  Require(rejected == whole_rejected);
  if (!rejected) Require(streamed.fields == one.fields && streamed.addresses == one.addresses);
}

// A multicast datagram of destroy notifications, as ReceiveNotifications walks it.
void DecodeNotifications(const uint8_t* data, size_t size) {
  std::vector<uint32_t> cookies;
  bool interrupted = false;
  try {
    netstat::WalkDumpMessages(data, size, 0, 0, &interrupted,
                              [&cookies](const nlmsghdr& m) { netstat::CollectDestroyedCookie(m, &cookies); });
  } catch (const SystemError&) {
  }
  Require(cookies.size() % 2 == 0);
}

// /proc/PID/cmdline bytes: the name is at most 511 bytes and holds no NUL.
void DecodeCmdline(const uint8_t* data, size_t size) {
  const std::string name = netstat::ProgramName(reinterpret_cast<const char*>(data), size);
  Require(name.size() <= 511);
  Require(name.find('\0') == std::string::npos);
}

// BTF: a blob either parses or says why; what the owner walk asks of a
// parsed one (btf.h) answers within the blob (ASan watches every read), and
// a member found has a kind Parse accepted.
void DecodeBtf(const uint8_t* data, size_t size) {
  netstat::Btf btf;
  std::string error;
  if (!btf.Parse(data, size, &error)) {
    Require(!error.empty());
    return;
  }
  static const char* const kNames[] = {"task_struct", "pid", "upid", "file", "inode", "super_block", "bpf_iter__task_file", "bpf_iter_meta"};
  static const char* const kMembers[] = {"pid", "tgid", "thread_pid", "level", "numbers", "nr", "f_inode", "i_ino", "i_sb", "s_magic", "seq", "file"};
  btf.Find(BTF_KIND_FUNC, "bpf_iter_task_file");
  std::vector<uint32_t> ids;
  for (const char* name : kNames) ids.push_back(btf.Find(BTF_KIND_STRUCT, name));
  // And the first types, whatever their names: the fuzzer need not guess them.
  for (uint32_t id = 1; id <= btf.type_count() && id <= 16; ++id) ids.push_back(id);
  for (uint32_t id : ids) {
    btf.StructSize(id);
    for (const char* member : kMembers) {
      netstat::BtfMember found;
      if (btf.Member(id, member, &found)) Require(found.kind >= BTF_KIND_INT && found.kind <= BTF_KIND_MAX);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  DecodeRecordings(data, size);
  DecodeDatagram(data, size);
  DecodeStream(data, size);
  DecodeNotifications(data, size);
  DecodeCmdline(data, size);
  DecodeBtf(data, size);
  // The same bytes one byte off alignment: WalkDumpMessages then hands the
  // sinks an aligned copy of each message (a recording need not be aligned).
  std::vector<uint8_t> shifted(size + 1);
  if (size > 0) std::memcpy(shifted.data() + 1, data, size);
  DecodeRecordings(shifted.data() + 1, size);
  DecodeBtf(shifted.data() + 1, size);
  return 0;
}
