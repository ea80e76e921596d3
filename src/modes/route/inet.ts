/**
 * `netstat -r` for IPv4: the FIB from `/proc/net/route` and the routing
 * cache from `/proc/net/rt_cache` (spec §3.1, §3.2), read and named as
 * net-tools 2.10 reads and names them.
 */
import { perrorText } from '../../errors';
import { formatIPv4 } from '../../inet-text';
import { readProcText } from '../../procfs/read';
import type { ModeContext } from '../context';
import type { Collected, InetCacheEntry, InetRoute } from './data';
import { cacheFlagNames, routeFlagNames } from './flags';
import { decimal, hex, RowState, word, type Conversion } from './read';
import { textLines } from '../../procfs/lines';

const RTF_UP = 0x1;
const RTF_HOST = 0x4;

/** The extend level and numeric choice the tables are collected for. */
export interface RouteStyle {
  /** 0–3, already permuted from the `-e` count (see `routeExtendLevel`). */
  extend: number;
  /** `-n`, `--numeric-hosts` or `-N`. */
  numeric: boolean;
}

/** Whether a level shows Metric/Ref/Use, and MSS/Window/irtt. */
const showsMetrics = (extend: number): boolean => extend === 1 || extend === 3;
const showsWindows = (extend: number): boolean => extend >= 2;

/** `Kernel IP routing table`: its routes; status 1 for an empty file (net-tools has no header line to go on). */
export async function collectInetFib(ctx: ModeContext, style: RouteStyle): Promise<Collected> {
  const file = readProcText('net/route', ctx.procRoot);
  if (!file.ok) return notConfigured(ctx, 'route', file.code);
  const all = textLines(file.text);
  if (all.length === 0) return { table: { kind: 'inet', routes: [] }, status: 1 };

  // Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
  const conversions: Conversion[] = [
    word(15), word(127), word(127), hex(), decimal, decimal, decimal, word(127), decimal, decimal, decimal,
  ];
  const state = new RowState(['', '', '', 0, 0, 0, 0, '', 0, 0, 0]);
  // The parsed addresses also outlive a line: a malformed one leaves the previous value.
  let destination = [0, 0, 0, 0];
  let gateway = [0, 0, 0, 0];
  let mask = [0, 0, 0, 0];
  const pending: Array<Promise<InetRoute>> = [];
  for (const line of all.slice(1)) {
    const converted = state.scanInto(line, conversions);
    const v = state.values;
    const flags = v[3] as number;
    if (converted < 10 || (flags & RTF_UP) === 0) continue;
    destination = inetFromHex(v[1] as string) ?? destination;
    gateway = inetFromHex(v[2] as string) ?? gateway;
    mask = inetFromHex(v[7] as string) ?? mask;
    pending.push(fibRoute(ctx, style, [...v], destination, gateway, mask));
  }
  return { table: { kind: 'inet', routes: await Promise.all(pending) }, status: 0 };
}

/** One FIB route from a scanned row and its addresses, named unless numeric. */
async function fibRoute(
  ctx: ModeContext,
  style: RouteStyle,
  v: Array<string | number>,
  destination: number[],
  gateway: number[],
  mask: number[],
): Promise<InetRoute> {
  const flags = v[3] as number;
  const names = style.numeric
    ? null
    : await Promise.all([routeDestinationName(ctx, destination, mask, (flags & RTF_HOST) !== 0), routeHostName(ctx, gateway)]);
  return {
    destination: dotted(destination),
    ...(names && { destinationName: nameOrNull(names[0], dotted(destination)) }),
    gateway: dotted(gateway),
    ...(names && { gatewayName: nameOrNull(names[1], dotted(gateway)) }),
    genmask: dotted(mask),
    flags,
    flagNames: routeFlagNames(flags),
    iface: v[0] as string,
    ...(showsMetrics(style.extend) && { metric: v[6] as number, refCnt: v[4] as number, use: v[5] as number }),
    ...(showsWindows(style.extend) && { mss: v[8] as number, window: v[9] as number, irtt: v[10] as number }),
  };
}

/** The text shown for an address, as a name: null when it is the address itself. */
function nameOrNull(shown: string, numeric: string): string | null {
  return shown === numeric ? null : shown;
}

/**
 * `Kernel IP routing cache`: the file's layout and, for the Linux 2.2 layout,
 * its entries (none since Linux 3.6).
 */
export async function collectInetCache(ctx: ModeContext, style: RouteStyle): Promise<Collected> {
  const file = readProcText('net/rt_cache', ctx.procRoot);
  if (!file.ok) return notConfigured(ctx, 'rt_cache', file.code);
  const all = textLines(file.text);
  const bits = cacheLayoutBits(all[0]);
  const layout = bits === 63 ? '2.2' : bits === 97 ? '2.0' : null;
  const warning = layout === null ? `ERROR: proc_guess_fmt(/proc/net/rt_cache,... returned: ${bits}` : undefined;
  const routes = layout === '2.2' ? await cacheEntries(ctx, style, all.slice(1)) : [];
  return { table: { kind: 'inet-cache', layout, ...(warning === undefined ? {} : { warning }), routes }, status: 0 };
}

