/**
 * Interface facts from rtnetlink dumps (RTM_GETLINK, RTM_GETADDR), decoded
 * here from the raw reply bytes so the native side only has to send the
 * request and hand back what the kernel answered. These carry exactly what
 * net-tools' ioctls return — IPv4 labels, broadcast and peer addresses of
 * every interface, up or down, dev_get_flags() flags and the device map —
 * which sysfs and getifaddrs cannot give (see sysfs.ts).
 *
 * Layouts: linux/netlink.h (nlmsghdr), linux/rtnetlink.h (rtattr,
 * ifinfomsg, ifaddrmsg), linux/if_link.h (IFLA_*, rtnl_link_ifmap),
 * linux/if_addr.h (IFA_*). All fields are host byte order (little endian
 * on the machines we run on), addresses network order.
 */
import { NetstatError } from '../../errors';
import type { DeviceMap, InterfaceFactsSource, Ipv4Address, LinkInfo } from './facts';

export const RTM_NEWLINK = 16;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_GETADDR = 22;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const AF_INET = 2;

const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;
const IFLA_TXQLEN = 13;
const IFLA_MAP = 14;

const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_LABEL = 3;
const IFA_BROADCAST = 4;

/** Sends an rtnetlink dump request (`type`, address `family`) and returns every reply byte. */
export type RouteDumper = (type: number, family: number) => Buffer;

interface Message {
  type: number;
  body: Buffer;
}

/** The messages of a dump, up to NLMSG_DONE; an NLMSG_ERROR or a bad length throws. */
export function netlinkMessages(bytes: Buffer): Message[] {
  const messages: Message[] = [];
  let at = 0;
  while (at + 16 <= bytes.length) {
    const length = bytes.readUInt32LE(at);
    const type = bytes.readUInt16LE(at + 4);
    if (length < 16 || at + length > bytes.length) throw new NetstatError('malformed rtnetlink message', 'EBADMSG');
    const body = bytes.subarray(at + 16, at + length);
    if (type === NLMSG_DONE) break;
    if (type === NLMSG_ERROR) {
      const errno = body.length >= 4 ? -body.readInt32LE(0) : 0;
      // Kernel errors are 1…4095 (MAX_ERRNO), as the engine's netlink walk requires; anything else is no errno.
      if (errno < 0 || errno > 4095) throw new NetstatError('malformed rtnetlink error status', 'EBADMSG');
      if (errno !== 0) throw new NetstatError(`rtnetlink dump failed (errno ${errno})`, 'ERR_RTNETLINK', { errno, syscall: 'recvmsg' });
    } else messages.push({ type, body });
    at += (length + 3) & ~3;
  }
  return messages;
}

/** The route attributes after a fixed header of `offset` bytes, by type (the first of each type wins). */
function attributes(body: Buffer, offset: number): Map<number, Buffer> {
  const found = new Map<number, Buffer>();
  let at = offset;
  while (at + 4 <= body.length) {
    const length = body.readUInt16LE(at);
    const type = body.readUInt16LE(at + 2) & 0x3fff;
    if (length < 4 || at + length > body.length) break;
    if (!found.has(type)) found.set(type, body.subarray(at + 4, at + length));
    at += (length + 3) & ~3;
  }
  return found;
}

/** A NUL-terminated attribute string. */
function text(value: Buffer | undefined): string | null {
  if (value === undefined) return null;
  const end = value.indexOf(0);
  return value.subarray(0, end < 0 ? value.length : end).toString('latin1');
}

