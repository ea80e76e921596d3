/**
 * The library's functions: validate the request (`query/request.ts`), plan
 * it over the sources `chooseSources()` picks, run it through the query
 * engine, and give back plain JSON-safe data. Failures reject (or throw, for
 * the `…Sync` variants) with a `NetstatError`; an aborted call with an
 * `AbortError`. Nothing here prints or exits.
 */
import { AbortHandle } from './abort';
import { type SourceChoice, chooseSources } from './backends/choose';
import type { OwnerScan } from './backends/types';
import { NetstatError } from './errors';
import type { InetSocket, NetnsRef, UnixSocket } from './model';
import { type Namespace, listNamespaces, listNamespacesAsync, resolveNamespace, resolveNamespaceAsync } from './netns/discover';
import { type NamespacesResult, entryError, namespaceError, netnsLabel, netnsRef, planIn, runNamespaces, runNamespacesAsync } from './query/namespaces';
import { cgroupSubtreeIds, fillCgroups, fillCgroupsAsync, relabelCgroupGroups, relabelCgroupGroupsSync } from './cgroup/fill';
import {
  type CountKey,
  type CountResult,
  type CountRow,
  type SumKey,
  type QueryPlan,
  type QueryResult,
  type TableOutcome,
  type TableReport,
  countQuery,
  countQuerySync,
  tableReport,
  runQuery,
  runQueryAsync,
} from './query/engine';
import { type SocketQuery, type ValidatedQuery, validateQuery } from './query/request';

/** What became of one network namespace of a `netns` query. */
export interface NamespaceReport {
  netns: NetnsRef;
  /**
   * How to name it: its name under `/run/netns`, else `net:[INODE]` (what
   * `/proc/PID/ns/net` reads). The `netns` count key groups by this text.
   */
  label: string;
  /** The caller's own namespace. */
  current: boolean;
  /** `ok`: read; `unreadable`: could not be entered (see `code`, `message`). */
  status: 'ok' | 'unreadable';
  /** Why it could not be read: `EPERM` (no CAP_SYS_ADMIN over it), `ENOENT` (gone), `ERR_NETNS_NO_PROCESS` (/proc backend, nobody inside). */
  code?: string;
  message?: string;
  /** Sockets listed from it. */
  sockets: number;
}

export interface SocketList {
  /** Internet sockets, by protocol (tcp, udp, udplite, raw) then family (IPv4 first), each table in kernel order. */
  inet: InetSocket[];
  unix: UnixSocket[];
  /** Per table: read or absent, from which backend and why. */
  tables: TableReport[];
  /** Names of the absent tables (`udplite/inet6`, …). */
  missing: string[];
  /** Every backend choice made (tables and `owners`), in order. */
  sources: SourceChoice[];
  /** Malformed /proc lines skipped, over all tables. */
  malformed: number;
  /**
   * Present when owners were read: how complete the fd walk was, and how it
   * read the fds — `bpf` (the kernel's task_file iterator) or `proc`
   * (readlink under `/proc/PID/fd`) — and why (for `proc`, why not `bpf`).
   */
  ownerWalk?: { denied: number; vanished: number; procUnreadable: boolean; method: 'bpf' | 'proc'; methodReason?: string };
  /**
   * Present when owners were read and some processes' fds could not be
   * (`ownerWalk.denied` of them): which ones and why, in `/proc` order. The
   * sockets they hold show no owner (`pid: null`).
   */
  unreadableOwners?: UnreadableOwner[];
  /** Present for a `netns` query: each namespace, in the order listed (the caller's own first, then by inode). */
  namespaces?: NamespaceReport[];
  /**
   * For `netns: 'all'`: processes whose namespace could not be seen (their
   * `/proc/PID/ns/net` is not readable without privilege), so namespaces only
   * they are in may be missing from the list.
   */
  hiddenProcesses?: number;
}

/** A process the fd walk could not read, so its sockets show no owner. */
export interface UnreadableOwner {
  pid: number;
  /**
   * Why: `EACCES` — its `/proc/PID/fd` is readable only by its own user
   * (and by root, or with CAP_SYS_PTRACE); an ordinary user meets this for
   * every other user's process (net-tools' "Not all processes could be
   * identified").
   */
  code: 'EACCES';
}

