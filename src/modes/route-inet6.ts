/**
 * `netstat -r` for IPv6 (`-6`, `-A inet6`): `/proc/net/ipv6_route` as
 * net-tools 2.10 prints it (spec §3.3). The `-e` level changes nothing here.
 */
import { strerror } from '../errors';
import type { ModeContext } from './context';
import { left, lines, readProcNet, right } from './route-read';
import { ipv6BytesFromHex, ipv6Text, isUnspecified } from './route-ipv6-text';

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
  const texts = await Promise.all(
    lines(file.text).map(async (line) => {
      const route = parseRoute(line);
      if (route === null) return null;
      if (((route.flags & RTF_CACHE) !== 0) !== (view === 'cache')) return null;
      const destination = `${await addressName(ctx, numeric, route.destination)}/${route.prefixLength}`;
      const nextHop = await addressName(ctx, numeric, route.nextHop);
      return (
        `${left(destination, 30)} ${left(nextHop, 26)} ${left(inet6Flags(route.flags), 4)} ` +
        `${left(String(route.metric), 3)} ${left(String(route.refCnt), 1)} ${right(route.use, 6)} ${route.iface}\n`
      );
    }),
  );
  ctx.out.out(texts.filter((t) => t !== null).join(''));
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

/** One line: dest plen src src-plen next-hop metric refcnt use flags iface (all hex but the name). */
function parseRoute(line: string): Inet6Route | null {
  const f = line.trim().split(/[ \t]+/);
  if (f.length < 10) return null;
  const destination = ipv6BytesFromHex(f[0]!);
  const nextHop = ipv6BytesFromHex(f[4]!);
  if (destination === null || nextHop === null) return null;
  const hex = (text: string): number => Number.parseInt(text, 16) >>> 0;
  return {
    destination,
    prefixLength: hex(f[1]!),
    nextHop,
    metric: hex(f[5]!) | 0,
    refCnt: hex(f[6]!) | 0,
    use: hex(f[7]!) | 0,
    flags: hex(f[8]!),
    iface: f[9]!.slice(0, 15),
  };
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

/** `[::]` for the unspecified address when symbolic; else getnameinfo's answer or inet_ntop text. */
async function addressName(ctx: ModeContext, numeric: boolean, bytes: number[]): Promise<string> {
  const text = ipv6Text(bytes);
  if (numeric) return text;
  if (isUnspecified(bytes)) return '[::]';
  return (await ctx.resolvers.hosts.name(text)) ?? text;
}
