// layout.h — the packed record layouts shared with src/native.ts.
//
// One Uint32Array per dump crosses into JavaScript (issue 3 item 5: one
// buffer per call, not one N-API call per field). The slot numbers here and
// the InetField/UnixField enums in src/native.ts must agree; kLayoutVersion
// is checked by the TypeScript loader so a stale binary is refused. It also
// versions the exports' argument lists (2: bytecode, cancel and pids
// arguments; 5: netns arguments, cgroup slots; 6: dumpInetBoth; 7: the
// streamed dump, openInetStream / readInetStream[Async] / closeInetStream), so a binary
// expecting other arguments, or lacking an export, is refused as well.
#ifndef NETSTAT_NATIVE_LAYOUT_H_
#define NETSTAT_NATIVE_LAYOUT_H_

#include <cstddef>

namespace netstat {

constexpr int kLayoutVersion = 7;

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

}  // namespace netstat

#endif  // NETSTAT_NATIVE_LAYOUT_H_