export interface CountOptions {
  /** Group by these keys (default: none — just the total). */
  by?: CountKey | readonly CountKey[];
  /** Also add up these queues per group (bytes as the records give them; a TCP listener's Send-Q is 0). */
  sum?: SumKey | readonly SumKey[];
}

export interface SocketCounts {
  total: number;
  /**
   * One entry per group, largest first: the key values and `count`. Keys
   * `cgroup` and `container` hold the cgroup's path and the container id
   * (null when a socket has none, e.g. TIME_WAIT, UNIX, or the /proc backend).
   */
  groups: CountRow[];
  tables: TableReport[];
  sources: SourceChoice[];
  /** For a `netns` count: each namespace (see {@link SocketList.namespaces}). */
  namespaces?: NamespaceReport[];
  hiddenProcesses?: number;
}

export type { CountKey, CountRow, SumKey, TableReport };

function planOf(request: ValidatedQuery, abort: AbortHandle): QueryPlan {
  const sources = chooseSources({
    ...(request.backend === undefined ? {} : { backend: request.backend }),
    ...(request.procRoot === undefined ? {} : { procRoot: request.procRoot }),
  });
  // A cgroup filter names cgroups by path; the kernel matches ids, one per cgroup of each subtree.
  const filter = request.cgroupPaths === undefined ? request.filter : { ...request.filter, cgroupIds: cgroupSubtreeIds(request.cgroupPaths, discoveryOptions(request)) };
  const plan: QueryPlan = {
    tables: request.tables,
    filter,
    owners: request.owners,
    ownerWalk: request.completeWalk ? 'complete' : 'wanted',
    timers: request.timers,
    sources,
    abort,
  };
  if (request.ownerFilter !== undefined) plan.ownerFilter = request.ownerFilter;
  if (request.verify !== undefined) plan.verify = request.verify;
  return plan;
}

/** A table that failed (not merely absent) fails the call, with its own error (and its /proc path, if it came from /proc). */
function throwFailures(outcomes: ReadonlyArray<TableOutcome<unknown> | undefined>): void {
  for (const t of outcomes) {
    if (t?.status !== 'error') continue;
    if (t.error instanceof NetstatError) throw t.error;
    const message = t.error instanceof Error ? t.error.message : String(t.error);
    throw new NetstatError(`${t.spec.name}: ${message}`, 'ERR_TABLE_FAILED', { cause: t.error });
  }
}

function toList(result: QueryResult): SocketList {
  throwFailures([...result.inet, result.unix]);
  const parts: InetSocket[][] = [];
  const tables: TableReport[] = [];
  let malformed = 0;
  for (const t of result.inet) {
    const rows = t.status === 'ok' ? t.table.rows : [];
    if (rows.length > 0) parts.push(rows);
    if (t.status === 'ok') malformed += t.table.malformed;
    tables.push(tableReport(t));
  }
  // One table's rows as they are; several joined in one copy (200k pushes cost more).
  const inet = parts.length === 1 ? parts[0]! : ([] as InetSocket[]).concat(...parts);
  let unix: UnixSocket[] = [];
  if (result.unix !== undefined) {
    if (result.unix.status === 'ok') {
      unix = result.unix.table.rows;
      malformed += result.unix.table.malformed;
    }
    tables.push(tableReport(result.unix));
  }
  const list: SocketList = {
    inet,
    unix,
    tables,
    missing: tables.filter((t) => t.status === 'absent').map((t) => t.table),
    sources: result.sources,
    malformed,
  };
  if (result.ownerScan !== undefined) reportWalk(list, result.ownerScan);
  return list;
}

/** How complete the fd walk was, and which processes it could not read. */
function reportWalk(list: SocketList, scan: OwnerScan): void {
  const { denied, vanished, procUnreadable, deniedPids, method = 'proc', methodReason } = scan;
  list.ownerWalk = { denied, vanished, procUnreadable, method };
  if (methodReason !== undefined) list.ownerWalk.methodReason = methodReason;
  if (deniedPids !== undefined) list.unreadableOwners = deniedPids.map((pid) => ({ pid, code: 'EACCES' }));
}

