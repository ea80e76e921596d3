// sock_diag.cc — see sock_diag.h. Field meanings follow the kernel's
// inet_diag.c / unix_diag.c; how they map to /proc's columns is decided in
// src/backends/netlink.ts, which sees these values unchanged.
#include "sock_diag.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstring>
#include <utility>

#include "errors.h"
#include "layout.h"
#include "netlink.h"

namespace netstat {

namespace {

[[noreturn]] void ThrowMalformed(const char* what) { throw SystemError(EBADMSG, "recvmsg", what); }

// Attributes of one message indexed by type; types beyond the table are
// ignored (newer kernels add attributes) and every length is bounds-checked.
template <size_t kSize>
struct AttributeTable {
  const uint8_t* data[kSize] = {};
  size_t length[kSize] = {};

  AttributeTable(const uint8_t* begin, size_t available) {
    size_t offset = 0;
    while (available - offset >= NLA_HDRLEN) {
      nlattr attribute;
      std::memcpy(&attribute, begin + offset, sizeof attribute);
      if (attribute.nla_len < NLA_HDRLEN || attribute.nla_len > available - offset) ThrowMalformed("attribute length out of bounds");
      const uint16_t type = attribute.nla_type & NLA_TYPE_MASK;
      if (type < kSize) {
        data[type] = begin + offset + NLA_HDRLEN;
        length[type] = attribute.nla_len - NLA_HDRLEN;
      }
      const size_t step = NLA_ALIGN(attribute.nla_len);
      if (step >= available - offset) break;
      offset += step;
    }
  }
};

template <typename Request>
std::vector<uint8_t> Message(const Request& body, uint16_t type = SOCK_DIAG_BY_FAMILY) {
  std::vector<uint8_t> bytes(NLMSG_LENGTH(sizeof(Request)));
  nlmsghdr header{};
  header.nlmsg_len = static_cast<uint32_t>(bytes.size());
  header.nlmsg_type = type;
  header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  std::memcpy(bytes.data(), &header, sizeof header);
  std::memcpy(bytes.data() + NLMSG_HDRLEN, &body, sizeof body);
  return bytes;
}

// Payload of a reply, at least `size` bytes, or EBADMSG.
const uint8_t* Payload(const nlmsghdr& message, size_t size) {
  if (message.nlmsg_len < NLMSG_LENGTH(size)) ThrowMalformed("sock_diag reply shorter than its header");
  return reinterpret_cast<const uint8_t*>(NLMSG_DATA(&message));
}

// What /proc/net/unix prints for a bound name (net/unix/af_unix.c,
// unix_seq_show): abstract names get a leading '@'; a path loses the NUL
// the kernel stored after it; any other NUL is shown as '@'.
void AppendProcName(const uint8_t* name, size_t length, std::string* out) {
  size_t i = 0;
  if (length > 0 && name[0] == 0) {
    out->push_back('@');
    i = 1;
  } else if (length > 0) {
    --length;
  }
  for (; i < length; ++i) out->push_back(name[i] != 0 ? static_cast<char>(name[i]) : '@');
}

// INET_DIAG_CGROUP_ID (a u64, kernels 5.7+ with cgroup socket data): the
// socket's cgroup v2 id; 0 when absent (older kernels, TIME_WAIT and request
// sockets, which carry no cgroup).
uint64_t CgroupId(const uint8_t* data, size_t length) {
  if (data == nullptr) return 0;
  if (length < sizeof(uint64_t)) ThrowMalformed("INET_DIAG_CGROUP_ID cut short");
  uint64_t id;
  std::memcpy(&id, data, sizeof id);
  return id;
}

}  // namespace

namespace {

// Appends the filter program as one INET_DIAG_REQ_BYTECODE attribute after
// the request body: header, bytes, padding to NLA_ALIGN; nlmsg_len covers all
// of it. The kernel looks for attributes right after the body of either
// request type (__inet_diag_dump_start, given the body's size).
void AppendBytecode(const std::vector<uint8_t>& bytecode, std::vector<uint8_t>* bytes) {
  const size_t size = bytecode.size();
  if (size == 0) return;
  if (size > kMaxBytecode) throw SystemError(EMSGSIZE, "sendmsg", "inet_diag bytecode longer than a netlink attribute holds");
  const size_t at = NLMSG_ALIGN(bytes->size());
  bytes->resize(at + NLA_HDRLEN + NLA_ALIGN(size), 0);
  nlattr attribute{};
  attribute.nla_len = static_cast<uint16_t>(NLA_HDRLEN + size);
  attribute.nla_type = INET_DIAG_REQ_BYTECODE;
  std::memcpy(bytes->data() + at, &attribute, sizeof attribute);
  std::memcpy(bytes->data() + at + NLA_HDRLEN, bytecode.data(), size);
  const auto length = static_cast<uint32_t>(bytes->size());
  std::memcpy(bytes->data() + offsetof(nlmsghdr, nlmsg_len), &length, sizeof length);
}

uint8_t ExtensionBits(const InetRequest& request) {
  return request.with_info ? static_cast<uint8_t>(1U << (INET_DIAG_INFO - 1)) : 0;
}

}  // namespace

std::vector<uint8_t> BuildInetRequest(const InetRequest& request) {
  inet_diag_req_v2 body{};
  body.sdiag_family = request.family;
  body.sdiag_protocol = request.protocol;
  body.idiag_ext = ExtensionBits(request);
  body.idiag_states = request.states;
  body.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  body.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  std::vector<uint8_t> bytes = Message(body);
  AppendBytecode(request.bytecode, &bytes);
  return bytes;
}

std::vector<uint8_t> BuildInetBothRequest(const InetRequest& request) {
  // The message type names the protocol (inet_diag_type2proto); only TCP has one left.
  if (request.protocol != IPPROTO_TCP) throw SystemError(EPROTONOSUPPORT, "sendmsg", "only TCP can be dumped for both families at once");
  // idiag_family, the address lengths and idiag_dbs matter only to a
  // single-socket lookup, never to a dump.
  inet_diag_req body{};
  body.idiag_ext = ExtensionBits(request);
  body.idiag_states = request.states;
  body.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  body.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  std::vector<uint8_t> bytes = Message(body, TCPDIAG_GETSOCK);
  AppendBytecode(request.bytecode, &bytes);
  return bytes;
}

std::vector<uint8_t> BuildUnixRequest() {
  unix_diag_req body{};
  body.sdiag_family = AF_UNIX;
  body.udiag_states = ~0U;
  body.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN;
  body.udiag_cookie[0] = INET_DIAG_NOCOOKIE;
  body.udiag_cookie[1] = INET_DIAG_NOCOOKIE;
  return Message(body);
}

namespace {

size_t HashKey(const std::array<uint32_t, 5>& key) {
  uint64_t hash = 0x9e3779b97f4a7c15ULL;
  for (uint32_t word : key) hash = (hash ^ word) * 0xff51afd7ed558ccdULL;
  return static_cast<size_t>(hash ^ (hash >> 29));
}

}  // namespace

uint32_t AddressTable::Intern(uint8_t family, const uint32_t* address, std::vector<std::string>* texts, uint32_t base) {
  std::array<uint32_t, 5> key{family, address[0], 0, 0, 0};
  if (family == AF_INET6) std::memcpy(&key[1], address, 16);
  if (slots_.empty()) slots_.resize(1024);
  const size_t mask = slots_.size() - 1;
  for (size_t i = HashKey(key) & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.index_plus_one != 0) {
      if (slot.key == key) return slot.index_plus_one - 1;
      continue;
    }
    char text[INET6_ADDRSTRLEN];
    if (::inet_ntop(family, address, text, sizeof text) == nullptr) ThrowMalformed("unknown address family");
    texts->emplace_back(text);
    const uint32_t index = base + static_cast<uint32_t>(texts->size() - 1);
    slot.key = key;
    slot.index_plus_one = index + 1;
    if (++used_ * 2 > slots_.size()) Grow();  // keep probes short: at most half full
    return index;
  }
}

