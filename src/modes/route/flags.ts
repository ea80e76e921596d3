/**
 * Route flags: the letters of net-tools' `Flags` column and the kernel's
 * names of the bits: `RTF_*` of linux/route.h and linux/ipv6_route.h, and
 * for the IPv4 routing cache `RTCF_*` of linux/in_route.h above bit 15.
 */

type FlagTable = ReadonlyArray<readonly [bit: number, name: string]>;

const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;
const RTF_REJECT = 0x200;

/** The bits of a route (IPv4 FIB and IPv6 table). */
const ROUTE_FLAGS: FlagTable = [
  [0x1, 'RTF_UP'], [0x2, 'RTF_GATEWAY'], [0x4, 'RTF_HOST'], [0x8, 'RTF_REINSTATE'], [0x10, 'RTF_DYNAMIC'], [0x20, 'RTF_MODIFIED'],
  [0x40, 'RTF_MTU'], [0x80, 'RTF_WINDOW'], [0x100, 'RTF_IRTT'], [0x200, 'RTF_REJECT'], [0x400, 'RTF_NOTCACHED'],
  [0x10000, 'RTF_DEFAULT'], [0x20000, 'RTF_ALLONLINK'], [0x40000, 'RTF_ADDRCONF'], [0x80000, 'RTF_PREFIX_RT'], [0x100000, 'RTF_ANYCAST'],
  [0x200000, 'RTF_NONEXTHOP'], [0x400000, 'RTF_EXPIRES'], [0x800000, 'RTF_ROUTEINFO'], [0x1000000, 'RTF_CACHE'], [0x2000000, 'RTF_FLOW'],
  [0x4000000, 'RTF_POLICY'], [0x40000000, 'RTF_PCPU'], [0x80000000, 'RTF_LOCAL'],
];

/** The bits of an IPv4 routing-cache entry. */
const CACHE_FLAGS: FlagTable = [
  [0x1, 'RTF_UP'], [0x2, 'RTF_GATEWAY'], [0x4, 'RTF_HOST'], [0x8, 'RTF_REINSTATE'], [0x10, 'RTF_DYNAMIC'], [0x20, 'RTF_MODIFIED'],
  [0x200, 'RTF_REJECT'], [0x10000, 'RTCF_NOTIFY'], [0x20000, 'RTCF_DIRECTDST'], [0x40000, 'RTCF_REDIRECTED'], [0x80000, 'RTCF_TPROXY'],
  [0x200000, 'RTCF_FAST'], [0x400000, 'RTCF_MASQ'], [0x800000, 'RTCF_SNAT'], [0x1000000, 'RTCF_DOREDIRECT'], [0x4000000, 'RTCF_DIRECTSRC'],
  [0x8000000, 'RTCF_DNAT'], [0x10000000, 'RTCF_BROADCAST'], [0x20000000, 'RTCF_MULTICAST'], [0x40000000, 'RTCF_REJECT'],
  [0x80000000, 'RTCF_LOCAL'],
];

function names(flags: number, table: FlagTable): string[] {
  return table.filter(([bit]) => (flags & bit) >>> 0 !== 0).map(([, name]) => name);
}

/** The kernel's names of the bits set in a route's flags. */
export function routeFlagNames(flags: number): string[] {
  return names(flags, ROUTE_FLAGS);
}

/** The kernel's names of the bits set in a routing-cache entry's flags. */
export function cacheFlagNames(flags: number): string[] {
  return names(flags, CACHE_FLAGS);
}

function letters(flags: number, table: ReadonlyArray<readonly [number, string]>): string {
  let text = '';
  for (const [bit, letter] of table) if ((flags & bit) >>> 0 !== 0) text += letter;
  return text;
}

/** Flag letters of a FIB route; a reject route's `U`/`G` become `!`. */
export function fibFlags(flags: number): string {
  let text = '';
  if (flags & RTF_UP) text += 'U';
  if (flags & RTF_GATEWAY) text += 'G';
  if (flags & RTF_REJECT) text = '!';
  return (
    text +
    letters(flags, [
      [0x4, 'H'], [0x8, 'R'], [0x10, 'D'], [0x20, 'M'], [0x10000, 'd'], [0x20000, 'a'], [0x40000, 'c'],
      [0x200000, 'o'], [0x400000, 'e'], [0x1000000, 'c'], [0x2000000, 'f'], [0x4000000, 'p'], [0x80000000, 'l'],
      [0x40, 'u'], [0x80, 'w'], [0x100, 'i'], [0x400, 'n'],
    ])
  );
}

/** Flag letters of a routing-cache entry (Linux 2.2+ layout). */
export function cacheFlags(flags: number): string {
  let text = '';
  if (flags & RTF_GATEWAY) text += 'G';
  if (flags & RTF_REJECT) text = '!';
  return (
    text +
    letters(flags, [
      [0x8, 'R'], [0x10, 'D'], [0x20, 'M'], [0x1, '-'], [0x4, 'o'], [0x10000, 'n'], [0x20000, 'd'], [0x80000, 't'],
      [0x200000, 'f'], [0x400000, 'q'], [0x800000, 'Ns'], [0x1000000, 'r'], [0x4000000, 'i'], [0x8000000, 'Nd'],
      [0x10000000, 'b'], [0x20000000, 'm'], [0x40000000, '#'], [0x80000000, 'l'],
    ])
  );
}

/** Flag letters of an IPv6 route (`!` is appended, unlike IPv4). */
export function inet6Flags(flags: number): string {
  return letters(flags, [
    [0x1, 'U'], [0x200, '!'], [0x2, 'G'], [0x4, 'H'], [0x10000, 'D'], [0x40000, 'A'], [0x1000000, 'C'],
    [0x20000, 'a'], [0x400000, 'e'], [0x20, 'm'], [0x200000, 'n'], [0x2000000, 'f'],
  ]);
}
