// interface_ioctl.h — `netstat -i`'s interface facts from SIOCGIF* ioctls
// (netdevice(7)), asked exactly as net-tools 2.10 asks them in
// lib/interface.c: SIOCGIFCONF for the names that carry IPv4 addresses
// (if_readconf), then per name SIOCGIFFLAGS, SIOCGIFHWADDR, SIOCGIFMTU,
// SIOCGIFMAP, SIOCGIFTXQLEN and SIOCGIFADDR/DSTADDR/BRDADDR/NETMASK
// (if_fetch). rtnetlink.h gives the same facts in two dumps; this is the way
// in where netlink sockets are refused (a seccomp sandbox) but an AF_INET
// datagram socket is not, which is all net-tools needs.
//
// The kernel answers a name with an alias part (`lo:1`) about its device
// (`lo`) for the link ioctls and about the address labelled with the whole
// name for the address ioctls, so each name is asked about as given.
//
// Error contract: throws SystemError with syscall "socket" when the AF_INET
// socket cannot be made, "ioctl" (detail SIOCGIFCONF) when the name list
// cannot be read. A failed per-name ioctl is not an error: SIOCGIFFLAGS's
// errno is kept in the row (ENODEV: no such device), the other facts keep
// net-tools' defaults when their ioctl fails.
#ifndef NETSTAT_NATIVE_INTERFACE_IOCTL_H_
#define NETSTAT_NATIVE_INTERFACE_IOCTL_H_

#include <cstdint>
#include <string>
#include <vector>

namespace netstat {

struct InterfaceRequest {
  // The names to ask about (`/proc/net/dev`'s devices), in this order.
  std::vector<std::string> names;
};

struct PackedInterfaces {
  // Row i is about names[i]: the request's names, then SIOCGIFCONF's that
  // were not among them, each once.
  std::vector<std::string> names;
  // interface_field::kStride slots per row (layout.h).
  std::vector<uint32_t> fields;
  // SIOCGIFCONF's names in kernel order, one per IPv4 address (so a name
  // repeats for each of its secondary addresses).
  std::vector<std::string> configured;
};

PackedInterfaces ReadInterfaces(const InterfaceRequest& request);

}  // namespace netstat

#endif  // NETSTAT_NATIVE_INTERFACE_IOCTL_H_