/** Runs `work` with an AbortHandle for the request's signal, rejecting at once if it has already aborted. */
async function withAbort<T>(request: ValidatedQuery, work: (abort: AbortHandle) => Promise<T>): Promise<T> {
  const abort = new AbortHandle(request.signal);
  try {
    abort.check();
    const result = await work(abort);
    abort.check();
    return result;
  } finally {
    abort.dispose();
  }
}

interface NamespaceSelection {
  namespaces: Namespace[];
  /** A single namespace was asked for: failing to read it fails the call. */
  explicit: boolean;
  hiddenProcesses?: number;
}

function discoveryOptions(request: ValidatedQuery): { procRoot?: string } {
  return request.procRoot === undefined ? {} : { procRoot: request.procRoot };
}

function selectNamespaces(request: ValidatedQuery): NamespaceSelection {
  const target = request.netns!;
  if (target === 'all') {
    const found = listNamespaces(discoveryOptions(request));
    return { namespaces: found.namespaces, explicit: false, hiddenProcesses: found.deniedProcesses };
  }
  return { namespaces: [resolveNamespace(target, discoveryOptions(request))], explicit: true };
}

async function selectNamespacesAsync(request: ValidatedQuery): Promise<NamespaceSelection> {
  const target = request.netns!;
  if (target === 'all') {
    const found = await listNamespacesAsync(discoveryOptions(request));
    return { namespaces: found.namespaces, explicit: false, hiddenProcesses: found.deniedProcesses };
  }
  return { namespaces: [await resolveNamespaceAsync(target, discoveryOptions(request))], explicit: true };
}

/**
 * A namespace's report: ok, or unreadable with the error that kept it from
 * being read — which fails the call instead when it was asked for alone.
 */
function namespaceReport(ns: Namespace, ref: NetnsRef, error: unknown, explicit: boolean): NamespaceReport {
  const report: NamespaceReport = { netns: ref, label: netnsLabel(ns), current: ns.current, status: 'ok', sockets: 0 };
  if (error === undefined) return report;
  const failure = namespaceError(ns, error);
  if (explicit) throw failure;
  return { ...report, status: 'unreadable', code: failure.code, message: failure.message };
}

/** Several namespaces' results as one list, namespace by namespace. */
function toNamespaceList(result: NamespacesResult, selection: NamespaceSelection): SocketList {
  const namespaces: NamespaceReport[] = [];
  const lists: SocketList[] = [];
  for (const part of result.parts) {
    const report = namespaceReport(part.namespace, part.ref, part.status === 'unreadable' ? part.error : undefined, selection.explicit);
    if (part.status === 'ok') {
      const list = toList(part.result);
      for (const t of list.tables) t.netns = part.ref.inode;
      report.sockets = list.inet.length + list.unix.length;
      lists.push(list);
    }
    namespaces.push(report);
  }
  const joined: SocketList = {
    inet: ([] as InetSocket[]).concat(...lists.map((l) => l.inet)),
    unix: ([] as UnixSocket[]).concat(...lists.map((l) => l.unix)),
    tables: lists.flatMap((l) => l.tables),
    missing: [...new Set(lists.flatMap((l) => l.missing))],
    sources: result.sources,
    malformed: lists.reduce((n, l) => n + l.malformed, 0),
    namespaces,
  };
  if (result.ownerScan !== undefined) reportWalk(joined, result.ownerScan);
  if (selection.hiddenProcesses !== undefined) joined.hiddenProcesses = selection.hiddenProcesses;
  return joined;
}

/**
 * List sockets without blocking the event loop (native dumps and the fd walk
 * run off the main thread; /proc is parsed in slices).
 */
export async function listSockets(query: SocketQuery = {}): Promise<SocketList> {
  const request = validateQuery(query);
  return withAbort(request, async (abort) => {
    let list: SocketList;
    if (request.netns === undefined) {
      list = toList(await runQueryAsync(planOf(request, abort)));
    } else {
      const selection = await selectNamespacesAsync(request);
      list = toNamespaceList(await runNamespacesAsync(planOf(request, abort), selection.namespaces), selection);
    }
    if (request.cgroups) await fillCgroupsAsync(list.inet, discoveryOptions(request));
    return list;
  });
}

