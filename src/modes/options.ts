/**
 * The parsed command line of `netstat`, as net-tools 2.10 derives it
 * (`../shared/spec/netstat-2.10.md` §1). Produced by `cli/getopt.ts` +
 * `cli/args.ts`; read by every mode. It lives with the modes, not the CLI,
 * because it is what a mode is asked to do: a mode needs its request, never
 * the program that parsed it.
 */

/** Canonical address-family names as `-A` accumulates them (`ip` → `inet`, `econet` → `ec`, …). */
export type AfName =
  | 'inet' | 'inet6' | 'unix' | 'ipx' | 'ax25' | 'netrom' | 'rose' | 'x25' | 'ddp' | 'ec' | 'ash' | 'bluetooth';

export interface Options {
  /** `argv[0]` as glibc would print it in getopt messages. */
  programName: string;

  // Modes (at most one of route/interfaces/masquerade/statistics; checked by the parser).
  route: boolean; // -r
  interfaces: boolean; // -i
  groups: boolean; // -g
  statistics: boolean; // -s
  masquerade: boolean; // -M

  verbose: boolean; // -v
  wide: boolean; // -W
  numericHosts: boolean; // -n, --numeric-hosts
  numericPorts: boolean; // -n, --numeric-ports
  numericUsers: boolean; // -n, --numeric-users
  symbolic: boolean; // -N
  /** `-e` counter: 1 by default, +1 per `-e` (so `-ee` = 3). */
  extend: number;
  programs: boolean; // -p
  timers: boolean; // -o
  continuous: boolean; // -c
  listening: boolean; // -l
  all: boolean; // -a
  fib: boolean; // -F
  cache: boolean; // -C

  // Socket selections, after net-tools' derivation rules (§1.5).
  tcp: boolean;
  sctp: boolean;
  udp: boolean;
  udplite: boolean;
  raw: boolean;
  /** Families selected (by -A, -4, -6, --inet…, or implied by -t/-u/…). */
  inet: boolean;
  inet6: boolean;
  unix: boolean;
  ipx: boolean;
  ax25: boolean;
  netrom: boolean;
  x25: boolean;
  rose: boolean;
  bluetooth: boolean;
  l2cap: boolean;
  rfcomm: boolean;
  /** True when tcp/udp/… were implied by a family choice, not asked for (suppresses "no support" messages). */
  protocolsImplied: boolean;
  /** Number of explicitly requested socket kinds; 0 means "list everything". */
  explicitCount: number;
  /** The accumulated `-A` list in order, duplicates kept (used by -r and -s). */
  afList: AfName[];

  // Extension options (never abbreviated; see cli/args.ts EXTENSION_OPTIONS).
  /** `--json`: each pass as one JSON document on one line, instead of net-tools' text. */
  json: boolean;
  /** `--ndjson`: one JSON record per line (sockets, routes, interfaces, …), streamed. */
  ndjson: boolean;
  /** `--sources`: say on stderr which backend served each table and why. */
  sources: boolean;
  /** `--netns=NAME|PATH|PID`: list the sockets of that network namespace instead (as `ip netns exec` would). */
  netns?: string;
  /** `--all-netns`: list every network namespace in use, each under a one-line header. */
  allNetns: boolean;
  /** `--cgroups`: JSON records carry their cgroup's path and container. */
  cgroups: boolean;
  /** `--watch`: print socket changes as they happen (see cli/watch.ts). */
  watch: boolean;
  /** `--interval=MS`: time between the watch's dumps (default 1000). */
  intervalMs: number;
}
