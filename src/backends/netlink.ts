/**
 * The sock_diag backend: turns the native engine's packed dumps into the
 * records of `model.ts`, with the semantics `/proc/net/*` has (which is what
 * net-tools prints). Every difference between what inet_diag/unix_diag report
 * and what `/proc` shows is settled here, in one place:
 *
 * - a TCP listener's Send-Q: inet_diag reports the backlog limit there, /proc
 *   shows `write_seq - snd_una`, which is 0 on a listener;
 * - timers: inet_diag gives milliseconds, /proc clock ticks (1/100 s,
 *   truncated); expiry is truncated to 10 ms so both say the same thing.
 *   `idiag_retrans` means retransmits or probes depending on the timer, so the
 *   two counters come from tcp_info (`tcpi_retransmits`, `tcpi_probes`), which
 *   are exactly /proc's `retrnsmt` and "timeout" columns;
 * - RAW sockets: /proc shows the protocol as the local "port" and 0 as the
 *   remote one;
 * - UNIX sockets: the state is /proc's `SS_*` value, the flags carry ACC for
 *   listeners, and the RefCnt (unix_diag has none) is derived, see
 *   {@link unixRefCount}.
 *
 * Rows are kept or dropped on their packed values (`filter.ts`) before any
 * object exists; objects are built only here, in one pass per table, and
 * counting (`visitInet`) builds none.
 */
import { availableParallelism } from 'node:os';
import { type AbortHandle, abortError } from '../abort';
import { NetstatError } from '../errors';
import { type SocketFilter, inetKeep, keepsEverything, unixKeep } from '../filter';
import { kernelText } from '../kernel-text';
import {
  type CgroupRef,
  type InetFamily,
  type InetProtocol,
  type InetSocket,
  type ProcessRef,
  type SocketTimer,
  TIMER_OFF,
  TcpState,
  UNIX_FLAG_ACCEPTCON,
  UnixState,
  type UnixSocket,
  tcpStateName,
  unixStateName,
  unixTypeName,
} from '../model';
import {
  COMPACT_STRIDE,
  CompactField,
  DumpCheck,
  INET_STRIDE,
  InetField,
  type NativeBinding,
  type PackedCompact,
  type PackedInet,
  type PackedInetPair,
  type InetBatch,
  type PackedOwners,
  type PackedUnix,
  UNIX_STRIDE,
  UnixField,
} from '../native';
import { kernelFilter } from './kernel-filter';
import { PackedOwnerIndex } from './owner-index';
import type { InetQuery, InetRowView, OwnerQuery, OwnerScan, OwnerSource, SocketBackend, Table, UnixQuery } from './types';

const AF_INET = 2;
const AF_INET6 = 10;
const PROTOCOL_NUMBERS: Record<InetProtocol, number> = { tcp: 6, udp: 17, udplite: 136, raw: 255 };

/** Kernel TCP states 1..12 (12 = TCP_NEW_SYN_RECV, the request sockets /proc shows as SYN_RECV). */
const ALL_STATES = 0x1ffe;
const LISTEN_BIT = 1 << TcpState.LISTEN;
const NEW_SYN_RECV_BIT = 1 << 12;
// TCP_BOUND_INACTIVE (13) is never asked for: it makes every dump walk the bind hash,
// and /proc never lists those sockets anyway.

/**
 * The inet_diag state mask for a filter: ask the kernel only for rows that
 * can be kept. A LISTEN socket always has remote port 0, so "connected" can
 * drop it; "listening" (remote port 0, which TCP_REPAIR can give a socket in
 * any state) cannot narrow the mask — the bytecode asks for the port instead.
 */
export function stateMask(protocol: InetProtocol, filter: SocketFilter): number {
  if (protocol !== 'tcp') return ALL_STATES; // UDP/RAW states are 1 or 7; the keep-test filters.
  let mask = ALL_STATES;
  if (filter.selection === 'connected') mask &= ~LISTEN_BIT;
  if (filter.inetStates !== undefined) {
    let wanted = filter.inetStates;
    // Request sockets (TCP_NEW_SYN_RECV) are reported, and shown by /proc, as SYN_RECV.
    if ((wanted & (1 << TcpState.SYN_RECV)) !== 0) wanted |= NEW_SYN_RECV_BIT;
    mask &= wanted;
  }
  return mask;
}