async function cacheEntries(ctx: ModeContext, style: RouteStyle, rows: string[]): Promise<InetCacheEntry[]> {
  // Iface Destination Gateway Flags RefCnt Use Metric Source MTU Window IRTT TOS HHRef HHUptod SpecDst
  const conversions: Conversion[] = [
    word(15), word(127), word(127), hex(), decimal, decimal, decimal, word(127), decimal, decimal, decimal,
    decimal, decimal, decimal, word(127),
  ];
  const state = new RowState(['', '', '', 0, 0, 0, 0, '', 0, 0, 0, 0, 0, 0, '']);
  // net-tools parses all four addresses through one sockaddr: a malformed one repeats the one before.
  let address = [0, 0, 0, 0];
  const parse = (text: string): number[] => (address = inetFromHex(text) ?? address);
  const pending: Array<Promise<InetCacheEntry>> = [];
  for (const line of rows) {
    const v = state.values;
    if (state.scanInto(line, conversions) < 12) continue;
    const destination = parse(v[1] as string);
    const gateway = parse(v[2] as string);
    const source = parse(v[7] as string);
    const specDst = parse(v[14] as string);
    pending.push(cacheEntry(ctx, style, [...state.values], { source, destination, gateway, specDst }));
  }
  return Promise.all(pending);
}

/** One cache entry from a scanned row and its four addresses, named unless numeric. */
async function cacheEntry(
  ctx: ModeContext,
  style: RouteStyle,
  v: Array<string | number>,
  at: Record<'source' | 'destination' | 'gateway' | 'specDst', number[]>,
): Promise<InetCacheEntry> {
  const name = async (bytes: number[]): Promise<string | null> => nameOrNull(await cacheAddressName(ctx, bytes), dotted(bytes));
  const names = style.numeric ? null : await Promise.all([at.source, at.destination, at.gateway, at.specDst].map(name));
  const flags = v[3] as number;
  return {
    source: dotted(at.source),
    ...(names && { sourceName: names[0]! }),
    destination: dotted(at.destination),
    ...(names && { destinationName: names[1]! }),
    gateway: dotted(at.gateway),
    ...(names && { gatewayName: names[2]! }),
    flags,
    flagNames: cacheFlagNames(flags),
    iface: v[0] as string,
    ...(showsMetrics(style.extend) && { metric: v[6] as number, refCnt: v[4] as number, use: v[5] as number }),
    ...(showsWindows(style.extend) && { mss: v[8] as number, window: v[9] as number, irtt: v[10] as number }),
    ...(style.extend === 3 && {
      tos: v[11] as number,
      hhRef: v[12] as number,
      hhUptodate: v[13] as number,
      specDst: dotted(at.specDst),
      ...(names && { specDstName: names[3]! }),
    }),
  };
}

function cacheLayoutBits(header: string | undefined): number {
  if (header === undefined) return -1;
  const names = header.split(/[ \t]+/);
  const known: Array<[string, number]> = [['IRTT', 1], ['TOS', 2], ['HHRef', 4], ['HHUptod', 8], ['SpecDst', 16], ['HH', 32], ['ARP', 64]];
  let bits = 0;
  for (const [name, bit] of known) if (names.some((n) => n.includes(name))) bits |= bit;
  return bits;
}

/** perror(path) on stderr; net-tools' "not configured" line is the table; status 1. */
function notConfigured(ctx: ModeContext, file: string, code: string): Collected {
  ctx.out.err(`${perrorText(`/proc/net/${file}`, code)}\n`);
  return { table: { kind: 'unavailable', family: 'inet', message: 'INET (IPv4) not configured in this system.' }, status: 1 };
}

/**
 * The address of a kernel hex field (a little-endian u32 printed `%08X`) as
 * four bytes in network order; null unless it starts with 8 hex digits
 * (net-tools' INET_getsock then leaves its sockaddr as it was).
 */
function inetFromHex(text: string): number[] | null {
  if (!/^[0-9a-fA-F]{8}/.test(text)) return null;
  const bytes: number[] = [];
  for (let i = 6; i >= 0; i -= 2) bytes.push(Number.parseInt(text.slice(i, i + 2), 16));
  return bytes;
}

function dotted(bytes: readonly number[]): string {
  return formatIPv4(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
}

function toNumber(bytes: readonly number[]): number {
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

/**
 * A route destination as net-tools names it: `default` for 0.0.0.0/0; a host
 * name when the route is a host route or has bits outside its mask; else a
 * network name from `/etc/networks`; dotted when nameless.
 */
async function routeDestinationName(ctx: ModeContext, address: number[], mask: number[], hostRoute: boolean): Promise<string> {
  const value = toNumber(address);
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
async function cacheAddressName(ctx: ModeContext, address: number[]): Promise<string> {
  const value = toNumber(address);
  if (value === 0) return dotted(address);
  if (value >>> 24 === 0) return ctx.resolvers.networks.name(value) ?? dotted(address);
  return (await ctx.resolvers.hosts.name(dotted(address))) ?? dotted(address);
}

/** A gateway as net-tools names it: dotted 0.0.0.0, else a host name. */
async function routeHostName(ctx: ModeContext, address: number[]): Promise<string> {
  if (toNumber(address) === 0) return dotted(address);
  return (await ctx.resolvers.hosts.name(dotted(address))) ?? dotted(address);
}