void AddressTable::Grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  const size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.index_plus_one == 0) continue;
    size_t i = HashKey(slot.key) & mask;
    while (slots_[i].index_plus_one != 0) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

void AddressTable::Clear() {
  slots_.clear();
  used_ = 0;
}

void InetPacker::Add(const nlmsghdr& message) {
  const uint8_t* payload = Payload(message, sizeof(inet_diag_msg));
  inet_diag_msg msg;
  std::memcpy(&msg, payload, sizeof msg);
  if (msg.idiag_family != AF_INET && msg.idiag_family != AF_INET6) ThrowMalformed("inet_diag reply of another family");

  const size_t head = NLMSG_ALIGN(sizeof(inet_diag_msg));
  const size_t payload_length = message.nlmsg_len - NLMSG_HDRLEN;
  const AttributeTable<INET_DIAG_CGROUP_ID + 1> attributes(payload + head, payload_length > head ? payload_length - head : 0);
  // tcp_info starts with u8 state, ca_state, retransmits, probes; older or
  // newer kernels may send a shorter or longer struct, so only these 4 bytes
  // are required.
  const bool has_info = attributes.data[INET_DIAG_INFO] != nullptr && attributes.length[INET_DIAG_INFO] >= 4;

  using namespace inet_field;
  const size_t at = packed_.fields.size();
  packed_.fields.resize(at + kStride);
  uint32_t* row = packed_.fields.data() + at;
  row[kState] = msg.idiag_state;
  row[kRecvQueue] = msg.idiag_rqueue;
  row[kSendQueue] = msg.idiag_wqueue;
  row[kUid] = msg.idiag_uid;
  row[kInode] = msg.idiag_inode;
  row[kTimer] = msg.idiag_timer;
  row[kExpiresMs] = msg.idiag_expires;
  row[kDiagRetrans] = msg.idiag_retrans;
  row[kHasInfo] = has_info ? 1 : 0;
  row[kInfoRetransmits] = has_info ? attributes.data[INET_DIAG_INFO][2] : 0;
  row[kInfoProbes] = has_info ? attributes.data[INET_DIAG_INFO][3] : 0;
  row[kLocalAddress] = addresses_.Intern(msg.idiag_family, msg.id.idiag_src, &packed_.addresses, address_base_);
  row[kRemoteAddress] = addresses_.Intern(msg.idiag_family, msg.id.idiag_dst, &packed_.addresses, address_base_);
  row[kPorts] = (static_cast<uint32_t>(ntohs(msg.id.idiag_sport)) << 16) | ntohs(msg.id.idiag_dport);
  row[kCookieLow] = msg.id.idiag_cookie[0];
  row[kCookieHigh] = msg.id.idiag_cookie[1];
  const uint64_t cgroup = CgroupId(attributes.data[INET_DIAG_CGROUP_ID], attributes.length[INET_DIAG_CGROUP_ID]);
  row[kCgroupLow] = static_cast<uint32_t>(cgroup);
  row[kCgroupHigh] = static_cast<uint32_t>(cgroup >> 32);
}