/**
 * Code thrown by {@link SocketBackend.unix} when the dump cannot reproduce
 * `/proc/net/unix` exactly: connections waiting in a listener's queue have no
 * inode and unix_diag does not list them, while /proc does (state CONNECTING).
 * The chooser answers it with the /proc backend for that table.
 */
export const ERR_UNIX_EMBRYOS = 'ERR_NETLINK_UNIX_EMBRYOS';

/**
 * Wrap an error from the addon into a NetstatError keeping code/errno/syscall;
 * a dump or walk stopped by its cancel flag becomes the query's AbortError.
 */
export function toNetstatError(err: unknown, what: string, abort?: AbortHandle): unknown {
  if (err instanceof NetstatError || err instanceof TypeError) return err;
  if (err instanceof Error) {
    const { code, errno, syscall } = err as Error & { code?: unknown; errno?: unknown; syscall?: unknown };
    if (code === 'ECANCELED' && abort !== undefined) return abortError(abort.signal);
    if (typeof code === 'string') {
      return new NetstatError(`${what}: ${err.message}`, code, {
        errno: typeof errno === 'number' ? errno : undefined,
        syscall: typeof syscall === 'string' ? syscall : undefined,
        cause: err,
      });
    }
  }
  return err;
}

/** A 64-bit number (a cookie, a cgroup id) from its halves, as decimal text (JSON-safe; a double holds it exactly below 2^53). */
export function cookieOf(low: number, high: number): string {
  return high < 0x200000 ? String(high * 0x100000000 + low) : ((BigInt(high) << 32n) | BigInt(low)).toString();
}

/**
 * The filter's keep-test on a packed row (`o`: the row's first slot), or
 * undefined when the filter keeps every row. What `inetRows` keeps, for
 * callers that read the packed slots themselves (the packed printer).
 */
export function packedInetKeep(packed: PackedInet, protocol: InetProtocol, filter: SocketFilter): ((o: number) => boolean) | undefined {
  if (keepsEverything(filter)) return undefined;
  const f = packed.fields;
  const addresses = packed.addresses;
  const keep = inetKeep(filter, protocol);
  const isRaw = protocol === 'raw';
  const cgroups = filter.cgroupIds;
  return (o) => {
    if (cgroups !== undefined && !cgroups.has(cgroupText(f[o + InetField.CgroupLow]!, f[o + InetField.CgroupHigh]!))) return false;
    const ports = f[o + InetField.Ports]!;
    return keep(
      f[o + InetField.State]!,
      ports >>> 16,
      inetRemotePort(ports, isRaw),
      addresses[f[o + InetField.LocalAddress]!]!,
      addresses[f[o + InetField.RemoteAddress]!]!,
      f[o + InetField.Uid]!,
    );
  };
}

/** How many rows of a packed Internet dump the filter keeps. */
export function packedInetKept(packed: PackedInet, protocol: InetProtocol, filter: SocketFilter): number {
  const keep = packedInetKeep(packed, protocol, filter);
  const f = packed.fields;
  if (keep === undefined) return f.length / INET_STRIDE;
  let kept = 0;
  for (let o = 0; o < f.length; o += INET_STRIDE) if (keep(o)) kept++;
  return kept;
}

/** The inodes of the rows of a packed Internet dump the filter keeps. */
export function packedInetInodes(packed: PackedInet, protocol: InetProtocol, filter: SocketFilter, add: (inode: number) => void): void {
  forEachKept(packed, protocol, filter, (o) => add(packed.fields[o + InetField.Inode]!));
}

/** Walk the kept rows of a packed Internet dump; `each(offset)` gets the row's first slot. */
function forEachKept(packed: PackedInet, protocol: InetProtocol, filter: SocketFilter, each: (o: number) => void): void {
  const f = packed.fields;
  const keep = packedInetKeep(packed, protocol, filter);
  if (keep === undefined) {
    for (let o = 0; o < f.length; o += INET_STRIDE) each(o);
    return;
  }
  for (let o = 0; o < f.length; o += INET_STRIDE) if (keep(o)) each(o);
}

/** The remote port /proc shows, from the packed `Ports` slot: RAW sockets show 0. */
export function inetRemotePort(ports: number, isRaw: boolean): number {
  return isRaw ? 0 : ports & 0xffff;
}