/** {@link listSockets}, synchronously (scripts, one-shot tools). `signal` is checked before the call only. */
export function listSocketsSync(query: SocketQuery = {}): SocketList {
  const request = validateQuery(query);
  const abort = new AbortHandle(request.signal);
  try {
    abort.check();
    let list: SocketList;
    if (request.netns === undefined) {
      list = toList(runQuery(planOf(request, abort)));
    } else {
      const selection = selectNamespaces(request);
      list = toNamespaceList(runNamespaces(planOf(request, abort), selection.namespaces), selection);
    }
    if (request.cgroups) fillCgroups(list.inet, discoveryOptions(request));
    return list;
  } finally {
    abort.dispose();
  }
}

function namesOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T[] {
  if (value === undefined) return [];
  const keys: unknown[] = Array.isArray(value) ? value : [value];
  keys.forEach((key, i) => {
    const field = Array.isArray(value) ? `options.${name}[${i}]` : `options.${name}`;
    if (typeof key !== 'string') throw new NetstatError(`${field}: must be a string`, 'ERR_INVALID_ARG_TYPE');
    if (!(allowed as readonly string[]).includes(key)) {
      throw new NetstatError(`${field}: must be one of ${allowed.map((a) => `'${a}'`).join(', ')} (got "${key}")`, 'ERR_INVALID_ARG_VALUE');
    }
  });
  return keys as T[];
}

/** A count's options, checked: the keys to group by and the queues to add up. */
function countOptions(options: unknown): { by: CountKey[]; sums: SumKey[] } {
  if (options === undefined) return { by: [], sums: [] };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new NetstatError('options: must be an object', 'ERR_INVALID_ARG_TYPE');
  }
  for (const key of Object.keys(options)) {
    if (key !== 'by' && key !== 'sum') throw new NetstatError(`options.${key}: unknown option (the options are by, sum)`, 'ERR_UNKNOWN_OPTION');
  }
  const o = options as CountOptions;
  return {
    by: namesOf(o.by, 'by', ['protocol', 'family', 'state', 'localPort', 'uid', 'pid', 'program', 'netns', 'cgroup', 'container'] as const),
    sums: namesOf(o.sum, 'sum', ['recvQueue', 'sendQueue'] as const),
  };
}

function toCounts(result: CountResult): SocketCounts {
  throwFailures(result.tables);
  return { total: result.total, groups: result.groups, tables: result.tables.map(tableReport), sources: result.sources };
}

/**
 * A count over namespaces: each namespace's tables are the next
 * `plan.tables.length` outcomes; a namespace that could not be entered is
 * reported (or, asked for alone, fails the call) instead of failing it.
 */
function toNamespaceCounts(result: CountResult, selection: NamespaceSelection, perNamespace: number): SocketCounts {
  const namespaces: NamespaceReport[] = [];
  const tables: TableReport[] = [];
  const readable: Array<TableOutcome<unknown>> = [];
  selection.namespaces.forEach((ns, i) => {
    const own = result.tables.slice(i * perNamespace, (i + 1) * perNamespace);
    const report = namespaceReport(ns, netnsRef(ns), entryError(own), selection.explicit);
    if (report.status === 'ok') {
      readable.push(...own);
      for (const t of own) tables.push({ ...tableReport(t), netns: ns.inode });
    }
    namespaces.push(report);
  });
  throwFailures(readable);
  const counts: SocketCounts = { total: result.total, groups: result.groups, tables, sources: result.sources, namespaces };
  if (selection.hiddenProcesses !== undefined) counts.hiddenProcesses = selection.hiddenProcesses;
  return counts;
}

/** Count over the request's namespaces (or the caller's own), then relabel cgroup keys. */
async function countRequest(request: ValidatedQuery, abort: AbortHandle, by: CountKey[], sums: SumKey[]): Promise<SocketCounts> {
  const plan = planOf(request, abort);
  let counts: SocketCounts;
  if (request.netns === undefined) {
    counts = toCounts(await countQuery(plan, by, sums));
  } else {
    const selection = await selectNamespacesAsync(request);
    const scopes = selection.namespaces.map((ns) => ({ plan: planIn(plan, ns), netns: netnsLabel(ns) }));
    counts = toNamespaceCounts(await countQuery(plan, by, sums, scopes), selection, plan.tables.length);
  }
  if (by.includes('cgroup') || by.includes('container')) counts.groups = await relabelCgroupGroups(counts.groups, discoveryOptions(request));
  return counts;
}

