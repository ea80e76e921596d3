/**
 * `netstat -r` for IPv6 (`-6`, `-A inet6`): `/proc/net/ipv6_route` as
 * net-tools 2.10 prints it (spec §3.3). The `-e` level changes nothing here.
 */
import { strerror } from '../errors';
import type { ModeContext } from './context';
import { hex, left, lines, readProcNet, right, RowState, word, type Conversion } from './route-read';
import { ipv6Text, isUnspecified, stripV4Mapped } from './route-ipv6-text';

const RTF_CACHE = 0x01000000;
const HEADER = 'Destination                    Next Hop                   Flag Met Ref  Use If\n';

/** Which view: the table (non-cache entries) or the cache (CACHE-flagged entries only). */
export type Inet6View = 'table' | 'cache';

export async function printInet6(ctx: ModeContext, numeric: boolean, view: Inet6View): Promise<number> {
  const file = readProcNet(ctx.procRoot, 'ipv6_route');
  if ('errorCode' in file) {
    ctx.out.err(`/proc/net/ipv6_route: ${strerror(file.errorCode)}\n`);
    ctx.out.out('INET6 (IPv6) not configured in this system.\n');
    return 1;
  }
  ctx.out.out(`${view === 'cache' ? 'Kernel IPv6 routing cache' : 'Kernel IPv6 routing table'}\n${HEADER}`);
  const routes = parseRoutes(file.text).filter((route) => ((route.flags & RTF_CACHE) !== 0) === (view === 'cache'));
  const texts = await Promise.all(
    routes.map(async (route) => {
      const destination = `${await addressName(ctx, numeric, route.destination)}/${route.prefixLength}`;
      const nextHop = await addressName(ctx, numeric, route.nextHop);
      return (
        `${left(destination, 30)} ${left(nextHop, 26)} ${left(inet6Flags(route.flags), 4)} ` +
        `${left(String(route.metric), 3)} ${left(String(route.refCnt), 1)} ${right(route.use, 6)} ${route.iface}\n`
      );
    }),
  );
  ctx.out.out(texts.join(''));
  return 0;
}

interface Inet6Route {
  destination: number[];
  prefixLength: number;
  nextHop: number[];
  metric: number;
  refCnt: number;
  use: number;
  flags: number;
  iface: string;
}

/**
 * Every line: dest(8×%4s) plen(%02x) src(8×%4s) src-plen(%02x) next-hop(8×%4s)
 * metric refcnt use flags (%08x) iface(%15s). net-tools does not check how
 * many fields converted, so a short or malformed line prints with the
 * previous line's values wherever its own did not convert.
 */
function parseRoutes(text: string): Inet6Route[] {
  const group = word(4);
  const address = [group, group, group, group, group, group, group, group];
  const conversions: Conversion[] = [
    ...address, hex(2), ...address, hex(2), ...address, hex(8), hex(8), hex(8), hex(8), word(15),
  ];
  const state = new RowState([...Array<string>(8).fill(''), 0, ...Array<string>(8).fill(''), 0, ...Array<string>(8).fill(''), 0, 0, 0, 0, '']);
  let destination = new Array<number>(16).fill(0);
  let nextHop = new Array<number>(16).fill(0);
  const routes: Inet6Route[] = [];
  for (const line of lines(text)) {
    state.scanInto(line, conversions);
    const v = state.values;
    destination = groupsToBytes(v.slice(0, 8) as string[]) ?? destination;
    nextHop = groupsToBytes(v.slice(18, 26) as string[]) ?? nextHop;
    routes.push({
      destination,
      prefixLength: v[8] as number,
      nextHop,
      metric: (v[26] as number) | 0,
      refCnt: (v[27] as number) | 0,
      use: (v[28] as number) | 0,
      flags: v[29] as number,
      iface: v[30] as string,
    });
  }
  return routes;
}

/** inet_pton of "g0:g1:…:g7", or null when it would fail (the sockaddr then keeps its old value). */
function groupsToBytes(groups: string[]): number[] | null {
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  const bytes: number[] = [];
  for (const g of groups) {
    const value = Number.parseInt(g, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  return bytes;
}

/** Flag letters of an IPv6 route (`!` is appended, unlike IPv4). */
export function inet6Flags(flags: number): string {
  const letters: Array<[number, string]> = [
    [0x1, 'U'], [0x200, '!'], [0x2, 'G'], [0x4, 'H'], [0x10000, 'D'], [0x40000, 'A'], [0x1000000, 'C'],
    [0x20000, 'a'], [0x400000, 'e'], [0x20, 'm'], [0x200000, 'n'], [0x2000000, 'f'],
  ];
  let text = '';
  for (const [bit, letter] of letters) if ((flags & bit) >>> 0 !== 0) text += letter;
  return text;
}

/**
 * `[::]` for the unspecified address when symbolic; else getnameinfo's answer
 * or inet_ntop text, a v4-mapped address shown as its IPv4 part.
 */
async function addressName(ctx: ModeContext, numeric: boolean, bytes: number[]): Promise<string> {
  const text = ipv6Text(bytes);
  if (numeric) return stripV4Mapped(bytes, text);
  if (isUnspecified(bytes)) return '[::]';
  return stripV4Mapped(bytes, (await ctx.resolvers.hosts.name(text)) ?? text);
}
