/**
 * `netstat -r` for IPv6 (`-6`, `-A inet6`): `/proc/net/ipv6_route` read and
 * named as net-tools 2.10 does it (spec §3.3). The `-e` level changes nothing here.
 */
import { perrorText } from '../../errors';
import { readProcText } from '../../procfs/read';
import type { ModeContext } from '../context';
import type { Collected, Inet6Route } from './data';
import { routeFlagNames } from './flags';
import { hex, RowState, word, type Conversion } from './read';
import { textLines } from '../../procfs/lines';
import { formatIPv6, ipv6FromGroups, isWildcard, stripV4Mapped } from '../../inet-text';

const RTF_CACHE = 0x01000000;

/** Which view: the table (non-cache entries) or the cache (CACHE-flagged entries only). */
export type Inet6View = 'table' | 'cache';

export async function collectInet6(ctx: ModeContext, numeric: boolean, view: Inet6View): Promise<Collected> {
  const file = readProcText('net/ipv6_route', ctx.procRoot);
  if (!file.ok) {
    ctx.out.err(`${perrorText('/proc/net/ipv6_route', file.code)}\n`);
    return { table: { kind: 'unavailable', family: 'inet6', message: 'INET6 (IPv6) not configured in this system.' }, status: 1 };
  }
  const rows = parseRoutes(file.text).filter((row) => ((row.flags & RTF_CACHE) !== 0) === (view === 'cache'));
  const routes = await Promise.all(
    rows.map(async (row): Promise<Inet6Route> => {
      const names = numeric ? null : await Promise.all([addressName(ctx, row.destination), addressName(ctx, row.nextHop)]);
      const destination = formatIPv6(row.destination);
      const nextHop = formatIPv6(row.nextHop);
      return {
        destination,
        ...(names && { destinationName: names[0] }),
        prefixLength: row.prefixLength,
        nextHop,
        ...(names && { nextHopName: names[1] }),
        flags: row.flags,
        flagNames: routeFlagNames(row.flags),
        metric: row.metric,
        refCnt: row.refCnt,
        use: row.use,
        iface: row.iface,
      };
    }),
  );
  return { table: { kind: view === 'cache' ? 'inet6-cache' : 'inet6', routes }, status: 0 };
}

interface Row {
  destination: Uint8Array;
  prefixLength: number;
  nextHop: Uint8Array;
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
function parseRoutes(text: string): Row[] {
  const group = word(4);
  const address = [group, group, group, group, group, group, group, group];
  const conversions: Conversion[] = [
    ...address, hex(2), ...address, hex(2), ...address, hex(8), hex(8), hex(8), hex(8), word(15),
  ];
  const state = new RowState([...Array<string>(8).fill(''), 0, ...Array<string>(8).fill(''), 0, ...Array<string>(8).fill(''), 0, 0, 0, 0, '']);
  let destination: Uint8Array = new Uint8Array(16);
  let nextHop: Uint8Array = new Uint8Array(16);
  const routes: Row[] = [];
  for (const line of textLines(text)) {
    state.scanInto(line, conversions);
    const v = state.values;
    // inet_pton of "g0:g1:…:g7"; when it fails, the sockaddr keeps its old value.
    destination = ipv6FromGroups(v.slice(0, 8) as string[]) ?? destination;
    nextHop = ipv6FromGroups(v.slice(18, 26) as string[]) ?? nextHop;
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

/**
 * The name the text shows for an address, or null when it shows the address:
 * `[::]` for the unspecified address, else getnameinfo's answer; a
 * v4-mapped address is shown by its IPv4 part either way.
 */
async function addressName(ctx: ModeContext, bytes: Uint8Array): Promise<string | null> {
  const text = formatIPv6(bytes);
  const shown = isWildcard(text) ? '[::]' : stripV4Mapped(text, (await ctx.resolvers.hosts.name(text)) ?? text);
  return shown === stripV4Mapped(text, text) ? null : shown;
}
