// layout.h — the packed record layouts shared with src/native.ts.
//
// One Uint32Array per dump crosses into JavaScript (issue 3 item 5: one
// buffer per call, not one N-API call per field). The slot numbers here and
// the InetField/UnixField enums in src/native.ts must agree; kLayoutVersion
// is checked by the TypeScript loader so a stale binary is refused. It also
// versions the exports' argument lists (2: bytecode, cancel and pids
// arguments; 5: netns arguments, cgroup slots; 6: dumpInetBoth; 7: the
// streamed dump, openInetStream / readInetStream[Async] / closeInetStream;
// 8: readInterfaces; 9: the dumps' optional `check` argument), so a binary expecting other arguments, or lacking an
// export, is refused as well.
#ifndef NETSTAT_NATIVE_LAYOUT_H_
#define NETSTAT_NATIVE_LAYOUT_H_

#include <cstddef>

namespace netstat {

constexpr int kLayoutVersion = 9;

namespace inet_field {
constexpr size_t kState = 0;
constexpr size_t kRecvQueue = 1;
constexpr size_t kSendQueue = 2;
constexpr size_t kUid = 3;
constexpr size_t kInode = 4;
constexpr size_t kTimer = 5;
constexpr size_t kExpiresMs = 6;
constexpr size_t kDiagRetrans = 7;
constexpr size_t kHasInfo = 8;
constexpr size_t kInfoRetransmits = 9;
constexpr size_t kInfoProbes = 10;
constexpr size_t kLocalAddress = 11;
constexpr size_t kRemoteAddress = 12;
constexpr size_t kPorts = 13;
constexpr size_t kCookieLow = 14;
constexpr size_t kCookieHigh = 15;
constexpr size_t kCgroupLow = 16;  // INET_DIAG_CGROUP_ID, 0 when none
constexpr size_t kCgroupHigh = 17;
constexpr size_t kStride = 18;
}  // namespace inet_field

// Compact Internet rows (dumpInetCompact): what counting needs, no address text.
namespace compact_field {
constexpr size_t kState = 0;
constexpr size_t kLocalPort = 1;
constexpr size_t kUid = 2;
constexpr size_t kInode = 3;
constexpr size_t kRecvQueue = 4;
constexpr size_t kSendQueue = 5;
constexpr size_t kCgroupLow = 6;
constexpr size_t kCgroupHigh = 7;
constexpr size_t kStride = 8;
}  // namespace compact_field

namespace unix_field {
constexpr size_t kType = 0;
constexpr size_t kState = 1;
constexpr size_t kInode = 2;
constexpr size_t kPeerInode = 3;
constexpr size_t kRecvQueue = 4;
constexpr size_t kNameOffset = 5;
constexpr size_t kNameLength = 6;
constexpr size_t kCookieLow = 7;
constexpr size_t kCookieHigh = 8;
constexpr size_t kStride = 9;
}  // namespace unix_field

// Interface rows (readInterfaces, interface_ioctl.h): what net-tools keeps of
// its SIOCGIF* answers for one name. IPv4 addresses are numbers in host order
// (a.b.c.d is a << 24 | b << 16 | c << 8 | d).
namespace interface_field {
constexpr size_t kError = 0;  // errno of SIOCGIFFLAGS; 0 when the row holds the facts below
constexpr size_t kFlags = 1;  // ifr_flags, 16 bits
constexpr size_t kType = 2;   // ARPHRD_* (ifr_hwaddr.sa_family)
constexpr size_t kMtu = 3;    // 0 when SIOCGIFMTU failed
constexpr size_t kHardwareLow = 4;   // hardware address bytes 0-3, byte i in bits 8i..8i+7
constexpr size_t kHardwareHigh = 5;  // bytes 4-7 (net-tools keeps 8)
constexpr size_t kHasTxQueueLen = 6;
constexpr size_t kTxQueueLen = 7;
constexpr size_t kMemStartLow = 8;  // struct ifmap
constexpr size_t kMemStartHigh = 9;
constexpr size_t kMemEndLow = 10;
constexpr size_t kMemEndHigh = 11;
constexpr size_t kBaseAddr = 12;
constexpr size_t kIrq = 13;
constexpr size_t kDma = 14;
constexpr size_t kPort = 15;
constexpr size_t kHasAddress = 16;   // SIOCGIFADDR found an IPv4 address labelled with this name
constexpr size_t kAddress = 17;
constexpr size_t kDestination = 18;  // 0 when its ioctl failed, as the next two
constexpr size_t kBroadcast = 19;
constexpr size_t kNetmask = 20;
constexpr size_t kStride = 21;
}  // namespace interface_field

}  // namespace netstat

#endif  // NETSTAT_NATIVE_LAYOUT_H_