/** Every link of an RTM_GETLINK dump, by name, as the SIOCGIF* ioctls would report it. */
export function decodeLinks(bytes: Buffer): Map<string, LinkInfo> {
  const links = new Map<string, LinkInfo>();
  for (const { type, body } of netlinkMessages(bytes)) {
    if (type !== RTM_NEWLINK || body.length < 16) continue;
    const attrs = attributes(body, 16);
    const name = text(attrs.get(IFLA_IFNAME));
    if (name === null) continue;
    const hw = [...(attrs.get(IFLA_ADDRESS) ?? [])].slice(0, 8);
    while (hw.length < 8) hw.push(0);
    const mtu = attrs.get(IFLA_MTU);
    const txQueueLen = attrs.get(IFLA_TXQLEN);
    links.set(name, {
      // ifr_flags is a short: the kernel's dev_get_flags() cut to 16 bits.
      flags: body.readUInt32LE(8) & 0xffff,
      mtu: mtu !== undefined && mtu.length >= 4 ? mtu.readUInt32LE(0) : 0,
      type: body.readUInt16LE(2),
      hwAddress: hw,
      txQueueLen: txQueueLen !== undefined && txQueueLen.length >= 4 ? txQueueLen.readUInt32LE(0) : null,
      map: deviceMap(attrs.get(IFLA_MAP)),
    });
  }
  return links;
}

/**
 * struct rtnl_link_ifmap { u64 mem_start, mem_end, base_addr; u16 irq; u8 dma, port; },
 * narrowed to SIOCGIFMAP's struct ifmap (base_addr a short, irq a char).
 */
function deviceMap(map: Buffer | undefined): DeviceMap {
  if (map === undefined || map.length < 28) return { memStart: 0n, memEnd: 0n, baseAddr: 0, irq: 0, dma: 0, port: 0 };
  return {
    memStart: map.readBigUInt64LE(0),
    memEnd: map.readBigUInt64LE(8),
    baseAddr: Number(map.readBigUInt64LE(16) & 0xffffn),
    irq: map.readUInt16LE(24) & 0xff,
    dma: map.readUInt8(26),
    port: map.readUInt8(27),
  };
}

/** Every IPv4 address of an RTM_GETADDR dump, in kernel order, as SIOCGIF*ADDR would give them for its label. */
export function decodeIpv4Addresses(bytes: Buffer): Ipv4Address[] {
  const addresses: Ipv4Address[] = [];
  for (const { type, body } of netlinkMessages(bytes)) {
    if (type !== RTM_NEWADDR || body.length < 8 || body.readUInt8(0) !== AF_INET) continue;
    const prefixLength = body.readUInt8(1);
    const attrs = attributes(body, 8);
    const label = text(attrs.get(IFA_LABEL));
    const local = attrs.get(IFA_LOCAL) ?? attrs.get(IFA_ADDRESS);
    if (label === null || local === undefined || local.length < 4) continue;
    const peer = attrs.get(IFA_ADDRESS) ?? local;
    const broadcast = attrs.get(IFA_BROADCAST);
    addresses.push({
      label,
      address: dotted(local),
      netmask: maskText(prefixLength),
      // SIOCGIFBRDADDR reports 0.0.0.0 when no broadcast address was set.
      broadcast: broadcast !== undefined && broadcast.length >= 4 ? dotted(broadcast) : '0.0.0.0',
      // SIOCGIFDSTADDR reports ifa_address: the peer on point-to-point links.
      destination: peer.length >= 4 ? dotted(peer) : '0.0.0.0',
    });
  }
  return addresses;
}

function dotted(bytes: Buffer): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

function maskText(prefixLength: number): string {
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - Math.min(prefixLength, 32))) >>> 0;
  return [24, 16, 8, 0].map((shift) => (mask >>> shift) & 0xff).join('.');
}

/** `-i` facts from one RTM_GETLINK and one RTM_GETADDR dump (one of each per pass). */
export function rtnetlinkFacts(dump: RouteDumper): InterfaceFactsSource {
  return () => {
    const links = decodeLinks(dump(RTM_GETLINK, 0));
    const ipv4 = decodeIpv4Addresses(dump(RTM_GETADDR, AF_INET));
    return { link: (device) => links.get(device) ?? null, ipv4 };
  };
}
