/**
 * `netstat -r` for IPv4: the FIB from `/proc/net/route` and the routing
 * cache from `/proc/net/rt_cache` (spec §3.1, §3.2), printed as net-tools
 * 2.10 prints them.
 */
import { strerror } from '../errors';
import type { ModeContext } from './context';
import { decimal, hex, left, lines, readProcNet, right, RowState, word, type Conversion } from './route-read';

const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;
const RTF_HOST = 0x4;
const RTF_REJECT = 0x200;

/** The extend level and numeric choice the table printers receive. */
export interface RouteStyle {
  /** 0–3, already permuted from the `-e` count (see `routeExtendLevel`). */
  extend: number;
  /** `-n`, `--numeric-hosts` or `-N`. */
  numeric: boolean;
}

/** `Kernel IP routing table` and its rows; the returned status stops the AF list when non-zero. */
export async function printInetFib(ctx: ModeContext, style: RouteStyle): Promise<number> {
  const file = readProcNet(ctx.procRoot, 'route');
  if ('errorCode' in file) return notConfigured(ctx, 'route', file.errorCode);
  const { extend } = style;
  let head = 'Kernel IP routing table\n';
  if (extend === 1) head += 'Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n';
  if (extend === 2) head += 'Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface\n';
  if (extend >= 3) head += 'Destination     Gateway         Genmask         Flags Metric Ref    Use Iface    MSS   Window irtt\n';
  ctx.out.out(head);

  const all = lines(file.text);
  // net-tools maps columns from the first line; without one it has nothing to go on.
  if (all.length === 0) return 1;

  // Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
  const conversions: Conversion[] = [
    word(15), word(127), word(127), hex(), decimal, decimal, decimal, word(127), decimal, decimal, decimal,
  ];
  const state = new RowState(['', '', '', 0, 0, 0, 0, '', 0, 0, 0]);
  // The parsed addresses also outlive a line: a malformed one leaves the previous value.
  const last = { destination: [0, 0, 0, 0], gateway: [0, 0, 0, 0], mask: [0, 0, 0, 0] };
  const routes: FibRoute[] = [];
  for (const line of all.slice(1)) {
    const converted = state.scanInto(line, conversions);
    const v = state.values;
    if (converted < 10 || ((v[3] as number) & RTF_UP) === 0) continue;
    last.destination = inetFromHex(v[1] as string) ?? last.destination;
    last.gateway = inetFromHex(v[2] as string) ?? last.gateway;
    last.mask = inetFromHex(v[7] as string) ?? last.mask;
    routes.push({
      iface: v[0] as string, flags: v[3] as number, refCnt: v[4] as number, use: v[5] as number, metric: v[6] as number,
      mtu: v[8] as number, window: v[9] as number, irtt: v[10] as number, ...last,
    });
  }
  const texts = await Promise.all(routes.map((route) => formatFibRow(ctx, style, route)));
  ctx.out.out(texts.join(''));
  return 0;
}

interface FibRoute {
  iface: string;
  destination: number[];
  gateway: number[];
  mask: number[];
  flags: number;
  refCnt: number;
  use: number;
  metric: number;
  mtu: number;
  window: number;
  irtt: number;
}

async function formatFibRow(ctx: ModeContext, style: RouteStyle, route: FibRoute): Promise<string> {
  const { iface, destination, gateway, mask, flags, refCnt, use, metric, mtu, window, irtt } = route;
  const destinationText = (await routeDestinationName(ctx, style.numeric, destination, mask, (flags & RTF_HOST) !== 0)).slice(0, 15);
  const gatewayText = (await routeHostName(ctx, style.numeric, gateway)).slice(0, 15);
  const maskText = dotted(mask).slice(0, 15);
  const flagText = fibFlags(flags);
  const reject = (flags & RTF_REJECT) !== 0;
  const D = left(destinationText, 15);
  const M = left(maskText, 15);
  const F = left(flagText, 5);

  switch (style.extend) {
    case 1:
      return reject
        ? `${D} -               ${M} ${F} ${left(String(metric), 6)} -  ${right(use, 7)} -\n`
        : `${D} ${left(gatewayText, 15)} ${M} ${F} ${left(String(metric), 6)} ${left(String(refCnt), 2)} ${right(use, 7)} ${iface}\n`;
    case 2:
      return reject
        ? `${D} -               ${M} ${F}     - -          - -\n`
        : `${D} ${left(gatewayText, 15)} ${M} ${F} ${right(mtu, 5)} ${left(String(window), 5)} ${right(irtt, 6)} ${iface}\n`;
    case 3:
      return reject
        ? `${D} -               ${M} ${F} ${left(String(metric), 6)} -  ${right(use, 7)} -        -     -      -\n`
        : `${D} ${left(gatewayText, 15)} ${M} ${F} ${left(String(metric), 6)} ${left(String(refCnt), 3)} ${right(use, 6)} ${left(iface.slice(0, 6), 6)}   ${left(String(mtu), 5)} ${left(String(window), 6)} ${irtt}\n`;
    default:
      return '';
  }
}

