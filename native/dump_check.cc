// dump_check.cc — see dump_check.h.
#include "dump_check.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/unix_diag.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "errors.h"

namespace netstat {

namespace {

[[noreturn]] void ThrowMalformed(const char* what) { throw SystemError(EBADMSG, "recvmsg", what); }

// The cookie (two u32 halves, low first) at `offset` in the payload of a
// reply whose message is `size` bytes; EBADMSG when the reply is shorter.
uint64_t CookieAt(const nlmsghdr& reply, size_t size, size_t offset) {
  if (reply.nlmsg_len < NLMSG_LENGTH(size)) ThrowMalformed("sock_diag reply shorter than its header");
  uint32_t halves[2];
  std::memcpy(halves, static_cast<const uint8_t*>(NLMSG_DATA(&reply)) + offset, sizeof halves);
  return static_cast<uint64_t>(halves[1]) << 32 | halves[0];
}

// A 64-bit mix (MurmurHash3's finaliser), to fold an address tuple into a fingerprint.
uint64_t Mix(uint64_t key) {
  key ^= key >> 33;
  key *= 0xff51afd7ed558ccdULL;
  key ^= key >> 33;
  key *= 0xc4ceb9fe1a85ec53ULL;
  key ^= key >> 33;
  return key;
}

// A key's first slot in a table of 2^bits. Cookies come in runs — the
// sockets a dump shows for the first time get them in the order it walks,
// and keep them for later dumps, which walk in the same order — so eight
// keys that differ only in their low 3 bits share a 64-byte line of slots,
// and the lines are spread by Fibonacci hashing (the rest of the key times
// 2^64 over the golden ratio, top bits). A dump then touches one line per
// eight sockets instead of one per socket: inserting a 200k-socket dump's
// cookies, between the kernel's reads, cost ~25 ms with one line per key.
size_t SlotOf(uint64_t key, unsigned bits) {
  const size_t line = static_cast<size_t>(((key >> 3) * 0x9e3779b97f4a7c15ULL) >> (64 - (bits - 3)));
  return line << 3 | (key & 7);
}

constexpr unsigned kFirstBits = 10;  // 1,024 slots, 8 KiB

// How many first-read sockets a second read may need to know: all of a table it may read twice.
size_t RowsKeptFor(DumpCheck check) {
  switch (check) {
    case DumpCheck::kAlways:
      return SIZE_MAX;
    case DumpCheck::kAuto:
      return kAutoCheckRows;
    case DumpCheck::kNever:
      break;
  }
  return 0;
}

}  // namespace

bool WantsSecondRead(DumpCheck check, size_t datagrams, size_t rows) {
  return datagrams >= 2 && check != DumpCheck::kNever && rows <= RowsKeptFor(check);
}

uint64_t InetCookie(const nlmsghdr& reply) { return CookieAt(reply, sizeof(inet_diag_msg), offsetof(inet_diag_msg, id.idiag_cookie)); }

uint64_t InetTuple(const nlmsghdr& reply) {
  if (reply.nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) ThrowMalformed("sock_diag reply shorter than its header");
  inet_diag_msg msg;
  std::memcpy(&msg, NLMSG_DATA(&reply), sizeof msg);
  uint64_t hash = Mix(static_cast<uint64_t>(msg.idiag_family) << 32 | static_cast<uint64_t>(msg.id.idiag_sport) << 16 | msg.id.idiag_dport);
  for (const uint32_t* words : {msg.id.idiag_src, msg.id.idiag_dst}) {
    for (int i = 0; i < 4; ++i) hash = Mix(hash ^ words[i]);
  }
  hash = Mix(hash ^ msg.id.idiag_if);
  return hash != 0 ? hash : 1;
}

uint64_t UnixCookie(const nlmsghdr& reply) { return CookieAt(reply, sizeof(unix_diag_msg), offsetof(unix_diag_msg, udiag_cookie)); }

bool KeySet::Insert(uint64_t key) {
  if (slots_.empty()) {
    slots_.resize(size_t{1} << kFirstBits);
    bits_ = kFirstBits;
  }
  const size_t mask = slots_.size() - 1;
  for (size_t i = SlotOf(key, bits_);; i = (i + 1) & mask) {
    if (slots_[i] == key) return false;
    if (slots_[i] != 0) continue;
    slots_[i] = key;
    if (++used_ * 2 > slots_.size()) Grow();  // at most half full: short probes
    return true;
  }
}

bool KeySet::Contains(uint64_t key) const {
  if (slots_.empty()) return false;
  const size_t mask = slots_.size() - 1;
  for (size_t i = SlotOf(key, bits_);; i = (i + 1) & mask) {
    if (slots_[i] == key) return true;
    if (slots_[i] == 0) return false;
  }
}

void KeySet::Clear() {
  slots_.clear();
  used_ = 0;
  bits_ = 0;
}

void KeySet::Grow() {
  std::vector<uint64_t> old(slots_.size() * 2);
  old.swap(slots_);
  ++bits_;
  const size_t mask = slots_.size() - 1;
  for (uint64_t key : old) {
    if (key == 0) continue;
    size_t i = SlotOf(key, bits_);
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = key;
  }
}

DistinctSockets::DistinctSockets(CookieOf cookie_of, TupleOf tuple_of, DumpCheck check)
    : cookie_of_(cookie_of), tuple_of_(tuple_of), check_(check), all_rows_(RowsKeptFor(check)) {}

bool DistinctSockets::Admit(const nlmsghdr& reply) {
  const uint64_t cookie = cookie_of_(reply);
  if (cookie != 0) {
    if (!cookies_.Insert(cookie)) return false;
    if (admitted_ >= all_rows_) Window(cookie);
  }
  if (tuple_of_ != nullptr && admitted_ < all_rows_) tuples_.Insert(tuple_of_(reply));
  ++admitted_;
  return true;
}

void DistinctSockets::Window(uint64_t cookie) {
  // Past the sockets kept for good: the ring holds the last kCookieWindow
  // cookies, and each time it has turned once the table is rebuilt from it,
  // so it holds between one and two windows' worth. (A cookie still in the
  // table from before is a true repeat all the same.)
  if (window_.empty()) window_.resize(kCookieWindow);
  window_[windowed_ % kCookieWindow] = cookie;
  if (++windowed_ % kCookieWindow != 0) return;
  cookies_.Clear();
  for (uint64_t kept : window_) cookies_.Insert(kept);
}

bool DistinctSockets::AdmitMissed(const nlmsghdr& reply) {
  const uint64_t cookie = cookie_of_(reply);
  if (cookie == 0 || cookies_.Contains(cookie)) return false;
  if (tuple_of_ != nullptr && !tuples_.Insert(tuple_of_(reply))) return false;
  cookies_.Insert(cookie);
  ++admitted_;
  return true;
}

void DistinctSockets::Clear() {
  cookies_.Clear();
  tuples_.Clear();
  window_.clear();
  windowed_ = 0;
  admitted_ = 0;
}

void DumpDistinct(NetlinkSocket* socket, const std::vector<uint8_t>& request, DistinctSockets* distinct, const MessageSink& add,
                  const std::function<void()>& clear, std::vector<uint8_t>* record, const int32_t* cancel) {
  socket->Dump(
      request,
      [distinct, &add](const nlmsghdr& reply) {
        if (distinct->Admit(reply)) add(reply);
      },
      [distinct, &clear] {
        clear();
        distinct->Clear();
      },
      record, cancel);
  if (WantsSecondRead(distinct->check(), socket->datagrams(), distinct->admitted())) ReadMissed(socket, request, distinct, add, record, cancel);
}

void ReadMissed(NetlinkSocket* socket, const std::vector<uint8_t>& request, DistinctSockets* distinct, const MessageSink& add,
                std::vector<uint8_t>* record, const int32_t* cancel) {
  // Recorded apart: a repeated read (NLM_F_DUMP_INTR) clears its recording,
  // which must not take the first read's with it. A repeated second read
  // keeps what it took: those sockets exist, and their cookies keep them
  // from being taken twice.
  std::vector<uint8_t> second;
  socket->Dump(
      request,
      [distinct, &add](const nlmsghdr& reply) {
        if (distinct->AdmitMissed(reply)) add(reply);
      },
      [] {}, record != nullptr ? &second : nullptr, cancel);
  if (record != nullptr) record->insert(record->end(), second.begin(), second.end());
}

void DecodeRecording(const uint8_t* data, size_t length, DistinctSockets* distinct, const MessageSink& add) {
  bool first = true;
  size_t offset = 0;
  do {
    bool interrupted = false;
    size_t used = 0;
    const bool done = WalkDumpMessages(
        data + offset, length - offset, 0, 0, &interrupted,
        [distinct, &add, first](const nlmsghdr& reply) {
          if (first ? distinct->Admit(reply) : distinct->AdmitMissed(reply)) add(reply);
        },
        &used);
    if (!done) ThrowMalformed("recording ends before NLMSG_DONE");
    offset += used;
    first = false;
  } while (offset < length);
}

}  // namespace netstat
