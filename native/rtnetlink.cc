// rtnetlink.cc — see rtnetlink.h.
#include "rtnetlink.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstring>

#include "netlink.h"

namespace netstat {

std::vector<uint8_t> DumpRoute(uint16_t type, uint8_t family) {
  // A dump request carries a struct ifinfomsg (links) or ifaddrmsg
  // (addresses); both start with the family byte, and the larger ifinfomsg
  // body is accepted for either.
  std::vector<uint8_t> request(NLMSG_SPACE(sizeof(ifinfomsg)), 0);
  auto* header = reinterpret_cast<nlmsghdr*>(request.data());
  header->nlmsg_len = static_cast<uint32_t>(NLMSG_LENGTH(sizeof(ifinfomsg)));
  header->nlmsg_type = type;
  header->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  ifinfomsg body{};
  body.ifi_family = family;
  std::memcpy(NLMSG_DATA(header), &body, sizeof body);

  NetlinkSocket socket(NETLINK_ROUTE);
  std::vector<uint8_t> record;
  socket.Dump(std::move(request), [](const nlmsghdr&) {}, [] {}, &record);
  return record;
}

}  // namespace netstat
