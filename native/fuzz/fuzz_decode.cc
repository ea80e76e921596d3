// fuzz_decode.cc — libFuzzer harness for the engine's byte decoders: the
// netlink message walk (netlink.cc), the inet_diag / unix_diag packers
// (sock_diag.cc), the destroy notification parse (destroy_monitor.cc) and
// net-tools' program name rule (proc_fds.cc). No N-API and no socket: each
// input is handed to every decoder as if it were a received datagram or a
// recording, so lengths that lie, attributes past the end, zero-length
// messages, unknown types and truncated batches all reach the same code a
// live dump runs. Built and run by scripts/fuzz.sh (`npm run fuzz`).
//
// Beyond "no crash" (ASan/UBSan watch every access), the harness checks the
// decoders' contracts and traps when one is broken: malformed input may only
// raise SystemError; packed tables have whole rows; every index a row holds
// points inside its table.
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

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

// A recording: DecodeInet / DecodeUnix, as decodeInet()/decodeUnix() run them.
void DecodeRecordings(const uint8_t* data, size_t size) {
  try {
    CheckInet(netstat::DecodeInet(data, size));
  } catch (const SystemError&) {
  }
  try {
    CheckUnix(netstat::DecodeUnix(data, size));
  } catch (const SystemError&) {
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
  bool interrupted = false;
  netstat::InetPacker inet;
  try {
    netstat::WalkDumpMessages(data, size, port, seq, &interrupted, [&inet](const nlmsghdr& m) { inet.Add(m); });
  } catch (const SystemError&) {
  }
  CheckInet(inet.Take());

  netstat::CompactPacker compact;
  try {
    netstat::WalkDumpMessages(data, size, port, seq, &interrupted, [&compact](const nlmsghdr& m) { compact.Add(m); });
  } catch (const SystemError&) {
  }
  Require(compact.Take().fields.size() % netstat::compact_field::kStride == 0);

  netstat::UnixPacker unix_packer;
  try {
    netstat::WalkDumpMessages(data, size, port, seq, &interrupted, [&unix_packer](const nlmsghdr& m) { unix_packer.Add(m); });
  } catch (const SystemError&) {
  }
  CheckUnix(unix_packer.Take());
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  DecodeRecordings(data, size);
  DecodeDatagram(data, size);
  DecodeNotifications(data, size);
  DecodeCmdline(data, size);
  // The same bytes one byte off alignment: WalkDumpMessages then hands the
  // sinks an aligned copy of each message (a recording need not be aligned).
  std::vector<uint8_t> shifted(size + 1);
  if (size > 0) std::memcpy(shifted.data() + 1, data, size);
  DecodeRecordings(shifted.data() + 1, size);
  return 0;
}
