/**
 * What one scrape exports, as plain data: the library's answers (a count
 * grouped by protocol, family and state with the queues added up, and the
 * few listening sockets) reduced to bounded groups. `summarize()` is pure, so
 * the metric mapping is tested on fixed collections; `collect.ts` feeds it
 * live answers.
 *
 * Bounded labels only: protocol, family, state, an address class (never an
 * address), a local port of a listening socket (capped), a program name (top
 * N, only when asked). Never a remote address or a remote port.
 */
import type { InetSocket } from '../model';
import type { SocketCounts, TableReport } from '../api';
import type { SourceChoice } from '../backends/choose';

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

export interface TableInfo {
  /** `tcp/inet`, …, `unix`, or `owners` (the process walk). */
  table: string;
  status: string;
  backend: string;
  reason: string;
}

export interface Snapshot {
  /**
   * Labels naming what was collected, put on every series. Empty today; a
   * collection per network namespace or cgroup would fill it
   * (`{ netns: '…' }`) and export one snapshot per target.
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
  tables: TableInfo[];
  /** How long the collection took. */
  durationSeconds: number;
}

export interface SummaryOptions {
  /** At most this many listening groups (protocol, family, address class, port). */
  maxListeners: number;
  /** Export per-program counts (`counts` must then be grouped by program too). */
  byProcess: boolean;
  /** With `byProcess`: keep this many programs. */
  topProcesses: number;
}

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

/**
 * Reduce the library's answers to what is exported.
 *
 * `counts` is grouped by protocol, family and state (and program, for
 * `--by-process`) with `recvQueue`/`sendQueue` added up; `listeners` are the
 * TCP sockets in LISTEN and the unconnected UDP, UDP-Lite and RAW sockets.
 */
export function summarize(
  counts: SocketCounts,
  listeners: ReadonlyArray<Pick<InetSocket, 'protocol' | 'family' | 'localAddress' | 'localPort'>>,
  options: SummaryOptions,
  durationSeconds: number,
): Snapshot {
  const sockets = new Map<string, SocketGroup>();
  const queues = new Map<string, QueueGroup>();
  // Every table that was read gets its protocol's baseline states, and TCP tables a queue row.
  for (const t of counts.tables) {
    if (t.status !== 'ok') continue;
    const [protocol, family] = tableKey(t.table);
    for (const state of BASELINE_STATES[protocol] ?? []) {
      sockets.set(`${protocol}\0${family}\0${state}`, { protocol, family, state, count: 0 });
    }
    if (protocol === 'tcp') queues.set(family, { family, receive: 0, send: 0 });
  }
  const programs = new Map<string, number>();
  let unowned = 0;
  for (const g of counts.groups) {
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
    target: {},
    sockets: [...sockets.values()],
    tcpQueues: [...queues.values()],
    listeners: kept,
    listenersOmitted: allListeners.length - kept.length,
    tables: tableInfo(counts.tables, counts.sources),
    durationSeconds,
  };
  if (options.byProcess) {
    const ranked = [...programs].map(([program, count]) => ({ program, count })).sort((a, b) => b.count - a.count || compare(a.program, b.program));
    const top = ranked.slice(0, Math.max(0, options.topProcesses));
    snapshot.processes = { top, omitted: ranked.length - top.length, unowned };
  }
  return snapshot;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