/** The Send-Q /proc shows: a TCP listener's is 0 (inet_diag reports its backlog limit there). */
export function inetSendQueue(f: Uint32Array, o: number, isTcp: boolean): number {
  return isTcp && f[o + InetField.State] === TcpState.LISTEN ? 0 : f[o + InetField.SendQueue]!;
}

/**
 * The timer /proc shows for a packed TCP row (other protocols have none:
 * {@link TIMER_OFF}). Expiry is truncated to clock ticks (10 ms); the
 * counters come from tcp_info, else from `idiag_retrans` by timer kind.
 */
export function inetTimer(f: Uint32Array, o: number, isTcp: boolean): SocketTimer {
  if (!isTcp) return TIMER_OFF;
  const kind = f[o + InetField.Timer]!;
  const diagRetrans = f[o + InetField.DiagRetrans]!;
  const hasInfo = f[o + InetField.HasInfo] === 1;
  const expiresMs = Math.floor(f[o + InetField.ExpiresMs]! / 10) * 10;
  const retransmits = hasInfo ? f[o + InetField.InfoRetransmits]! : kind === 1 ? diagRetrans : 0;
  const probes = hasInfo ? f[o + InetField.InfoProbes]! : kind === 2 || kind === 4 ? diagRetrans : 0;
  if (kind !== 0 || expiresMs !== 0 || retransmits !== 0 || probes !== 0) return { kind, expiresMs, retransmits, probes };
  return TIMER_OFF;
}

/**
 * Build model records from one packed Internet dump, keeping the rows the
 * filter keeps; appended to `rows` (a streamed table's batches go into one
 * array, sharing their `cgroups` objects).
 */
export function inetRows(
  packed: PackedInet,
  protocol: InetProtocol,
  family: InetFamily,
  filter: SocketFilter = { selection: 'all' },
  rows: InetSocket[] = [],
  cgroups = new CgroupRefs(),
): InetSocket[] {
  const f = packed.fields;
  const addresses = packed.addresses;
  const isTcp = protocol === 'tcp';
  const isRaw = protocol === 'raw';
  forEachKept(packed, protocol, filter, (o) => {
    const state = f[o + InetField.State]!;
    const timer = inetTimer(f, o, isTcp);
    const ports = f[o + InetField.Ports]!;
    rows.push({
      protocol,
      family,
      localAddress: addresses[f[o + InetField.LocalAddress]!]!,
      localPort: ports >>> 16,
      remoteAddress: addresses[f[o + InetField.RemoteAddress]!]!,
      remotePort: inetRemotePort(ports, isRaw),
      state,
      stateName: tcpStateName(state),
      recvQueue: f[o + InetField.RecvQueue]!,
      sendQueue: inetSendQueue(f, o, isTcp),
      uid: f[o + InetField.Uid]!,
      timer,
      inode: f[o + InetField.Inode]!,
      cookie: cookieOf(f[o + InetField.CookieLow]!, f[o + InetField.CookieHigh]!),
      // Always present (undefined when none, which JSON leaves out): one object shape for every row.
      cgroup: cgroups.of(f[o + InetField.CgroupLow]!, f[o + InetField.CgroupHigh]!),
    });
  });
  return rows;
}

/** The one view object a visit fills in for every row. */
function emptyView(protocol: InetProtocol, family: InetFamily): InetRowView {
  return { protocol, family, state: 0, stateName: '', localPort: 0, uid: 0, inode: 0, recvQueue: 0, sendQueue: 0, cgroupId: '' };
}

/**
 * The records' `cgroup` objects, one per distinct id and frozen (sockets of
 * one cgroup share it, as the rows of a namespace share its `netns`): a busy
 * server has a few cgroups and many sockets, so this is one comparison per
 * row instead of a number-to-text conversion and an object.
 */
class CgroupRefs {
  private readonly byId = new Map<number, CgroupRef>();
  private lastLow = 0;
  private lastHigh = 0;
  private last: CgroupRef | undefined;

  of(low: number, high: number): CgroupRef | undefined {
    if (low === this.lastLow && high === this.lastHigh) return this.last;
    this.lastLow = low;
    this.lastHigh = high;
    if (low === 0 && high === 0) return (this.last = undefined);
    // Exact as a key below 2^53; above, the text (rarely reached: ids count up from 1).
    const key = high < 0x200000 ? high * 0x100000000 + low : NaN;
    let ref = Number.isNaN(key) ? undefined : this.byId.get(key);
    if (ref === undefined) {
      ref = Object.freeze({ id: cookieOf(low, high) });
      if (!Number.isNaN(key)) this.byId.set(key, ref);
    }
    return (this.last = ref);
  }
}

