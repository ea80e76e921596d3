// rtnetlink.h — raw RTM_GETLINK / RTM_GETADDR dumps over NETLINK_ROUTE
// (rtnetlink(7)), for `netstat -i`: the link flags, MTU, hardware address,
// tx queue length and device map, and every IPv4 address with its label,
// broadcast and peer — what net-tools reads with SIOCGIF* ioctls, which have
// no file under /proc or /sys. The bytes are decoded in TypeScript
// (src/backends/interfaces/rtnetlink.ts); this layer only fetches them, with the
// netlink checks of netlink.h.
//
// Error contract: throws SystemError as NetlinkSocket::Dump does.
#ifndef NETSTAT_NATIVE_RTNETLINK_H_
#define NETSTAT_NATIVE_RTNETLINK_H_

#include <cstdint>
#include <vector>

namespace netstat {

// The reply datagrams of one dump request of `type` (RTM_GETLINK or
// RTM_GETADDR) for `family` (AF_UNSPEC, AF_INET, …), concatenated.
std::vector<uint8_t> DumpRoute(uint16_t type, uint8_t family);

}  // namespace netstat

#endif  // NETSTAT_NATIVE_RTNETLINK_H_
