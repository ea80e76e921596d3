// dump_check.h — what a listing adds to a sock_diag dump: each socket once,
// and a second read for the sockets the kernel skipped.
//
// The kernel builds a dump one datagram (at most 32 KiB) per read and keeps,
// between reads, only its place: a hash bucket and how many of that bucket's
// sockets it has passed (inet_diag's and udp_diag's dumps, unix_diag's; the
// /proc tables resume the same way). A socket that joins the bucket ahead of
// the place before the next read (new sockets go to the head of a chain)
// makes that read start one socket early and repeat one; a socket ahead of the
// place that leaves makes it start one socket late and skip one — a socket
// that lived through the whole dump is missing from it. ss and net-tools show
// both. So a listing:
//   - drops a reply whose socket cookie an earlier reply had (the repeat);
//   - when the dump took more than one datagram, reads the table a second
//     time and keeps the sockets the first read lacked (the skipped, and any
//     made meanwhile) — for Internet sockets, those whose addresses and ports
//     the listing does not have either: the same connection can come back
//     under another cookie (a request socket that became a full one) and a
//     port can be taken again meanwhile (a listener closed and reopened), and
//     neither may show twice. A socket the first read skipped is in the second
//     unless the second skips it too, at one of its own places, which needs a
//     second removal ahead of it in the same bucket at that moment; or unless
//     it shares its addresses and ports with one the listing has
//     (SO_REUSEPORT listeners).
// A dump of one datagram was built in one go: nothing to resume, nothing to read twice.
#ifndef NETSTAT_NATIVE_DUMP_CHECK_H_
#define NETSTAT_NATIVE_DUMP_CHECK_H_

#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "netlink.h"

namespace netstat {

// When a listing reads a table a second time (the `check` argument of the dumps).
enum class DumpCheck : uint8_t {
  kAuto = 0,    // when the first read took several datagrams and kept at most kAutoCheckRows sockets
  kAlways = 1,  // whenever the first read took several datagrams
  kNever = 2,   // one read (repeats are still dropped)
};

// kAuto's bound: the second read costs about what the first did, which below
// this many sockets is a few tens of milliseconds at most; a larger table is
// read twice only when asked (kAlways).
constexpr size_t kAutoCheckRows = 16384;

bool WantsSecondRead(DumpCheck check, size_t datagrams, size_t rows);

// The socket cookie of a reply (0: the reply names none); EBADMSG for a reply
// too short to hold its message.
using CookieOf = uint64_t (*)(const nlmsghdr& reply);
uint64_t InetCookie(const nlmsghdr& reply);
uint64_t UnixCookie(const nlmsghdr& reply);

// An Internet reply's family, addresses, ports and interface as one 64-bit
// fingerprint (never 0). Two fingerprints agree by chance about once in 2^64
// pairs: a second read of 16,384 sockets loses a socket to that about once in
// 10^15 listings.
uint64_t InetTuple(const nlmsghdr& reply);
using TupleOf = uint64_t (*)(const nlmsghdr& reply);

// A set of non-zero 64-bit keys (open addressing at most half full: one
// probe per key in the common case, as the address table does; 8 bytes a
// slot, so 200k sockets take 4 MiB).
class KeySet {
 public:
  bool Insert(uint64_t key);  // true when new
  bool Contains(uint64_t key) const;
  void Clear();
  size_t size() const { return used_; }

 private:
  void Grow();
  std::vector<uint64_t> slots_;  // 0 = empty; 2^bits_ of them
  unsigned bits_ = 0;
  size_t used_ = 0;
};

// The sockets a listing has so far: their cookies, and for Internet sockets
// (`tuple_of`) their addresses and ports. All are remembered while a second
// read may still come (`check`: up to kAutoCheckRows sockets for kAuto, every
// one for kAlways); past that, only the cookies of the last kCookieWindow
// sockets listed. A repeat is the kernel going back over the sockets of the
// bucket it resumes in, which it has just listed, so it is caught unless one
// hash bucket holds more than kCookieWindow of the namespace's sockets — and
// memory stays ~1 MiB instead of 8 bytes a socket with a table grown to
// twice that (a 200k-socket listing: 4-6 MiB).
class DistinctSockets {
 public:
  explicit DistinctSockets(CookieOf cookie_of, TupleOf tuple_of = nullptr, DumpCheck check = DumpCheck::kAuto);
  // The first read: true unless a reply with this cookie came before (a
  // reply without a cookie is always taken: nothing says it repeats one).
  bool Admit(const nlmsghdr& reply);
  // A later read: true only for a reply whose cookie, and addresses and
  // ports, no reply had before.
  bool AdmitMissed(const nlmsghdr& reply);
  void Clear();
  size_t admitted() const { return admitted_; }
  DumpCheck check() const { return check_; }

  static constexpr size_t kCookieWindow = 16384;

 private:
  void Window(uint64_t cookie);  // a cookie past all_rows_, into the ring
  CookieOf cookie_of_;
  TupleOf tuple_of_;
  DumpCheck check_;
  size_t all_rows_;  // how many first-read sockets have their cookie (and tuple) remembered for good
  KeySet cookies_;
  KeySet tuples_;
  std::vector<uint64_t> window_;  // past all_rows_: the last kCookieWindow cookies, a ring
  size_t windowed_ = 0;           // cookies put in the ring so far
  size_t admitted_ = 0;
};

// One table's dump over `socket` into `add`: repeats dropped, then the second
// read when the listing's check wants one (`distinct`, made for the
// request's check). `clear` forgets what `add` got (a dump the kernel flags
// inconsistent is repeated, NLM_F_DUMP_INTR). With `record`, every datagram
// of both reads is appended to it (DecodeRecording reads such a recording the
// same way). Throws as NetlinkSocket::Dump.
void DumpDistinct(NetlinkSocket* socket, const std::vector<uint8_t>& request, DistinctSockets* distinct, const MessageSink& add,
                  const std::function<void()>& clear, std::vector<uint8_t>* record, const int32_t* cancel);

// The second read alone, for a streamed dump whose first read is complete:
// `request` again over `socket`, its replies with a new cookie into `add`.
void ReadMissed(NetlinkSocket* socket, const std::vector<uint8_t>& request, DistinctSockets* distinct, const MessageSink& add,
                std::vector<uint8_t>* record, const int32_t* cancel);

// Recorded reply bytes: one or more dumps, each ending in NLMSG_DONE, the
// first read as Admit takes it and the later ones as AdmitMissed does.
// EBADMSG when the bytes do not end with a dump's NLMSG_DONE.
void DecodeRecording(const uint8_t* data, size_t length, DistinctSockets* distinct, const MessageSink& add);

}  // namespace netstat

#endif  // NETSTAT_NATIVE_DUMP_CHECK_H_