void InetPacker::Clear() {
  packed_ = PackedInet();
  addresses_.Clear();
  address_base_ = 0;
}

size_t InetPacker::rows() const { return packed_.fields.size() / inet_field::kStride; }

PackedInet InetPacker::Take() {
  addresses_.Clear();
  address_base_ = 0;
  return std::exchange(packed_, PackedInet());
}

PackedInet InetPacker::TakeBatch() {
  address_base_ += static_cast<uint32_t>(packed_.addresses.size());
  return std::exchange(packed_, PackedInet());
}

void InetPairPacker::Add(const nlmsghdr& message) {
  const uint8_t* payload = Payload(message, sizeof(inet_diag_msg));
  uint8_t family;
  std::memcpy(&family, payload + offsetof(inet_diag_msg, idiag_family), sizeof family);
  if (family == AF_INET) {
    inet_.Add(message);
  } else if (family == AF_INET6) {
    inet6_.Add(message);
  } else {
    ThrowMalformed("inet_diag reply of another family");
  }
}

void InetPairPacker::Clear() {
  inet_.Clear();
  inet6_.Clear();
}

PackedInetPair InetPairPacker::Take() { return PackedInetPair{inet_.Take(), inet6_.Take()}; }

void CompactPacker::Add(const nlmsghdr& message) {
  const uint8_t* payload = Payload(message, sizeof(inet_diag_msg));
  inet_diag_msg msg;
  std::memcpy(&msg, payload, sizeof msg);
  if (msg.idiag_family != AF_INET && msg.idiag_family != AF_INET6) ThrowMalformed("inet_diag reply of another family");
  using namespace compact_field;
  const size_t at = packed_.fields.size();
  packed_.fields.resize(at + kStride);
  uint32_t* row = packed_.fields.data() + at;
  row[kState] = msg.idiag_state;
  row[kLocalPort] = ntohs(msg.id.idiag_sport);
  row[kUid] = msg.idiag_uid;
  row[kInode] = msg.idiag_inode;
  row[kRecvQueue] = msg.idiag_rqueue;
  row[kSendQueue] = msg.idiag_wqueue;
  const size_t head = NLMSG_ALIGN(sizeof(inet_diag_msg));
  const size_t payload_length = message.nlmsg_len - NLMSG_HDRLEN;
  const AttributeTable<INET_DIAG_CGROUP_ID + 1> attributes(payload + head, payload_length > head ? payload_length - head : 0);
  const uint64_t cgroup = CgroupId(attributes.data[INET_DIAG_CGROUP_ID], attributes.length[INET_DIAG_CGROUP_ID]);
  row[kCgroupLow] = static_cast<uint32_t>(cgroup);
  row[kCgroupHigh] = static_cast<uint32_t>(cgroup >> 32);
}

