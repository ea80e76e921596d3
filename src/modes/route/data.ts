/**
 * What `netstat -r` collects: plain, JSON-safe data, printed as net-tools'
 * text by text.ts and as JSON by index.ts. Field selection follows the
 * options as the text does (the `-e` level picks the column sets); names are
 * present only without `-n`/`-N`: a `…Name` field is what the text shows in
 * place of the address (a host or network name, `default`, `[::]`), or null
 * when it shows the address itself.
 */

/** What the IPv4 FIB and routing cache have alike: the destination, gateway, flags, device and column sets. */
interface InetRouteBase {
  destination: string;
  destinationName?: string | null;
  gateway: string;
  gatewayName?: string | null;
  flags: number;
  flagNames: string[];
  iface: string;
  /** With `-e` and `-ee` (the Metric, Ref and Use columns). */
  metric?: number;
  refCnt?: number;
  use?: number;
  /** Without `-e` and with `-ee` (the MSS, Window and irtt columns; `mss` is the file's `MTU` field). */
  mss?: number;
  window?: number;
  irtt?: number;
}

/** A route of `/proc/net/route` (the IPv4 FIB). */
export interface InetRoute extends InetRouteBase {
  genmask: string;
}

/** An entry of `/proc/net/rt_cache` (the IPv4 routing cache, empty since Linux 3.6). */
export interface InetCacheEntry extends InetRouteBase {
  source: string;
  sourceName?: string | null;
  /** With `-ee` only. */
  tos?: number;
  hhRef?: number;
  hhUptodate?: number;
  specDst?: string;
  specDstName?: string | null;
}

/** A route of `/proc/net/ipv6_route` (the table, or with the CACHE flag the cache). */
export interface Inet6Route {
  destination: string;
  destinationName?: string | null;
  prefixLength: number;
  nextHop: string;
  nextHopName?: string | null;
  flags: number;
  flagNames: string[];
  metric: number;
  refCnt: number;
  use: number;
  iface: string;
}

/** One table as net-tools prints it: a heading and rows, or a family's "not configured" message. */
export type RouteTable =
  | { kind: 'inet'; routes: InetRoute[] }
  | {
      kind: 'inet-cache';
      /** The rt_cache layout net-tools recognises from the header line; only '2.2' lists entries. */
      layout: '2.0' | '2.2' | null;
      /** net-tools' complaint about an unknown layout, printed on stdout. */
      warning?: string;
      routes: InetCacheEntry[];
    }
  | { kind: 'inet6' | 'inet6-cache'; routes: Inet6Route[] }
  | { kind: 'unavailable'; family: string; message: string };

/** What a table's collector returns: the table to print (none when net-tools prints nothing) and the status. */
export interface Collected {
  table: RouteTable | null;
  status: number;
}