/**
 * Count sockets, grouped by any of `protocol`, `family`, `state`,
 * `localPort`, `uid`, `pid`, `program`, optionally adding up their queues
 * (`sum: ['recvQueue', 'sendQueue']`). On the netlink backend Internet
 * sockets are counted from the engine's packed records, without building an
 * object per socket.
 */
export async function countSockets(query: SocketQuery = {}, options?: CountOptions): Promise<SocketCounts> {
  const request = validateQuery(query);
  const { by, sums } = countOptions(options);
  return withAbort(request, (abort) => countRequest(request, abort, by, sums));
}

/** {@link countSockets}, synchronously. */
export function countSocketsSync(query: SocketQuery = {}, options?: CountOptions): SocketCounts {
  const request = validateQuery(query);
  const { by, sums } = countOptions(options);
  const abort = new AbortHandle(request.signal);
  try {
    abort.check();
    const plan = planOf(request, abort);
    let counts: SocketCounts;
    if (request.netns === undefined) {
      counts = toCounts(countQuerySync(plan, by, sums));
    } else {
      const selection = selectNamespaces(request);
      const scopes = selection.namespaces.map((ns) => ({ plan: planIn(plan, ns), netns: netnsLabel(ns) }));
      counts = toNamespaceCounts(countQuerySync(plan, by, sums, scopes), selection, plan.tables.length);
    }
    if (by.includes('cgroup') || by.includes('container')) counts.groups = relabelCgroupGroupsSync(counts.groups, discoveryOptions(request));
    return counts;
  } finally {
    abort.dispose();
  }
}

export interface ListenerQuery {
  /** Protocols to look at (default: `tcp`, `udp`, `udplite`, `raw`). */
  protocols?: ReadonlyArray<InetSocket['protocol']>;
  /** Families (default: both; v4-mapped listeners are IPv6 sockets and always included with `inet6`). */
  families?: SocketQuery['families'];
  /** Fill owners (default: true; `'all'`: every holder, see `SocketQuery.owners`). */
  owners?: boolean | 'all';
  backend?: SocketQuery['backend'];
  procRoot?: string;
  signal?: AbortSignal;
}

/**
 * Who listens on `port`: TCP sockets in state LISTEN, and UDP, UDP-Lite and
 * RAW sockets that are not connected (net-tools' servers), on both families,
 * with their owners — never a client socket that happens to use the port.
 */
export async function findListeners(port: number | SocketQuery['localPort'], options: ListenerQuery = {}): Promise<InetSocket[]> {
  if (typeof options !== 'object' || options === null) throw new NetstatError('options: must be an object', 'ERR_INVALID_ARG_TYPE');
  const { protocols = ['tcp', 'udp', 'udplite', 'raw'], owners = true, ...rest } = options;
  const base: SocketQuery = { ...rest, localPort: port as SocketQuery['localPort'], owners };
  // TCP asks the kernel for LISTEN only (the listening hash: no walk of every connection).
  const tcp = protocols.includes('tcp') ? listSockets({ ...base, protocols: ['tcp'], states: ['LISTEN'] }) : undefined;
  const others = protocols.filter((p) => p !== 'tcp');
  const rest2 = others.length > 0 ? listSockets({ ...base, protocols: others, selection: 'listening' }) : undefined;
  const [a, b] = await Promise.all([tcp, rest2]);
  return [...(a?.inet ?? []), ...(b?.inet ?? [])];
}

/** The Internet sockets process `pid` holds (which ports it uses), with their owners; only that process's fds are read. */
export async function socketsOfProcess(pid: number, query: Omit<SocketQuery, 'pid'> = {}): Promise<InetSocket[]> {
  if (typeof query !== 'object' || query === null) throw new NetstatError('query: must be an object', 'ERR_INVALID_ARG_TYPE');
  const list = await listSockets({ protocols: ['tcp', 'udp', 'udplite', 'raw'], ...query, pid, owners: true });
  return list.inet;
}