void CompactPacker::Clear() { packed_ = PackedCompact(); }

PackedCompact CompactPacker::Take() { return std::move(packed_); }

void UnixPacker::Add(const nlmsghdr& message) {
  const uint8_t* payload = Payload(message, sizeof(unix_diag_msg));
  unix_diag_msg msg;
  std::memcpy(&msg, payload, sizeof msg);
  if (msg.udiag_family != AF_UNIX) ThrowMalformed("unix_diag reply of another family");

  const size_t head = NLMSG_ALIGN(sizeof(unix_diag_msg));
  const size_t payload_length = message.nlmsg_len - NLMSG_HDRLEN;
  const AttributeTable<UNIX_DIAG_RQLEN + 1> attributes(payload + head, payload_length > head ? payload_length - head : 0);

  uint32_t peer = 0;
  if (attributes.data[UNIX_DIAG_PEER] != nullptr) {
    if (attributes.length[UNIX_DIAG_PEER] < sizeof peer) ThrowMalformed("UNIX_DIAG_PEER cut short");
    std::memcpy(&peer, attributes.data[UNIX_DIAG_PEER], sizeof peer);
  }
  unix_diag_rqlen queue{};
  if (attributes.data[UNIX_DIAG_RQLEN] != nullptr) {
    if (attributes.length[UNIX_DIAG_RQLEN] < sizeof queue) ThrowMalformed("UNIX_DIAG_RQLEN cut short");
    std::memcpy(&queue, attributes.data[UNIX_DIAG_RQLEN], sizeof queue);
  }
  const size_t name_offset = packed_.names.size();
  if (attributes.data[UNIX_DIAG_NAME] != nullptr) {
    AppendProcName(attributes.data[UNIX_DIAG_NAME], attributes.length[UNIX_DIAG_NAME], &packed_.names);
  }

  using namespace unix_field;
  const size_t at = packed_.fields.size();
  packed_.fields.resize(at + kStride);
  uint32_t* row = packed_.fields.data() + at;
  row[kType] = msg.udiag_type;
  row[kState] = msg.udiag_state;
  row[kInode] = msg.udiag_ino;
  row[kPeerInode] = peer;
  row[kRecvQueue] = queue.udiag_rqueue;
  row[kNameOffset] = static_cast<uint32_t>(name_offset);
  row[kNameLength] = static_cast<uint32_t>(packed_.names.size() - name_offset);
  row[kCookieLow] = msg.udiag_cookie[0];
  row[kCookieHigh] = msg.udiag_cookie[1];
}