/** A cgroup id's text from its halves, `''` for none (0). */
function cgroupText(low: number, high: number): string {
  return low === 0 && high === 0 ? '' : cookieOf(low, high);
}

/** Called with each kept row; the view is reused for the next row (copy what must outlive the call). */
export type RowVisitor = (row: InetRowView) => void;

/** Visit the kept rows of a packed dump through one reused view object (no object per row). */
export function visitInetRows(packed: PackedInet, protocol: InetProtocol, family: InetFamily, filter: SocketFilter, visit: RowVisitor): void {
  const f = packed.fields;
  const view = emptyView(protocol, family);
  const isTcp = protocol === 'tcp';
  forEachKept(packed, protocol, filter, (o) => {
    view.state = f[o + InetField.State]!;
    view.stateName = tcpStateName(view.state);
    view.localPort = f[o + InetField.Ports]! >>> 16;
    view.uid = f[o + InetField.Uid]!;
    view.inode = f[o + InetField.Inode]!;
    view.recvQueue = f[o + InetField.RecvQueue]!;
    view.sendQueue = inetSendQueue(f, o, isTcp);
    view.cgroupId = cgroupText(f[o + InetField.CgroupLow]!, f[o + InetField.CgroupHigh]!);
    visit(view);
  });
}

/**
 * Whether the kernel's dump already applies every part of the filter that
 * needs a row's addresses or remote port (the state mask and the bytecode
 * do), so compact rows — state, local port, uid, inode — are enough to
 * decide the rest. Not for net-tools' "connected" TCP rule (a TCP_REPAIR
 * socket in any state can have remote port 0), UDP/RAW servers (a wildcard
 * remote address), RAW remote ports (0 in the records) or a bytecode too
 * large for one attribute.
 */
export function compactSuffices(protocol: InetProtocol, filter: SocketFilter, bytecode: Buffer | null): boolean {
  if (filter.selection === 'connected' || (filter.selection === 'listening' && protocol !== 'tcp')) return false;
  if (protocol === 'raw' && filter.remotePorts !== undefined) return false;
  const needsBytecode =
    filter.localPorts !== undefined ||
    filter.remotePorts !== undefined ||
    filter.localAddresses !== undefined ||
    filter.remoteAddresses !== undefined ||
    filter.selection === 'listening';
  return !needsBytecode || bytecode !== null;
}

/** Visit compact rows, testing what the kernel did not: states (UDP/RAW have no mask) and uids. */
export function visitCompactRows(packed: PackedCompact, protocol: InetProtocol, family: InetFamily, filter: SocketFilter, visit: RowVisitor): void {
  const f = packed.fields;
  const { inetStates, uids, cgroupIds } = filter;
  const view = emptyView(protocol, family);
  const isTcp = protocol === 'tcp';
  for (let o = 0; o < f.length; o += COMPACT_STRIDE) {
    const state = f[o + CompactField.State]!;
    const uid = f[o + CompactField.Uid]!;
    if (inetStates !== undefined && (inetStates & (1 << state)) === 0) continue;
    if (uids !== undefined && !uids.has(uid)) continue;
    const cgroupId = cgroupText(f[o + CompactField.CgroupLow]!, f[o + CompactField.CgroupHigh]!);
    if (cgroupIds !== undefined && !cgroupIds.has(cgroupId)) continue;
    view.state = state;
    view.stateName = tcpStateName(state);
    view.localPort = f[o + CompactField.LocalPort]!;
    view.uid = uid;
    view.inode = f[o + CompactField.Inode]!;
    view.recvQueue = f[o + CompactField.RecvQueue]!;
    // As in the records: a TCP listener's Send-Q is 0 (/proc), not its backlog limit.
    view.sendQueue = isTcp && state === TcpState.LISTEN ? 0 : f[o + CompactField.SendQueue]!;
    view.cgroupId = cgroupId;
    visit(view);
  }
}

