/**
 * What one scrape exports, as plain data: the library's answers (a count
 * grouped by protocol, family and state with the queues added up, and the
 * few listening sockets) reduced to bounded groups. `summarize()` is pure, so
 * the metric mapping is tested on fixed collections; `collect.ts` feeds it
 * live answers.
 *
 * A collection holds one snapshot per target: the exporter's own network
 * namespace (no target label), or, for a count over namespaces
 * (`--all-netns`, `--netns`), one per namespace read, labelled
 * `netns="<name or net:[INODE]>"`.
 *
 * Bounded labels only: protocol, family, state, an address class (never an
 * address), a local port of a listening socket (capped), a program name and
 * a container (top N, only when asked), a namespace. Never a remote address
 * or a remote port.
 */
import type { InetSocket, NetnsRef } from '../model';
import type { CountRow, SocketCounts, TableReport } from '../api';
import type { SourceChoice } from '../backends/choose';
import { type ContainerRef, containerOf } from '../cgroup/container';
/** How a listening socket's local address reads: any address, loopback only, or one specific address. */
export type AddressClass = 'wildcard' | 'loopback' | 'specific';

export interface SocketGroup {
  protocol: string;
  family: string;
  state: string;
  count: number;
}

export interface QueueGroup {
  /** `inet` or `inet6`. */
  family: string;
  /** Bytes in receive queues (not yet read by the application), over TCP sockets that are not listening. */
  receive: number;
  /** Bytes in send queues (not yet acknowledged by the peer). */
  send: number;
}

export interface ListenerGroup {
  protocol: string;
  family: string;
  addressClass: AddressClass;
  port: number;
  count: number;
}

export interface ProcessGroup {
  program: string;
  count: number;
}

export interface ContainerGroup {
  /** `docker`, `containerd`, `cri-o`, `podman`, or `systemd` for a plain unit. */
  runtime: string;
  /** The container id (64 hex digits), or for `systemd` the unit's name. */
  id: string;
  count: number;
}

export interface TableInfo {
  /** `tcp/inet`, …, `unix`, or `owners` (the process walk). */
  table: string;
  status: string;
  backend: string;
  reason: string;
}

export interface Snapshot {
  /**
   * Labels naming what was collected, put on every series of the snapshot:
   * empty for the exporter's own namespace, `{ netns: '…' }` for each
   * namespace of a count over namespaces (one snapshot per namespace).
   */
  target: Record<string, string>;
  sockets: SocketGroup[];
  tcpQueues: QueueGroup[];
  /** Listening groups kept (at most the cap), lowest port first. */
  listeners: ListenerGroup[];
  /** Listening groups left out by the cap. */
  listenersOmitted: number;
  /** Present with `--by-process`. */
  processes?: {
    /** The programs holding the most sockets, most first (at most the top N). */
    top: ProcessGroup[];
    /** Programs left out by the top N. */
    omitted: number;
    /** Sockets no visible process holds (kernel sockets, or processes this user cannot read). */
    unowned: number;
  };
  /** Present with `--by-container`. */
  containers?: {
    /** The containers (and systemd units) holding the most sockets, most first (at most the top N). */
    top: ContainerGroup[];
    /** Containers left out by the top N. */
    omitted: number;
    /** Sockets in no container or unit (UNIX and TIME_WAIT sockets, the root cgroup, slices, every socket on the /proc backend). */
    unattributed: number;
  };
  tables: TableInfo[];
}

/** A network namespace a count over namespaces covered, read or not. */
export interface NamespaceStatus {
  /** Its label: the name under /run/netns, else `net:[INODE]`. */
  netns: string;
  inode: number;
  /** The exporter's own namespace. */
  current: boolean;
  readable: boolean;
  /** Why it could not be read (`EPERM`, `ENOENT`, `ERR_NETNS_NO_PROCESS`) and the library's message. */
  code?: string;
  message?: string;
}

/** Everything one collection exports. */
export interface Collection {
  /** One per target: the exporter's own namespace, or each namespace read. */
  snapshots: Snapshot[];
  /** For a count over namespaces: every namespace covered, in the library's order (own first, then by inode). */
  namespaces?: NamespaceStatus[];
  /** For `--all-netns`: processes whose namespace could not be seen (no privilege), so namespaces only they use may be missing. */
  hiddenProcesses?: number;
  /** How long the collection took (one collection covers every target). */
  durationSeconds: number;
}

export interface SummaryOptions {
  /** At most this many listening groups (protocol, family, address class, port). */
  maxListeners: number;
  /** Export per-program counts (`counts` must then be grouped by program too). */
  byProcess: boolean;
  /** With `byProcess`: keep this many programs. */
  topProcesses: number;
  /** Export per-container counts (`counts` must then be grouped by `cgroup` too). */
  byContainer?: boolean;
  /** With `byContainer`: keep this many containers (default 10). */
  topContainers?: number;
}

