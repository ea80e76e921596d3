// interface_ioctl.cc — see interface_ioctl.h.
#include "interface_ioctl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <unordered_set>

#include "errors.h"
#include "fd.h"
#include "layout.h"

namespace netstat {

namespace {

namespace f = interface_field;

// net-tools copies every name into ifr_name with safe_strncpy: at most
// IFNAMSIZ - 1 bytes, then a NUL. Only ifr_name is written: the union after
// it keeps what the previous ioctl left there (see FetchAddresses).
void SetName(ifreq* request, const std::string& name) {
  const size_t length = std::min(name.size(), sizeof request->ifr_name - 1);
  std::memset(request->ifr_name, 0, sizeof request->ifr_name);
  std::memcpy(request->ifr_name, name.data(), length);
}

// SIOCGIFCONF: one entry per IPv4 address, named by the address's label. Like
// net-tools, start with room for 30 and double while the answer fills the
// buffer (a full buffer and an exact fit look the same).
std::vector<std::string> ConfiguredNames(int fd) {
  size_t capacity = 30;
  for (;;) {
    if (capacity > static_cast<size_t>(INT_MAX) / sizeof(ifreq)) throw SystemError(EOVERFLOW, "ioctl", "SIOCGIFCONF");
    std::vector<ifreq> buffer(capacity);
    ifconf conf{};
    conf.ifc_len = static_cast<int>(capacity * sizeof(ifreq));
    conf.ifc_req = buffer.data();
    if (::ioctl(fd, SIOCGIFCONF, &conf) < 0) throw SystemError(errno, "ioctl", "SIOCGIFCONF");
    const size_t count = static_cast<size_t>(conf.ifc_len) / sizeof(ifreq);
    if (count == capacity) {
      capacity *= 2;
      continue;
    }
    std::vector<std::string> names;
    names.reserve(count);
    for (size_t i = 0; i < count; ++i) names.emplace_back(buffer[i].ifr_name, ::strnlen(buffer[i].ifr_name, sizeof buffer[i].ifr_name));
    return names;
  }
}

uint32_t Ipv4Of(const sockaddr& address) {
  sockaddr_in in;
  std::memcpy(&in, &address, sizeof in);
  return ntohl(in.sin_addr.s_addr);
}

// SIOCGIFADDR and, when it finds an address, its peer, broadcast and netmask.
// For these the kernel (devinet_ioctl) picks the address whose label is the
// name and, 4.4BSD style, whose local address is the one left in ifr_addr,
// else the first address with that label. So, as net-tools does, only the
// family is set: the rest of ifr_addr is what the link ioctls left there, and
// then each answer, so every call names the address SIOCGIFADDR found.
void FetchAddresses(int fd, const std::string& name, ifreq* request, uint32_t* row) {
  SetName(request, name);
  request->ifr_addr.sa_family = AF_INET;
  if (::ioctl(fd, SIOCGIFADDR, request) < 0) return;
  row[f::kHasAddress] = 1;
  row[f::kAddress] = Ipv4Of(request->ifr_addr);
  const struct {
    unsigned long command;
    size_t slot;
  } others[] = {{SIOCGIFDSTADDR, f::kDestination}, {SIOCGIFBRDADDR, f::kBroadcast}, {SIOCGIFNETMASK, f::kNetmask}};
  for (const auto& other : others) {
    SetName(request, name);
    // A failed call leaves the slot 0 (net-tools zeroes the address).
    if (::ioctl(fd, other.command, request) == 0) row[other.slot] = Ipv4Of(request->ifr_addr);
  }
}

// net-tools' if_fetch() for one name, in its order, into one row. One ifreq
// serves every call, as in net-tools, because the address calls depend on
// what the earlier ones left in it.
void Fetch(int fd, const std::string& name, uint32_t* row) {
  ifreq request;
  std::memset(&request, 0, sizeof request);
  SetName(&request, name);
  if (::ioctl(fd, SIOCGIFFLAGS, &request) < 0) {
    row[f::kError] = static_cast<uint32_t>(errno);
    return;
  }
  row[f::kFlags] = static_cast<uint16_t>(request.ifr_flags);

  SetName(&request, name);
  if (::ioctl(fd, SIOCGIFHWADDR, &request) == 0) {
    const auto* hw = reinterpret_cast<const uint8_t*>(request.ifr_hwaddr.sa_data);
    row[f::kHardwareLow] = hw[0] | hw[1] << 8 | hw[2] << 16 | static_cast<uint32_t>(hw[3]) << 24;
    row[f::kHardwareHigh] = hw[4] | hw[5] << 8 | hw[6] << 16 | static_cast<uint32_t>(hw[7]) << 24;
  }
  // Read whether or not the call succeeded, as net-tools reads it.
  row[f::kType] = request.ifr_hwaddr.sa_family;

  SetName(&request, name);
  if (::ioctl(fd, SIOCGIFMTU, &request) == 0) row[f::kMtu] = static_cast<uint32_t>(request.ifr_mtu);

  SetName(&request, name);
  if (::ioctl(fd, SIOCGIFMAP, &request) == 0) {
    const ifmap& map = request.ifr_map;
    row[f::kMemStartLow] = static_cast<uint32_t>(map.mem_start);
    row[f::kMemStartHigh] = static_cast<uint32_t>(static_cast<uint64_t>(map.mem_start) >> 32);
    row[f::kMemEndLow] = static_cast<uint32_t>(map.mem_end);
    row[f::kMemEndHigh] = static_cast<uint32_t>(static_cast<uint64_t>(map.mem_end) >> 32);
    row[f::kBaseAddr] = map.base_addr;
    row[f::kIrq] = map.irq;
    row[f::kDma] = map.dma;
    row[f::kPort] = map.port;
  }

  SetName(&request, name);
  if (::ioctl(fd, SIOCGIFTXQLEN, &request) == 0) {
    row[f::kHasTxQueueLen] = 1;
    row[f::kTxQueueLen] = static_cast<uint32_t>(request.ifr_qlen);
  }

  FetchAddresses(fd, name, &request, row);
}

}  // namespace

PackedInterfaces ReadInterfaces(const InterfaceRequest& request) {
  // SIOCGIFCONF answers only on an AF_INET socket; every other call works on it too.
  Fd socket(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!socket.valid()) throw SystemError(errno, "socket", "cannot open a socket");

  PackedInterfaces packed;
  packed.configured = ConfiguredNames(socket.get());
  std::unordered_set<std::string> seen;
  const auto add = [&](const std::vector<std::string>& names) {
    for (const std::string& name : names) {
      if (seen.insert(name).second) packed.names.push_back(name);
    }
  };
  add(request.names);
  add(packed.configured);
  packed.fields.assign(packed.names.size() * f::kStride, 0);
  for (size_t i = 0; i < packed.names.size(); ++i) Fetch(socket.get(), packed.names[i], &packed.fields[i * f::kStride]);
  return packed;
}

}  // namespace netstat