/**
 * RefCnt as /proc/net/unix prints it (`sk_refcnt`). unix_diag does not report
 * it, so it is derived from what holds a reference to a listed socket: its
 * open file (1), its entry in the namespace's socket table (1, `sk_add_node`),
 * and each socket whose peer it is (`unix_peer` holds one; a connected stream
 * pair is 3 each, a DGRAM server has 2 + its connected clients). Transient
 * references (a send in progress, another diag or /proc reader) are not
 * counted, and /proc shows them only while they last. Known limit: clients in
 * *another* network namespace connected to a DGRAM socket bound to a
 * filesystem path hold a reference this namespace's dump cannot see (see
 * native/README.md).
 */
export function unixRefCount(peerCounts: Map<number, number>, inode: number): number {
  return 2 + (peerCounts.get(inode) ?? 0);
}

/**
 * Build model records from one packed UNIX dump, keeping the filter's rows
 * (net-tools' servers are the listening sockets). Throws ERR_UNIX_EMBRYOS
 * when the table cannot be exact.
 */
export function unixRows(packed: PackedUnix, filter: SocketFilter = { selection: 'all' }): UnixSocket[] {
  const f = packed.fields;
  const peerCounts = new Map<number, number>();
  for (let o = 0; o < f.length; o += UNIX_STRIDE) {
    if (f[o + UnixField.State] === TcpState.LISTEN && f[o + UnixField.RecvQueue]! > 0) {
      throw new NetstatError(
        'unix_diag cannot list connections waiting to be accepted; /proc/net/unix is needed for an exact table',
        ERR_UNIX_EMBRYOS,
      );
    }
    const peer = f[o + UnixField.PeerInode]!;
    if (peer !== 0) peerCounts.set(peer, (peerCounts.get(peer) ?? 0) + 1);
  }
  const keep = unixKeep(filter);
  const rows: UnixSocket[] = [];
  for (let o = 0; o < f.length; o += UNIX_STRIDE) {
    const kernelState = f[o + UnixField.State]!;
    const flags = kernelState === TcpState.LISTEN ? UNIX_FLAG_ACCEPTCON : 0;
    // Every listed socket has a struct socket (an inode), so /proc's rule
    // reduces to: ESTABLISHED → CONNECTED, anything else → UNCONNECTED.
    const state = kernelState === TcpState.ESTABLISHED ? UnixState.CONNECTED : UnixState.UNCONNECTED;
    const stateName = unixStateName(state, flags);
    if (!keep(stateName)) continue;
    const inode = f[o + UnixField.Inode]!;
    const type = f[o + UnixField.Type]!;
    const nameLength = f[o + UnixField.NameLength]!;
    const nameOffset = f[o + UnixField.NameOffset]!;
    const name = nameLength === 0 ? { text: '' } : kernelText(packed.names, nameOffset, nameOffset + nameLength);
    const row: UnixSocket = {
      protocol: 0,
      refCount: unixRefCount(peerCounts, inode),
      flags,
      type,
      state,
      stateName,
      typeName: unixTypeName(type),
      inode,
      path: name.text,
    };
    if (name.base64 !== undefined) row.pathBase64 = name.base64;
    rows.push(row);
  }
  return rows;
}

/** The owners of one packed fd walk: a record per process, the rows indexed in place. */
export function ownerScan(packed: PackedOwners): OwnerScan {
  const processes = new Map<number, ProcessRef>();
  const { inodes, pids, programOffsets, programLengths, programs } = packed;
  let previous = -1;
  for (let i = 0; i < inodes.length; i++) {
    const pid = pids[i]!;
    // Rows come grouped by process: a new PID is the rare case.
    if (pid === previous) continue;
    previous = pid;
    if (processes.has(pid)) continue;
    const start = programOffsets[i]!;
    const program = kernelText(programs, start, start + programLengths[i]!);
    processes.set(pid, program.base64 === undefined ? { pid, program: program.text } : { pid, program: program.text, programBase64: program.base64 });
  }
  const owners = new PackedOwnerIndex(inodes, pids, processes);
  const scan: OwnerScan = { owners, denied: packed.denied, vanished: packed.vanished, procUnreadable: packed.procUnreadable };
  if (packed.deniedPids !== undefined && packed.deniedPids.length > 0) scan.deniedPids = Array.from(packed.deniedPids);
  return scan;
}

function familyNumber(family: InetFamily): number {
  return family === 'inet' ? AF_INET : AF_INET6;
}

/** How an Internet dump is named in errors; `families`: `inet`, `inet6`, or `inet+inet6` for one dump of both. */
function describe(query: InetBothQuery, families: string): string {
  const where = query.netns === undefined ? '' : ` in network namespace ${query.netns.label}`;
  return `sock_diag ${query.protocol}/${families}${where}`;
}

