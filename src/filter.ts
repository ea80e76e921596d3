/**
 * Which sockets a query keeps: net-tools' selection (`-l`, `-a`) and the
 * library's filters (states, ports, addresses, uid), decided in one place.
 *
 * Both backends apply the same predicate while they build rows (the netlink
 * backend on the packed values, before any object exists; the /proc backend
 * on each parsed line), so both give the same answer by construction. What
 * the kernel can filter itself (the state mask, ports and addresses as
 * inet_diag bytecode) is asked of it as well, to make the dump small; the
 * predicate still runs afterwards, so a kernel that filters less than asked
 * changes nothing.
 *
 * The owner filters (`pid`, `program`) need the fd walk and are applied by
 * the query engine after the owner join.
 */
import type * as Net from 'node:net';
import { isWildcard } from './inet-text';
import type { InetFamily, InetProtocol } from './model';

/**
 * Which rows the caller keeps, in net-tools' sense: `listening` = servers only
 * (`-l`), `connected` = all but servers (the default), `all` (`-a`).
 */
export type Selection = 'connected' | 'listening' | 'all';

/** An inclusive port range; a single port N is `[N, N]`. */
export type PortRange = readonly [low: number, high: number];

/** An address prefix: 4 bytes (IPv4) or 16 bytes (IPv6) in network order, and its length in bits. */
export interface AddressPrefix {
  family: InetFamily;
  bytes: Uint8Array;
  prefixLength: number;
}

export interface SocketFilter {
  /** net-tools' row selection: `listening` = servers only, `connected` = all but servers. */
  selection: Selection;
  /** Internet sockets: bit `n` set keeps kernel state `n` (a TcpState). Undefined = every state. */
  inetStates?: number;
  /** UNIX sockets: the kept `stateName`s (`LISTENING`, `CONNECTED`, …). Undefined = every state. */
  unixStates?: ReadonlySet<string>;
  /** Each list: a socket matches if any entry matches (an empty list matches nothing). */
  localPorts?: readonly PortRange[];
  remotePorts?: readonly PortRange[];
  localAddresses?: readonly AddressPrefix[];
  remoteAddresses?: readonly AddressPrefix[];
  uids?: ReadonlySet<number>;
  /**
   * Internet sockets created in one of these cgroups (v2 ids as decimal
   * text; a cgroup path given by the caller is expanded to its subtree).
   * Only the netlink backend knows a socket's cgroup; UNIX sockets have none.
   */
  cgroupIds?: ReadonlySet<string>;
}

/** The filter of a plain listing: everything net-tools' selection shows. */
export function selectionFilter(selection: Selection): SocketFilter {
  return { selection };
}

/** Whether the filter keeps every row (nothing to test per row). */
export function keepsEverything(filter: SocketFilter): boolean {
  return filter.selection === 'all' && filter.inetStates === undefined && !hasInetOnlyConditions(filter);
}

/** Whether UNIX sockets can match at all (they have no ports, addresses or uid). */
export function unixCanMatch(filter: SocketFilter): boolean {
  return !hasInetOnlyConditions(filter) && (filter.unixStates === undefined || filter.unixStates.size > 0);
}

/** Conditions only an Internet socket can meet: ports, addresses, uid, cgroup. */
function hasInetOnlyConditions(filter: SocketFilter): boolean {
  return (
    filter.localPorts !== undefined ||
    filter.remotePorts !== undefined ||
    filter.localAddresses !== undefined ||
    filter.remoteAddresses !== undefined ||
    filter.uids !== undefined ||
    filter.cgroupIds !== undefined
  );
}

/** Keep-test of one Internet row, on its plain values (no record object needed). */
export type InetKeep = (
  state: number,
  localPort: number,
  remotePort: number,
  localAddress: string,
  remoteAddress: string,
  uid: number,
) => boolean;

/**
 * The keep-test for rows of one Internet table. Address prefixes are matched
 * once per distinct address text (a table has few), so the per-row cost is
 * a few comparisons.
 */