void UnixPacker::Clear() { packed_ = PackedUnix(); }

PackedUnix UnixPacker::Take() { return std::move(packed_); }

PackedInet DumpInet(const InetRequest& request, std::vector<uint8_t>* record) {
  ThrowIfCancelled(request.cancel, "recvmsg", "the dump was cancelled");  // before opening anything
  const std::vector<uint8_t> message = BuildInetRequest(request);
  NetlinkSocket socket(NETLINK_SOCK_DIAG, request.netns);
  InetPacker packer;
  DistinctSockets distinct(InetCookie, InetTuple, request.check);
  DumpDistinct(
      &socket, message, &distinct, [&packer](const nlmsghdr& reply) { packer.Add(reply); }, [&packer] { packer.Clear(); },
      record, request.cancel);
  return packer.Take();
}

InetDumpStream::InetDumpStream(const InetRequest& request)
    : request_(BuildInetRequest(request)), distinct_(InetCookie, InetTuple, request.check) {
  // The request is built before the socket is opened: a bad one opens nothing.
  ThrowIfCancelled(request.cancel, "recvmsg", "the dump was cancelled");
  socket_ = std::make_unique<NetlinkSocket>(NETLINK_SOCK_DIAG, request.netns);
  std::vector<uint8_t> message = request_;
  socket_->SendDump(&message);
}

bool InetDumpStream::Next(size_t min_rows, const int32_t* cancel, PackedInet* out, uint32_t* address_base) {
  std::vector<uint8_t> datagrams;
  const bool done = Receive(min_rows, cancel, &datagrams);
  *out = Pack(datagrams.data(), datagrams.size(), address_base);
  return done;
}

namespace {

// Turns messages of received bytes (from `from` on, headers already checked)
// into NLMSG_NOOP, which Pack's walk skips: the replies whose ordinal (among
// the replies a walk hands on) is in `repeats`, and NLMSG_DONE when `done`
// (a second read's replies follow it).
void Silence(std::vector<uint8_t>* bytes, size_t from, const std::vector<size_t>& repeats, bool done) {
  size_t ordinal = 0;
  size_t next = 0;
  for (size_t offset = from; offset + sizeof(nlmsghdr) <= bytes->size();) {
    nlmsghdr header;
    std::memcpy(&header, bytes->data() + offset, sizeof header);
    const uint16_t type = header.nlmsg_type;
    bool silence = false;
    if (type == NLMSG_DONE) {
      silence = done;
    } else if (type != NLMSG_NOOP && type != NLMSG_ERROR && type != NLMSG_OVERRUN) {
      silence = next < repeats.size() && repeats[next] == ordinal;
      if (silence) ++next;
      ++ordinal;
    }
    if (silence) {
      header.nlmsg_type = NLMSG_NOOP;
      std::memcpy(bytes->data() + offset, &header, sizeof header);
    }
    offset += NLMSG_ALIGN(header.nlmsg_len);
  }
}

}  // namespace

bool InetDumpStream::Receive(size_t min_rows, const int32_t* cancel, std::vector<uint8_t>* datagrams) {
  bool interrupted = false;
  bool done = socket_ == nullptr;
  size_t replies = 0;
  std::vector<size_t> repeats;  // of the datagram being received
  try {
    while (!done && replies < min_rows) {
      // Whole datagrams are kept, as received; the replies repeating a socket are then silenced.
      const size_t from = datagrams->size();
      size_t ordinal = 0;
      repeats.clear();
      done = socket_->ReceiveDump(
          [this, &replies, &repeats, &ordinal](const nlmsghdr& reply) {
            if (distinct_.Admit(reply)) {
              ++replies;
            } else {
              repeats.push_back(ordinal);
            }
            ++ordinal;
          },
          &interrupted, datagrams, cancel);
      // inet_diag does not flag its dumps today; if a kernel ever does, the
      // rows already printed cannot be taken back.
      if (interrupted) throw SystemError(EINTR, "recvmsg", "the dump changed while it was read (NLM_F_DUMP_INTR)");
      // (A stream already complete has no socket and nothing to read again.)
      const bool again = done && WantsSecondRead(distinct_.check(), socket_->datagrams(), distinct_.admitted());
      if (!repeats.empty() || again) Silence(datagrams, from, repeats, again);
      if (again) {
        // The second read's new sockets, each copied out whole at an aligned offset, as Pack walks them.
        ReadMissed(
            socket_.get(), request_, &distinct_,
            [datagrams](const nlmsghdr& reply) {
              const auto* bytes = reinterpret_cast<const uint8_t*>(&reply);
              datagrams->insert(datagrams->end(), bytes, bytes + reply.nlmsg_len);
              datagrams->resize(NLMSG_ALIGN(datagrams->size()), 0);
            },
            nullptr, cancel);
      }
    }
  } catch (...) {
    // A failed dump is over: its socket closes now, not when the garbage
    // collector gets to the stream (ENOENT for a protocol without a diag
    // module would otherwise hold an fd per table and call until then).
    socket_.reset();
    throw;
  }
  if (done) socket_.reset();
  return done;
}