export const DEFAULT_TOP_CONTAINERS = 10;

/** The states every table of a protocol reports, zero or not (stable series). */
export const BASELINE_STATES: Readonly<Record<string, readonly string[]>> = {
  tcp: ['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING'],
  udp: ['ESTABLISHED', 'CLOSE'],
  udplite: ['ESTABLISHED', 'CLOSE'],
  raw: ['ESTABLISHED', 'CLOSE'],
  unix: ['LISTENING', 'CONNECTED', 'UNCONNECTED', 'CONNECTING', 'DISCONNECTING'],
};

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** `wildcard` (0.0.0.0, ::), `loopback` (127.0.0.0/8, ::1, v4-mapped 127/8), `specific` otherwise. */
export function addressClass(address: string): AddressClass {
  let a = address.toLowerCase();
  if (a.startsWith('::ffff:') && IPV4.test(a.slice(7))) a = a.slice(7);
  if (a === '0.0.0.0' || a === '::' || a === '0:0:0:0:0:0:0:0') return 'wildcard';
  if (IPV4.test(a)) return a.startsWith('127.') ? 'loopback' : 'specific';
  if (a === '::1' || a === '0:0:0:0:0:0:0:1') return 'loopback';
  return 'specific';
}

/** `tcp/inet` → `['tcp', 'inet']`; `unix` → `['unix', 'unix']`. */
function tableKey(table: string): [string, string] {
  const [protocol, family] = table.split('/');
  return [protocol ?? table, family ?? protocol ?? table];
}

function tableInfo(tables: readonly TableReport[], sources: readonly SourceChoice[]): TableInfo[] {
  const out: TableInfo[] = tables.map((t) => ({ table: t.table, status: t.status, backend: t.backend, reason: t.reason }));
  const seen = new Set(out.map((t) => t.table));
  // Choices that are not tables (the process walk of --by-process).
  for (const s of sources) {
    if (seen.has(s.table)) continue;
    seen.add(s.table);
    out.push({ table: s.table, status: 'ok', backend: s.backend, reason: s.reason });
  }
  return out;
}

/** The listening sockets `summarize` needs; `netns` is present in a listing over namespaces. */
export type ListenerRecord = Pick<InetSocket, 'protocol' | 'family' | 'localAddress' | 'localPort'> & { netns?: NetnsRef };

/**
 * Reduce the library's answers to what is exported.
 *
 * `counts` is grouped by protocol, family and state (and program for
 * `--by-process`, cgroup for `--by-container`) with
 * `recvQueue`/`sendQueue` added up; `listeners` are the TCP sockets in LISTEN
 * and the unconnected UDP, UDP-Lite and RAW sockets.
 *
 * A count over namespaces (`counts.namespaces` present: grouped by `netns`
 * too, its tables carrying their namespace's inode, and listeners carrying
 * `netns`) becomes one snapshot per namespace read, labelled with the
 * namespace's name or `net:[INODE]`, and a status for every namespace.
 */
export function summarize(
  counts: SocketCounts,
  listeners: readonly ListenerRecord[],
  options: SummaryOptions,
  durationSeconds: number,
): Collection {
  if (counts.namespaces === undefined) {
    return { snapshots: [summarizeTarget({}, counts.groups, counts.tables, counts.sources, listeners, options)], durationSeconds };
  }
  const groups = partition(counts.groups, (g) => (typeof g.netns === 'string' ? g.netns : undefined));
  const tables = partition(counts.tables, (t) => t.netns);
  const held = partition(listeners, (l) => l.netns?.inode);
  const snapshots: Snapshot[] = [];
  const namespaces: NamespaceStatus[] = [];
  for (const report of counts.namespaces) {
    // The library's label is also what its `netns` count key groups by.
    const netns = report.label;
    const status: NamespaceStatus = { netns, inode: report.netns.inode, current: report.current, readable: report.status === 'ok' };
    if (report.code !== undefined) status.code = report.code;
    if (report.message !== undefined) status.message = report.message;
    namespaces.push(status);
    if (!status.readable) continue;
    const inode = report.netns.inode;
    snapshots.push(summarizeTarget({ netns }, groups.get(netns) ?? [], tables.get(inode) ?? [], counts.sources, held.get(inode) ?? [], options));
  }
  const collection: Collection = { snapshots, namespaces, durationSeconds };
  if (counts.hiddenProcesses !== undefined) collection.hiddenProcesses = counts.hiddenProcesses;
  return collection;
}

