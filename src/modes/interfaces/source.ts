/**
 * What `-i` needs to know about each interface besides its counters, and
 * where a pure-TypeScript run can get it (spec §4.1).
 *
 * net-tools asks the kernel with ioctls (SIOCGIFFLAGS, SIOCGIFMTU,
 * SIOCGIFHWADDR, SIOCGIFTXQLEN, SIOCGIFMAP, SIOCGIFADDR/NETMASK/BRDADDR/
 * DSTADDR, and SIOCGIFCONF for the IPv4 address labels). Node cannot issue
 * ioctls, so:
 *
 * - link facts come from `/sys/class/net/<dev>/` (`flags` is dev->flags, so
 *   RUNNING is derived from `operstate` as the kernel's dev_get_flags()
 *   does). sysfs shows the network namespace it was mounted in: in a
 *   namespace it must be mounted afresh, as container runtimes do. The
 *   device map (irq/base/memory/dma/port) has no sysfs file and reads as
 *   zeros (virtual devices, the only ones a namespace can make, have no other).
 * - IPv4 addresses and their labels (`lo:1`) have no /proc or sysfs file at
 *   all (`/proc/net/fib_trie` has neither labels nor devices). The fallback
 *   uses Node's `os.networkInterfaces()` (getifaddrs, i.e. rtnetlink inside
 *   glibc), which gives labels, addresses and netmasks, but only for
 *   interfaces that are UP and RUNNING, and no broadcast or point-to-point
 *   peer address. Exact output for the rest needs the native addon's
 *   RTM_GETADDR dump, which plugs in as another `Ipv4AddressSource`.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import * as path from 'node:path';

/** The device map SIOCGIFMAP reports. */
export interface DeviceMap {
  memStart: bigint;
  memEnd: bigint;
  baseAddr: number;
  irq: number;
  dma: number;
  /** dev->if_port: the medium (`media` line of `-ie` with IFF_PORTSEL). */
  port: number;
}

export interface LinkInfo {
  /** The 16-bit interface flags as SIOCGIFFLAGS reports them (IFF_UP = 0x1 …). */
  flags: number;
  mtu: number;
  /** ARPHRD_* hardware type. */
  type: number;
  /** The first 8 bytes of the hardware address, zero-padded (what net-tools keeps). */
  hwAddress: number[];
  /** null when unknown (net-tools then omits `txqueuelen`). */
  txQueueLen: number | null;
  map: DeviceMap;
}

/** One IPv4 address as the SIOCGIF*ADDR ioctls would give it for its label. */
export interface Ipv4Address {
  /** The address label: the device name, or an alias such as `lo:1`. */
  label: string;
  address: string;
  netmask: string;
  /** null when the source cannot know it (then not printed). */
  broadcast: string | null;
  /** Point-to-point peer; null when the source cannot know it. */
  destination: string | null;
}

/** Link facts for a device name (no alias part), or null if there is no such device. */
export type LinkSource = (device: string) => LinkInfo | null;

/** Every IPv4 address, in the kernel's order (per device: primary first). */
export type Ipv4AddressSource = () => Ipv4Address[];

/** What one `-i` pass knows: link facts by device name, and the IPv4 addresses with their labels. */
export interface InterfaceFacts {
  link: LinkSource;
  ipv4: Ipv4Address[];
}

/** Gathers the facts afresh; called once per pass. */
export type InterfaceFactsSource = () => InterfaceFacts;

const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;

/** Link facts from sysfs below `sysRoot` (`/sys` normally). */
export function sysfsLinks(sysRoot = '/sys'): LinkSource {
  return (device: string): LinkInfo | null => {
    const dir = path.join(sysRoot, 'class/net', device);
    const read = (name: string): string | null => {
      try {
        return readFileSync(path.join(dir, name), 'latin1').trim();
      } catch {
        return null;
      }
    };
    const flagsText = read('flags');
    if (flagsText === null || device === '' || device.includes('/')) return null;
    let flags = Number.parseInt(flagsText, 16) & 0xffff & ~IFF_RUNNING;
    const operstate = read('operstate');
    // dev_get_flags(): RUNNING when the device is up and its operstate is up or unknown.
    if ((flags & IFF_UP) !== 0 && (operstate === 'up' || operstate === 'unknown')) flags |= IFF_RUNNING;
    const hw = (read('address') ?? '')
      .split(':')
      .filter((b) => b !== '')
      .map((b) => Number.parseInt(b, 16) & 0xff)
      .slice(0, 8);
    while (hw.length < 8) hw.push(0);
    const txQueueLen = read('tx_queue_len');
    return {
      flags,
      mtu: Number(read('mtu') ?? 0),
      type: Number(read('type') ?? 0),
      hwAddress: hw,
      txQueueLen: txQueueLen === null ? null : Number(txQueueLen),
      map: { memStart: 0n, memEnd: 0n, baseAddr: 0, irq: 0, dma: 0, port: 0 },
    };
  };
}

/** IPv4 labels and addresses from getifaddrs (UP and RUNNING interfaces only; see above). */
export const osIpv4Addresses: Ipv4AddressSource = () => {
  const addresses: Ipv4Address[] = [];
  for (const [label, entries] of Object.entries(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family !== 'IPv4') continue;
      addresses.push({ label, address: entry.address, netmask: entry.netmask, broadcast: null, destination: null });
    }
  }
  return addresses;
};

/** The pure-TypeScript facts: sysfs links, getifaddrs addresses (with the limits above). */
export function sysfsFacts(sysRoot = '/sys'): InterfaceFactsSource {
  const link = sysfsLinks(sysRoot);
  return () => ({ link, ipv4: osIpv4Addresses() });
}