export function inetKeep(filter: SocketFilter, protocol: InetProtocol): InetKeep {
  const { selection, inetStates, localPorts, remotePorts, uids } = filter;
  const isTcp = protocol === 'tcp';
  const localMatch = addressMatcher(filter.localAddresses);
  const remoteMatch = addressMatcher(filter.remoteAddresses);
  return (state, localPort, remotePort, localAddress, remoteAddress, uid) => {
    if (selection !== 'all') {
      // net-tools: a TCP server has remote port 0, a UDP/RAW server an all-zero remote address.
      const server = isTcp ? remotePort === 0 : isWildcard(remoteAddress);
      if (server !== (selection === 'listening')) return false;
    }
    if (inetStates !== undefined && (inetStates & (1 << state)) === 0) return false;
    if (localPorts !== undefined && !inRanges(localPorts, localPort)) return false;
    if (remotePorts !== undefined && !inRanges(remotePorts, remotePort)) return false;
    if (uids !== undefined && !uids.has(uid)) return false;
    if (localMatch !== undefined && !localMatch(localAddress)) return false;
    if (remoteMatch !== undefined && !remoteMatch(remoteAddress)) return false;
    return true;
  };
}

/** Keep-test of one UNIX row: net-tools' selection (servers are listeners) and the state filter. */
export function unixKeep(filter: SocketFilter): (stateName: string) => boolean {
  const { selection, unixStates } = filter;
  const impossible = !unixCanMatch(filter);
  return (stateName) => {
    if (impossible) return false;
    if (selection !== 'all' && (stateName === 'LISTENING') !== (selection === 'listening')) return false;
    return unixStates === undefined || unixStates.has(stateName);
  };
}

function inRanges(ranges: readonly PortRange[], port: number): boolean {
  for (const [low, high] of ranges) if (port >= low && port <= high) return true;
  return false;
}

/** A cached matcher of address text against prefixes, or undefined for "no condition". */
function addressMatcher(prefixes: readonly AddressPrefix[] | undefined): ((text: string) => boolean) | undefined {
  if (prefixes === undefined) return undefined;
  const cache = new Map<string, boolean>();
  return (text) => {
    let hit = cache.get(text);
    if (hit === undefined) {
      const address = parseAddress(text);
      hit = address !== undefined && prefixes.some((p) => prefixMatches(p, address));
      cache.set(text, hit);
    }
    return hit;
  };
}

/**
 * Whether an address lies in a prefix. An IPv4 prefix also matches the
 * v4-mapped form (`::ffff:a.b.c.d`) of an IPv6 socket, as the kernel's
 * bytecode does; an IPv6 prefix never matches an IPv4 address.
 */
export function prefixMatches(prefix: AddressPrefix, address: { family: InetFamily; bytes: Uint8Array }): boolean {
  let bytes = address.bytes;
  if (prefix.family !== address.family) {
    if (prefix.family !== 'inet' || !isV4MappedBytes(bytes)) return false;
    bytes = bytes.subarray(12);
  }
  return bitsEqual(prefix.bytes, bytes, prefix.prefixLength);
}

function isV4MappedBytes(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

function bitsEqual(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[whole]! ^ b[whole]!) & mask) === 0;
}

/**
 * node:net, loaded on the first address filter: loading it loads streams and
 * DNS too, ~4 ms of every CLI start-up that never filters by address.
 */
let net: typeof Net | undefined;

/** Bytes of an address in text form (`inet_pton`), or undefined if it is not one. */
export function parseAddress(text: string): { family: InetFamily; bytes: Uint8Array } | undefined {
  const { isIPv4, isIPv6 } = (net ??= require('node:net') as typeof Net);
  if (isIPv4(text)) return { family: 'inet', bytes: Uint8Array.from(text.split('.').map(Number)) };
  if (!isIPv6(text) || text.includes('%')) return undefined;
  const bytes = new Uint8Array(16);
  let head = text;
  let tail = '';
  const gap = text.indexOf('::');
  if (gap >= 0) {
    head = text.slice(0, gap);
    tail = text.slice(gap + 2);
  }
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const [a, b, c, d] = piece.split('.').map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const first = groups(head);
  const last = groups(tail);
  const all = gap >= 0 ? [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last] : first;
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return { family: 'inet6', bytes };
}