function partition<T, K>(items: readonly T[], keyOf: (item: T) => K | undefined): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === undefined) continue;
    const list = out.get(key);
    if (list === undefined) out.set(key, [item]);
    else list.push(item);
  }
  return out;
}

/**
 * The container (or systemd unit) of a group counted by `cgroup`: the
 * library gives the cgroup's path, or null (no cgroup: UNIX, TIME_WAIT, the
 * /proc backend), or the bare id of a cgroup gone before it was looked up.
 */
function containerOfGroup(g: CountRow): ContainerRef | undefined {
  return typeof g.cgroup === 'string' && g.cgroup.startsWith('/') ? containerOf(g.cgroup) : undefined;
}

/** One target's snapshot: its count groups, tables and listeners. */
function summarizeTarget(
  target: Record<string, string>,
  groups: readonly CountRow[],
  tables: readonly TableReport[],
  sources: readonly SourceChoice[],
  listeners: readonly ListenerRecord[],
  options: SummaryOptions,
): Snapshot {
  const sockets = new Map<string, SocketGroup>();
  const queues = new Map<string, QueueGroup>();
  // Every table that was read gets its protocol's baseline states, and TCP tables a queue row.
  for (const t of tables) {
    if (t.status !== 'ok') continue;
    const [protocol, family] = tableKey(t.table);
    for (const state of BASELINE_STATES[protocol] ?? []) {
      sockets.set(`${protocol}\0${family}\0${state}`, { protocol, family, state, count: 0 });
    }
    if (protocol === 'tcp') queues.set(family, { family, receive: 0, send: 0 });
  }
  const programs = new Map<string, number>();
  let unowned = 0;
  const containers = new Map<string, ContainerGroup>();
  let unattributed = 0;
  for (const g of groups) {
    const protocol = String(g.protocol);
    const family = String(g.family);
    const state = String(g.state);
    const key = `${protocol}\0${family}\0${state}`;
    const group = sockets.get(key);
    if (group === undefined) sockets.set(key, { protocol, family, state, count: g.count });
    else group.count += g.count;
    // A listener's Recv-Q is its accept queue (connections), not bytes: left out.
    if (protocol === 'tcp' && state !== 'LISTEN') {
      const q = queues.get(family) ?? { family, receive: 0, send: 0 };
      q.receive += g.recvQueue ?? 0;
      q.send += g.sendQueue ?? 0;
      queues.set(family, q);
    }
    if (options.byProcess) {
      if (g.program === null || g.program === undefined || g.program === '') unowned += g.count;
      else programs.set(String(g.program), (programs.get(String(g.program)) ?? 0) + g.count);
    }
    if (options.byContainer === true) {
      const container = containerOfGroup(g);
      if (container === undefined) {
        unattributed += g.count;
      } else {
        // Several cgroups of one container (a Podman `container` child, …) are one group.
        const ckey = `${container.runtime}\0${container.id}`;
        const c = containers.get(ckey);
        if (c === undefined) containers.set(ckey, { runtime: container.runtime, id: container.id, count: g.count });
        else c.count += g.count;
      }
    }
  }

  const byListener = new Map<string, ListenerGroup>();
  for (const s of listeners) {
    const cls = addressClass(s.localAddress);
    const key = `${s.protocol}\0${s.family}\0${cls}\0${s.localPort}`;
    const group = byListener.get(key);
    if (group === undefined) byListener.set(key, { protocol: s.protocol, family: s.family, addressClass: cls, port: s.localPort, count: 1 });
    else group.count++;
  }
  const allListeners = [...byListener.values()].sort(
    (a, b) =>
      a.port - b.port ||
      compare(a.protocol, b.protocol) ||
      compare(a.family, b.family) ||
      compare(a.addressClass, b.addressClass),
  );
  const kept = allListeners.slice(0, Math.max(0, options.maxListeners));

  const snapshot: Snapshot = {
    target,
    sockets: [...sockets.values()],
    tcpQueues: [...queues.values()],
    listeners: kept,
    listenersOmitted: allListeners.length - kept.length,
    tables: tableInfo(tables, sources),
  };
  if (options.byProcess) {
    const ranked = [...programs].map(([program, count]) => ({ program, count })).sort((a, b) => b.count - a.count || compare(a.program, b.program));
    const top = ranked.slice(0, Math.max(0, options.topProcesses));
    snapshot.processes = { top, omitted: ranked.length - top.length, unowned };
  }
  if (options.byContainer === true) {
    const ranked = [...containers.values()].sort((a, b) => b.count - a.count || compare(a.runtime, b.runtime) || compare(a.id, b.id));
    const top = ranked.slice(0, Math.max(0, options.topContainers ?? DEFAULT_TOP_CONTAINERS));
    snapshot.containers = { top, omitted: ranked.length - top.length, unattributed };
  }
  return snapshot;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