function describeUnix(query: UnixQuery): string {
  return query.netns === undefined ? 'sock_diag unix' : `sock_diag unix in network namespace ${query.netns.label}`;
}

/**
 * Run one native call for a query: an abort that already happened stops it
 * first, and its errors come out as NetstatErrors (a cancelled one as the
 * query's AbortError).
 */
function guarded<T>(abort: AbortHandle | undefined, what: string, call: () => T): T {
  abort?.check();
  try {
    return call();
  } catch (err) {
    throw toNetstatError(err, what, abort);
  }
}

async function guardedAsync<T>(abort: AbortHandle | undefined, what: string, call: () => Promise<T>): Promise<T> {
  abort?.check();
  try {
    return await call();
  } catch (err) {
    throw toNetstatError(err, what, abort);
  }
}

/** A query for both families of one protocol's tables (see {@link NetlinkBackend.inetBoth}). */
export type InetBothQuery = Omit<InetQuery, 'family'>;

/** The two tables of one protocol, read together. */
export interface InetPair {
  inet: Table<InetSocket>;
  inet6: Table<InetSocket>;
}

/**
 * The protocols one dump can list for both families: TCP only — the kernel's
 * old TCPDIAG_GETSOCK request runs for AF_UNSPEC (one walk of the hash
 * tables instead of one per family); no other protocol has such a request.
 */
export function dumpsBothFamilies(protocol: InetProtocol): boolean {
  return protocol === 'tcp';
}

/** The netlink backend: a SocketBackend, and both families of TCP from one dump. */
export interface NetlinkBackend extends SocketBackend {
  /**
   * Both families' tables of a protocol {@link dumpsBothFamilies} covers,
   * from one dump: the same rows as `inet` (or, with `packed`, `inetPacked`)
   * gives for each family. Throws as `inet` does.
   */
  inetBoth(query: InetBothQuery, packed: boolean): InetPair;
  /**
   * The same two tables off the main thread, as two streams (one per
   * family) rather than one dump: the records of a batch are built while
   * the kernel walks for the next, which costs less time than the one
   * walk saves. Throws as `inetAsync` does.
   */
  inetBothAsync(query: InetBothQuery): Promise<InetPair>;
}

/** The engine's second-read rule for a query's `verify` (undefined: the engine's own bound). */
function dumpCheck(verify: boolean | undefined): DumpCheck {
  return verify === undefined ? DumpCheck.Auto : verify ? DumpCheck.Always : DumpCheck.Never;
}