/** Flag letters of a FIB route; a reject route's `U`/`G` become `!`. */
export function fibFlags(flags: number): string {
  let text = '';
  if (flags & RTF_UP) text += 'U';
  if (flags & RTF_GATEWAY) text += 'G';
  if (flags & RTF_REJECT) text = '!';
  const letters: Array<[number, string]> = [
    [RTF_HOST, 'H'], [0x8, 'R'], [0x10, 'D'], [0x20, 'M'], [0x10000, 'd'], [0x20000, 'a'], [0x40000, 'c'],
    [0x200000, 'o'], [0x400000, 'e'], [0x1000000, 'c'], [0x2000000, 'f'], [0x4000000, 'p'], [0x80000000, 'l'],
    [0x40, 'u'], [0x80, 'w'], [0x100, 'i'], [0x400, 'n'],
  ];
  for (const [bit, letter] of letters) if ((flags & bit) >>> 0 !== 0) text += letter;
  return text;
}

/** `Kernel IP routing cache`: the header for the file's layout and any rows (none since Linux 3.6). */
export async function printInetCache(ctx: ModeContext, style: RouteStyle): Promise<number> {
  const file = readProcNet(ctx.procRoot, 'rt_cache');
  if ('errorCode' in file) return notConfigured(ctx, 'rt_cache', file.errorCode);
  const all = lines(file.text);
  const layout = cacheLayout(all[0]);
  let head = 'Kernel IP routing cache\n';
  if (layout === null) head += `ERROR: proc_guess_fmt(/proc/net/rt_cache,... returned: ${cacheLayoutBits(all[0])}\n`;
  const { extend } = style;
  if (extend === 1) head += 'Source          Destination     Gateway         Flags Metric Ref    Use Iface\n';
  if (extend === 2) head += 'Source          Destination     Gateway         Flags   MSS Window  irtt Iface\n';
  if (layout === '2.0' && extend >= 3)
    head += 'Source          Destination     Gateway         Flags Metric Ref    Use Iface    MSS   Window irtt  HH  Arp\n';
  if (layout === '2.2' && extend >= 3)
    head += 'Source          Destination     Gateway         Flags Metric Ref    Use Iface    MSS   Window irtt  TOS HHRef HHUptod     SpecDst\n';
  ctx.out.out(head);
  if (layout !== '2.2') return 0;

  // Iface Destination Gateway Flags RefCnt Use Metric Source MTU Window IRTT TOS HHRef HHUptod SpecDst
  const conversions: Conversion[] = [
    word(15), word(127), word(127), hex(), decimal, decimal, decimal, word(127), decimal, decimal, decimal,
    decimal, decimal, decimal, word(127),
  ];
  const state = new RowState(['', '', '', 0, 0, 0, 0, '', 0, 0, 0, 0, 0, 0, '']);
  // net-tools parses all four addresses through one sockaddr: a malformed one repeats the one before.
  let address = [0, 0, 0, 0];
  const parse = (text: string): number[] => (address = inetFromHex(text) ?? address);
  const entries: CacheEntry[] = [];
  for (const line of all.slice(1)) {
    const v = state.values;
    if (state.scanInto(line, conversions) < 12) continue;
    const destination = parse(v[1] as string);
    const gateway = parse(v[2] as string);
    const source = parse(v[7] as string);
    const specDst = parse(v[14] as string);
    entries.push({
      iface: v[0] as string, destination, gateway, source, specDst, flags: v[3] as number, refCnt: v[4] as number,
      use: v[5] as number, metric: v[6] as number, mtu: v[8] as number, window: v[9] as number, irtt: v[10] as number,
      tos: v[11] as number, hhRef: v[12] as number, hhUptodate: v[13] as number,
    });
  }
  const texts = await Promise.all(entries.map((entry) => formatCacheRow(ctx, style, entry)));
  ctx.out.out(texts.join(''));
  return 0;
}

interface CacheEntry {
  iface: string;
  destination: number[];
  gateway: number[];
  source: number[];
  specDst: number[];
  flags: number;
  refCnt: number;
  use: number;
  metric: number;
  mtu: number;
  window: number;
  irtt: number;
  tos: number;
  hhRef: number;
  hhUptodate: number;
}

async function formatCacheRow(ctx: ModeContext, style: RouteStyle, entry: CacheEntry): Promise<string> {
  const { iface, flags, refCnt, use, metric, mtu, window, irtt, tos, hhRef, hhUptodate } = entry;
  const [source, destination, gateway, specDst] = await Promise.all(
    [entry.source, entry.destination, entry.gateway, entry.specDst].map((a) => cacheAddressName(ctx, style.numeric, a)),
  );
  const flagText = left(cacheFlags(flags), 5);
  const S = left(source!, 15);
  const D = left(destination!, 15);
  const G = left(gateway!, 15);
  switch (style.extend) {
    case 1:
      return `${S} ${D} ${G} ${flagText} ${left(String(metric), 6)} ${left(String(refCnt), 2)} ${right(use, 7)} ${iface}\n`;
    case 2:
      return `${S} ${D} ${G} ${flagText} ${right(mtu, 5)} ${left(String(window), 5)} ${right(irtt, 6)} ${iface}\n`;
    case 3:
      return (
        `${S} ${D} ${G} ${flagText} ${left(String(metric), 6)} ${left(String(refCnt), 3)} ${right(use, 6)} ` +
        `${left(iface.slice(0, 6), 6)}   ${left(String(mtu), 5)} ${left(String(window), 6)} ${left(String(irtt), 5)} ` +
        `${left(String(tos), 3)} ${left(String(hhRef), 3)}   ${left(String(hhUptodate), 3)} ${right(specDst!, 15)}\n`
      );
    default:
      return '';
  }
}

