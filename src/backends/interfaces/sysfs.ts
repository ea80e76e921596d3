/**
 * `-i`'s interface facts for a run without the native engine, from what
 * Node can read (spec §4.1). net-tools asks the kernel with ioctls, which
 * Node cannot issue, so:
 *
 * - link facts come from `/sys/class/net/<dev>/` (`flags` is dev->flags, so
 *   RUNNING is derived from `operstate` as the kernel's dev_get_flags()
 *   does). sysfs shows the network namespace it was mounted in: in a
 *   namespace it must be mounted afresh, as container runtimes do. The
 *   device map (irq/base/memory/dma/port) has no sysfs file and reads as
 *   zeros (virtual devices, the only ones a namespace can make, have no other).
 * - IPv4 addresses and their labels (`lo:1`) have no /proc or sysfs file at
 *   all (`/proc/net/fib_trie` has neither labels nor devices). They come
 *   from Node's `os.networkInterfaces()` (getifaddrs, i.e. rtnetlink inside
 *   glibc), which gives labels, addresses and netmasks, but only for
 *   interfaces that are UP and RUNNING, and no broadcast or point-to-point
 *   peer address. Where rtnetlink is refused, getifaddrs fails and so does
 *   `-i`, with that refusal: leaving the addresses out would print a table
 *   that looks complete and is not. The engine's sources (rtnetlink.ts,
 *   ioctl.ts) give the exact facts.
 */
import { readFileSync } from 'node:fs';
import { constants, networkInterfaces } from 'node:os';
import * as path from 'node:path';
import { NetstatError, strerror } from '../../errors';
import type { InterfaceFactsSource, Ipv4Address, Ipv4AddressSource, LinkInfo, LinkSource } from './facts';

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
  for (const [label, entries] of Object.entries(getifaddrs())) {
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

/**
 * os.networkInterfaces(), its failure as a NetstatError naming the errno
 * (Node reports libuv's as "Unknown system error 1").
 */
function getifaddrs(): ReturnType<typeof networkInterfaces> {
  try {
    return networkInterfaces();
  } catch (err) {
    const errno = (err as { info?: { errno?: unknown } }).info?.errno;
    if (typeof errno !== 'number') throw err;
    const code = Object.entries(constants.errno).find(([, n]) => n === Math.abs(errno))?.[0] ?? 'EIO';
    throw new NetstatError(`cannot list IPv4 addresses (getifaddrs): ${strerror(code)}`, code, {
      errno: Math.abs(errno),
      syscall: 'getifaddrs',
      cause: err,
    });
  }
}