/** The netlink SocketBackend over a loaded binding. */
export function createNetlinkBackend(binding: NativeBinding): NetlinkBackend {
  /** dumpInetBoth's arguments for a query (the bytecode compiled once per call). */
  const bothArgs = (q: InetBothQuery) =>
    [
      PROTOCOL_NUMBERS[q.protocol],
      stateMask(q.protocol, q.filter),
      q.protocol === 'tcp' && q.timers,
      kernelFilter(q.protocol, q.filter),
      q.netns?.path ?? null,
      q.abort?.flag ?? null,
      dumpCheck(q.verify),
    ] as const;
  /** dumpInet's: the family first. */
  const args = (q: InetQuery) => [familyNumber(q.family), ...bothArgs(q)] as const;
  const dump = (q: InetQuery, a = args(q)) => guarded(q.abort, describe(q, q.family), () => binding.dumpInet(...a));
  const dumpAsync = (q: InetQuery, a = args(q)) => guardedAsync(q.abort, describe(q, q.family), () => binding.dumpInetAsync(...a));
  const records = (pair: PackedInetPair, q: InetBothQuery): InetPair => ({
    inet: { rows: inetRows(pair.inet, q.protocol, 'inet', q.filter), malformed: 0 },
    inet6: { rows: inetRows(pair.inet6, q.protocol, 'inet6', q.filter), malformed: 0 },
  });
  const packedTable = (packed: PackedInet, q: InetBothQuery): Table<InetSocket> => ({
    rows: [],
    malformed: 0,
    packed: { dump: packed, kept: packedInetKept(packed, q.protocol, q.filter) },
  });
  const stream = (q: InetQuery, afterFirst = false): Table<InetSocket> => {
    const what = describe(q, q.family);
    const flag = q.abort?.flag ?? null;
    const handle = guarded(q.abort, what, () => binding.openInetStream(...args(q)));
    // The dump's address texts, each sent once: every batch's rows index this one array.
    const addresses: string[] = [];
    const packedOf = (batch: InetBatch): PackedInet => {
      if (batch.addressBase !== addresses.length) throw new NetstatError(`${what}: address texts out of step`, 'ERR_NATIVE_PROTOCOL');
      for (const text of batch.addresses) addresses.push(text);
      return { fields: batch.fields, addresses };
    };
    const first = afterFirst ? NO_ROWS_YET : guarded(q.abort, what, () => binding.readInetStream(handle, 1, flag));
    // The kernel's part on a pool thread, one batch ahead; the packing here,
    // while the next batch is received.
    const receive = (): Promise<{ done: boolean }> => {
      const read = guardedAsync(q.abort, what, () => binding.receiveInetStreamAsync(handle, STREAM_BATCH_ROWS, flag));
      read.catch(() => undefined); // a failure is reported to whoever awaits it, or nobody: never as unhandled
      return read;
    };
    let ahead = first.done ? undefined : receive();
    // Rows are packed into the array of the batch before (a batch is printed before the next is asked for).
    let into: Uint32Array | null = null;
    const more = async (): Promise<PackedInet | undefined> => {
      if (ahead === undefined) return undefined;
      const received = await ahead;
      ahead = received.done ? undefined : receive();
      const batch = guarded(q.abort, what, () => binding.packInetStream(handle, into));
      into = reusable(batch.fields);
      return packedOf(batch);
    };
    const dump = packedOf(first);
    return { rows: [], malformed: 0, packed: { dump, kept: packedInetKept(dump, q.protocol, q.filter), more } };
  };
  /**
   * An Internet table's records, read as a stream: the records of one batch
   * are built here while the kernel builds the next on a pool thread, so the
   * JavaScript work hides behind the kernel's (the call costs little more
   * than the dump).
   */
  const streamRowsAsync = async (q: InetQuery): Promise<InetSocket[]> => {
    const what = describe(q, q.family);
    const flag = q.abort?.flag ?? null;
    const handle = guarded(q.abort, what, () => binding.openInetStream(...args(q)));
    const receive = () => guardedAsync(q.abort, what, () => binding.receiveInetStreamAsync(handle, STREAM_BATCH_ROWS, flag));
    let into: Uint32Array | null = null;
    const addresses: string[] = [];
    const rows: InetSocket[] = [];
    const cgroups = new CgroupRefs();
    let next: Promise<{ done: boolean }> | undefined = receive();
    while (next !== undefined) {
      const received: { done: boolean } = await next;
      next = received.done ? undefined : receive();
      try {
        const batch = guarded(q.abort, what, () => binding.packInetStream(handle, into));
        into = reusable(batch.fields);
        if (batch.addressBase !== addresses.length) throw new NetstatError(`${what}: address texts out of step`, 'ERR_NATIVE_PROTOCOL');
        for (const text of batch.addresses) addresses.push(text);
        inetRows({ fields: batch.fields, addresses }, q.protocol, q.family, q.filter, rows, cgroups);
      } catch (err) {
        next?.catch(() => undefined); // the receive in flight ends on its own; its outcome is of no interest now
        throw err;
      }
    }
    return rows;
  };
  const dumpUnix = (q: UnixQuery) =>
    guarded(q.abort, describeUnix(q), () => binding.dumpUnix(q.netns?.path ?? null, q.abort?.flag ?? null, dumpCheck(q.verify)));
  const dumpUnixAsync = (q: UnixQuery) =>
    guardedAsync(q.abort, describeUnix(q), () => binding.dumpUnixAsync(q.netns?.path ?? null, q.abort?.flag ?? null, dumpCheck(q.verify)));
  return {
    name: 'netlink',
    inet: (q) => ({ rows: inetRows(dump(q), q.protocol, q.family, q.filter), malformed: 0 }),
    inetAsync: async (q) => ({ rows: await streamRowsAsync(q), malformed: 0 }),
    inetPacked: (q) => packedTable(dump(q), q),
    inetStream: stream,
    inetBoth: (q, packed) => {
      const pair = guarded(q.abort, describe(q, 'inet+inet6'), () => binding.dumpInetBoth(...bothArgs(q)));
      return packed ? { inet: packedTable(pair.inet, q), inet6: packedTable(pair.inet6, q) } : records(pair, q);
    },
    // Two streams (one per family) rather than one dump of both: the records are built while the kernel walks.
    inetBothAsync: async (q) => {
      const [inet, inet6] = await Promise.all([streamRowsAsync({ ...q, family: 'inet' }), streamRowsAsync({ ...q, family: 'inet6' })]);
      return { inet: { rows: inet, malformed: 0 }, inet6: { rows: inet6, malformed: 0 } };
    },
    unix: (q) => ({ rows: unixRows(dumpUnix(q), q.filter), malformed: 0 }),
    unixAsync: async (q) => ({ rows: unixRows(await dumpUnixAsync(q), q.filter), malformed: 0 }),
    // Counting: compact rows when the kernel's filter suffices, else the full dump.
    visitInet(q, visit) {
      const a = args(q);
      const [family, protocol, states, , bytecode, netns, cancel, check] = a;
      if (compactSuffices(q.protocol, q.filter, bytecode)) {
        const packed = guarded(q.abort, describe(q, q.family), () => binding.dumpInetCompact(family, protocol, states, bytecode, netns, cancel, check));
        visitCompactRows(packed, q.protocol, q.family, q.filter, visit);
      } else {
        visitInetRows(dump(q, a), q.protocol, q.family, q.filter, visit);
      }
      return 0;
    },
    async visitInetAsync(q, visit) {
      const a = args(q);
      const [family, protocol, states, , bytecode, netns, cancel, check] = a;
      if (compactSuffices(q.protocol, q.filter, bytecode)) {
        const packed = await guardedAsync(q.abort, describe(q, q.family), () =>
          binding.dumpInetCompactAsync(family, protocol, states, bytecode, netns, cancel, check),
        );
        visitCompactRows(packed, q.protocol, q.family, q.filter, visit);
      } else {
        visitInetRows(await dumpAsync(q, a), q.protocol, q.family, q.filter, visit);
      }
      return 0;
    },
  };
}