/** Flag letters of a routing-cache entry (Linux 2.2+ layout). */
export function cacheFlags(flags: number): string {
  let text = '';
  if (flags & RTF_GATEWAY) text += 'G';
  if (flags & RTF_REJECT) text = '!';
  const letters: Array<[number, string]> = [
    [0x8, 'R'], [0x10, 'D'], [0x20, 'M'], [0x1, '-'], [0x4, 'o'], [0x10000, 'n'], [0x20000, 'd'], [0x80000, 't'],
    [0x200000, 'f'], [0x400000, 'q'], [0x800000, 'Ns'], [0x1000000, 'r'], [0x4000000, 'i'], [0x8000000, 'Nd'],
    [0x10000000, 'b'], [0x20000000, 'm'], [0x40000000, '#'], [0x80000000, 'l'],
  ];
  for (const [bit, letter] of letters) if ((flags & bit) >>> 0 !== 0) text += letter;
  return text;
}

/** Which rt_cache layout the header names (net-tools' proc_guess_fmt), or null if neither. */
function cacheLayout(header: string | undefined): '2.0' | '2.2' | null {
  const bits = cacheLayoutBits(header);
  if (bits === 63) return '2.2';
  if (bits === 97) return '2.0';
  return null;
}

function cacheLayoutBits(header: string | undefined): number {
  if (header === undefined) return -1;
  const names = header.split(/[ \t]+/);
  const known: Array<[string, number]> = [['IRTT', 1], ['TOS', 2], ['HHRef', 4], ['HHUptod', 8], ['SpecDst', 16], ['HH', 32], ['ARP', 64]];
  let bits = 0;
  for (const [name, bit] of known) if (names.some((n) => n.includes(name))) bits |= bit;
  return bits;
}

/** perror(path) on stderr, then net-tools' "not configured" line on stdout; status 1. */
function notConfigured(ctx: ModeContext, file: string, code: string): number {
  ctx.out.err(`/proc/net/${file}: ${strerror(code)}\n`);
  ctx.out.out('INET (IPv4) not configured in this system.\n');
  return 1;
}

/**
 * The address of a kernel hex field (a little-endian u32 printed `%08X`) as
 * four bytes in network order; null unless it starts with 8 hex digits
 * (net-tools' INET_getsock then leaves its sockaddr as it was).
 */
export function inetFromHex(text: string): number[] | null {
  if (!/^[0-9a-fA-F]{8}/.test(text)) return null;
  const bytes: number[] = [];
  for (let i = 6; i >= 0; i -= 2) bytes.push(Number.parseInt(text.slice(i, i + 2), 16));
  return bytes;
}

export function dotted(bytes: readonly number[]): string {
  return bytes.join('.');
}

function toNumber(bytes: readonly number[]): number {
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

/**
 * A route destination as net-tools names it: `default` for 0.0.0.0/0; a host
 * name when the route is a host route or has bits outside its mask; else a
 * network name from `/etc/networks`; dotted when numeric or nameless.
 */
async function routeDestinationName(
  ctx: ModeContext,
  numeric: boolean,
  address: number[],
  mask: number[],
  hostRoute: boolean,
): Promise<string> {
  const value = toNumber(address);
  if (numeric) return dotted(address);
  if (value === 0) return toNumber(mask) === 0 ? 'default' : dotted(address);
  const host = hostRoute || (value & ~toNumber(mask)) >>> 0 !== 0;
  if (host) return (await ctx.resolvers.hosts.name(dotted(address))) ?? dotted(address);
  return ctx.resolvers.networks.name(value) ?? dotted(address);
}

/**
 * A routing-cache address: net-tools tests it against a host-order /24 mask
 * applied to a network-order address, so in effect an address whose *first*
 * octet is 0 is looked up as a network, any other as a host.
 */
async function cacheAddressName(ctx: ModeContext, numeric: boolean, address: number[]): Promise<string> {
  const value = toNumber(address);
  if (numeric || value === 0) return dotted(address);
  if (value >>> 24 === 0) return ctx.resolvers.networks.name(value) ?? dotted(address);
  return (await ctx.resolvers.hosts.name(dotted(address))) ?? dotted(address);
}

/** A gateway as net-tools names it: dotted 0.0.0.0, else a host name. */
async function routeHostName(ctx: ModeContext, numeric: boolean, address: number[]): Promise<string> {
  if (numeric || toNumber(address) === 0) return dotted(address);
  return (await ctx.resolvers.hosts.name(dotted(address))) ?? dotted(address);
}