PackedInet InetDumpStream::Pack(const uint8_t* datagrams, size_t length, uint32_t* address_base) {
  // Port and sequence were checked as the datagrams arrived (Receive).
  bool interrupted = false;
  WalkDumpMessages(datagrams, length, 0, 0, &interrupted, [this](const nlmsghdr& message) { packer_.Add(message); });
  *address_base = packer_.address_base();
  return packer_.TakeBatch();
}

PackedInetPair DumpInetBoth(const InetRequest& request) {
  ThrowIfCancelled(request.cancel, "recvmsg", "the dump was cancelled");
  const std::vector<uint8_t> message = BuildInetBothRequest(request);  // before the socket: a bad request opens nothing
  NetlinkSocket socket(NETLINK_SOCK_DIAG, request.netns);
  InetPairPacker packer;
  DistinctSockets distinct(InetCookie, InetTuple, request.check);
  DumpDistinct(
      &socket, message, &distinct, [&packer](const nlmsghdr& reply) { packer.Add(reply); }, [&packer] { packer.Clear(); },
      nullptr, request.cancel);
  return packer.Take();
}

PackedCompact DumpInetCompact(const InetRequest& request) {
  ThrowIfCancelled(request.cancel, "recvmsg", "the dump was cancelled");
  InetRequest compact = request;
  compact.with_info = false;
  const std::vector<uint8_t> message = BuildInetRequest(compact);
  NetlinkSocket socket(NETLINK_SOCK_DIAG, request.netns);
  CompactPacker packer;
  DistinctSockets distinct(InetCookie, InetTuple, request.check);
  DumpDistinct(
      &socket, message, &distinct, [&packer](const nlmsghdr& reply) { packer.Add(reply); }, [&packer] { packer.Clear(); },
      nullptr, request.cancel);
  return packer.Take();
}

PackedUnix DumpUnix(const UnixRequest& request, std::vector<uint8_t>* record) {
  ThrowIfCancelled(request.cancel, "recvmsg", "the dump was cancelled");
  NetlinkSocket socket(NETLINK_SOCK_DIAG, request.netns);
  UnixPacker packer;
  DistinctSockets distinct(UnixCookie, nullptr, request.check);
  DumpDistinct(
      &socket, BuildUnixRequest(), &distinct, [&packer](const nlmsghdr& reply) { packer.Add(reply); },
      [&packer] { packer.Clear(); }, record, request.cancel);
  return packer.Take();
}

PackedInet DecodeInet(const uint8_t* data, size_t length, DumpCheck check) {
  InetPacker packer;
  DistinctSockets distinct(InetCookie, InetTuple, check);
  DecodeRecording(data, length, &distinct, [&packer](const nlmsghdr& reply) { packer.Add(reply); });
  return packer.Take();
}

PackedUnix DecodeUnix(const uint8_t* data, size_t length, DumpCheck check) {
  UnixPacker packer;
  DistinctSockets distinct(UnixCookie, nullptr, check);
  DecodeRecording(data, length, &distinct, [&packer](const nlmsghdr& reply) { packer.Add(reply); });
  return packer.Take();
}

}  // namespace netstat