/** Inodes as the addon takes them, or null for "map every socket". */
function wantedArray(query: OwnerQuery): Float64Array | null {
  return query.wanted === undefined ? null : Float64Array.from(query.wanted);
}

function pidArray(query: OwnerQuery): Int32Array | null {
  return query.pids === undefined ? null : Int32Array.from(query.pids);
}

/**
 * Rows per batch of a streamed dump: ~13 of the kernel's datagrams, ~300 KB
 * packed — big enough that the hand-over per batch (a pool job, one typed
 * array) is noise, small enough that printing starts at once and memory
 * stays flat.
 */
const STREAM_BATCH_ROWS = 4096;
/** The first batch of a stream not read up front (`afterFirst`): no rows, nothing received yet. */
const NO_ROWS_YET: InetBatch = Object.freeze({ fields: new Uint32Array(0), addresses: Object.freeze([]) as unknown as string[], addressBase: 0, done: false });
/**
 * The array the next batch of a stream is packed into: the whole buffer of
 * the batch just used (the engine's own, or the one it was packed into; never
 * shared with anything else). The first batch of a stream gets an array of its
 * own size, so a table of a few rows costs a few rows — not a batch-sized array
 * per stream and call, which a busy caller of the async API would leave for
 * the collector by the megabyte.
 */
function reusable(fields: Uint32Array): Uint32Array {
  return new Uint32Array(fields.buffer);
}

/** A thread per core for the /proc walk: its cost is readlink in the kernel, which every core can do at once. */
export const WALK_THREADS = availableParallelism();

/** The native /proc/PID/fd walk as an OwnerSource. */
export function createNativeOwners(binding: NativeBinding, procRoot: string): OwnerSource {
  return {
    name: 'native',
    scan: (query) =>
      ownerScan(
        guarded(query.abort, `scanning ${procRoot}`, () =>
          binding.scanOwners(procRoot, wantedArray(query), WALK_THREADS, pidArray(query), query.abort?.flag ?? null),
        ),
      ),
    scanAsync: async (query) =>
      ownerScan(
        await guardedAsync(query.abort, `scanning ${procRoot}`, () =>
          binding.scanOwnersAsync(procRoot, wantedArray(query), WALK_THREADS, pidArray(query), query.abort?.flag ?? null),
        ),
      ),
  };
}
