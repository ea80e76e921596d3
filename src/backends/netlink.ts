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
 * Objects are built only here, from typed arrays, in one pass per table.
 */
import { NetstatError } from '../errors';
import {
  type InetFamily,
  type InetProtocol,
  type InetSocket,
  type ProcessRef,
  type SocketTimer,
  TcpState,
  UNIX_FLAG_ACCEPTCON,
  UnixState,
  type UnixSocket,
} from '../model';
import {
  INET_STRIDE,
  InetField,
  type NativeBinding,
  type PackedInet,
  type PackedOwners,
  type PackedUnix,
  UNIX_STRIDE,
  UnixField,
} from '../native';
import type { InetQuery, OwnerQuery, OwnerScan, OwnerSource, Selection, SocketBackend, Table, UnixQuery } from './types';

const AF_INET = 2;
const AF_INET6 = 10;
const PROTOCOL_NUMBERS: Record<InetProtocol, number> = { tcp: 6, udp: 17, udplite: 136, raw: 255 };

/** Kernel TCP states 1..12 (12 = TCP_NEW_SYN_RECV, the request sockets /proc shows as SYN_RECV). */
const ALL_STATES = 0x1ffe;
const LISTEN_BIT = 1 << TcpState.LISTEN;
// TCP_BOUND_INACTIVE (13) is never asked for: it makes every dump walk the bind hash,
// and /proc never lists those sockets anyway.

/** The inet_diag state mask for a selection: ask the kernel only for rows that can be shown. */
export function stateMask(protocol: InetProtocol, selection: Selection): number {
  if (protocol !== 'tcp') return ALL_STATES; // UDP/RAW states are 1 or 7; the query layer filters.
  if (selection === 'listening') return LISTEN_BIT;
  if (selection === 'connected') return ALL_STATES & ~LISTEN_BIT;
  return ALL_STATES;
}

/**
 * How unix sockets' text (paths) and program names are decoded. Kept equal to
 * the /proc backend's choice so both backends return the same strings.
 */
export const TEXT_ENCODING: BufferEncoding = 'utf8';

/**
 * Code thrown by {@link SocketBackend.unix} when the dump cannot reproduce
 * `/proc/net/unix` exactly: connections waiting in a listener's queue have no
 * inode and unix_diag does not list them, while /proc does (state CONNECTING).
 * The chooser answers it with the /proc backend for that table.
 */
export const ERR_UNIX_EMBRYOS = 'ERR_NETLINK_UNIX_EMBRYOS';

/** Wrap an error from the addon into a NetstatError keeping code/errno/syscall. */
export function toNetstatError(err: unknown, what: string): unknown {
  if (err instanceof NetstatError || err instanceof TypeError) return err;
  if (err instanceof Error) {
    const { code, errno, syscall } = err as Error & { code?: unknown; errno?: unknown; syscall?: unknown };
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

/**
 * The timer of a socket with none pending, shared by every such row (most of
 * them on a busy server): frozen, so no caller can change it for the others.
 */
const TIMER_OFF: SocketTimer = Object.freeze({ kind: 0, expiresMs: 0, retransmits: 0, probes: 0 });

/** The 64-bit cookie from its halves; one BigInt allocation while it fits a double exactly (it is a counter). */
function cookieOf(low: number, high: number): bigint {
  return high < 0x200000 ? BigInt(high * 0x100000000 + low) : (BigInt(high) << 32n) | BigInt(low);
}

/** Whether an address text is the wildcard (net-tools' UDP/RAW "server" test). */
function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/**
 * Build model records from one packed Internet dump, keeping the rows of the
 * selection by net-tools' rule (the /proc backend's too): a TCP server has
 * remote port 0, a UDP/RAW server an all-zero remote address.
 */
export function inetRows(packed: PackedInet, protocol: InetProtocol, family: InetFamily, selection: Selection = 'all'): InetSocket[] {
  const f = packed.fields;
  const addresses = packed.addresses;
  const rows: InetSocket[] = [];
  const isTcp = protocol === 'tcp';
  const isRaw = protocol === 'raw';
  const serverFlags = addresses.map(isWildcard);
  for (let o = 0; o < f.length; o += INET_STRIDE) {
    const state = f[o + InetField.State]!;
    const ports = f[o + InetField.Ports]!;
    const sport = ports >>> 16;
    const remotePort = isRaw ? 0 : ports & 0xffff;
    if (selection !== 'all') {
      const server = isTcp ? remotePort === 0 : serverFlags[f[o + InetField.RemoteAddress]!]!;
      if (server !== (selection === 'listening')) continue;
    }
    let timer: SocketTimer = TIMER_OFF;
    if (isTcp) {
      const kind = f[o + InetField.Timer]!;
      const diagRetrans = f[o + InetField.DiagRetrans]!;
      const hasInfo = f[o + InetField.HasInfo] === 1;
      const expiresMs = Math.floor(f[o + InetField.ExpiresMs]! / 10) * 10;
      const retransmits = hasInfo ? f[o + InetField.InfoRetransmits]! : kind === 1 ? diagRetrans : 0;
      const probes = hasInfo ? f[o + InetField.InfoProbes]! : kind === 2 || kind === 4 ? diagRetrans : 0;
      if (kind !== 0 || expiresMs !== 0 || retransmits !== 0 || probes !== 0) timer = { kind, expiresMs, retransmits, probes };
    }
    rows.push({
      protocol,
      family,
      localAddress: addresses[f[o + InetField.LocalAddress]!]!,
      localPort: sport,
      remoteAddress: addresses[f[o + InetField.RemoteAddress]!]!,
      remotePort,
      state,
      recvQueue: f[o + InetField.RecvQueue]!,
      sendQueue: isTcp && state === TcpState.LISTEN ? 0 : f[o + InetField.SendQueue]!,
      uid: f[o + InetField.Uid]!,
      timer,
      inode: f[o + InetField.Inode]!,
      cookie: cookieOf(f[o + InetField.CookieLow]!, f[o + InetField.CookieHigh]!),
    });
  }
  return rows;
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
 * Build model records from one packed UNIX dump, keeping the selection's rows
 * (servers = listening sockets, as net-tools decides). Throws
 * ERR_UNIX_EMBRYOS when the table cannot be exact.
 */
export function unixRows(packed: PackedUnix, selection: Selection = 'all'): UnixSocket[] {
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
  const rows: UnixSocket[] = [];
  for (let o = 0; o < f.length; o += UNIX_STRIDE) {
    const kernelState = f[o + UnixField.State]!;
    // net-tools' server test (UNCONNECTED + ACC) holds exactly for listeners here.
    if (selection !== 'all' && (kernelState === TcpState.LISTEN) !== (selection === 'listening')) continue;
    const inode = f[o + UnixField.Inode]!;
    const nameLength = f[o + UnixField.NameLength]!;
    const nameOffset = f[o + UnixField.NameOffset]!;
    rows.push({
      protocol: 0,
      refCount: unixRefCount(peerCounts, inode),
      flags: kernelState === TcpState.LISTEN ? UNIX_FLAG_ACCEPTCON : 0,
      type: f[o + UnixField.Type]!,
      // Every listed socket has a struct socket (an inode), so /proc's rule
      // reduces to: ESTABLISHED → CONNECTED, anything else → UNCONNECTED.
      state: kernelState === TcpState.ESTABLISHED ? UnixState.CONNECTED : UnixState.UNCONNECTED,
      inode,
      path: nameLength === 0 ? '' : packed.names.toString(TEXT_ENCODING, nameOffset, nameOffset + nameLength),
    });
  }
  return rows;
}

/** Build the owner map from one packed fd walk. */
export function ownerScan(packed: PackedOwners): OwnerScan {
  const owners = new Map<number, ProcessRef[]>();
  const byPid = new Map<number, ProcessRef>();
  const { inodes, pids, programOffsets, programLengths, programs } = packed;
  let ref: ProcessRef | undefined;
  for (let i = 0; i < inodes.length; i++) {
    const pid = pids[i]!;
    // Rows come grouped by process, so the previous row's process is the usual answer.
    if (ref === undefined || ref.pid !== pid) {
      ref = byPid.get(pid);
      if (ref === undefined) {
        const start = programOffsets[i]!;
        ref = { pid, program: programs.toString(TEXT_ENCODING, start, start + programLengths[i]!) };
        byPid.set(pid, ref);
      }
    }
    const inode = inodes[i]!;
    const list = owners.get(inode);
    if (list === undefined) owners.set(inode, [ref]);
    else if (list[list.length - 1] !== ref) list.push(ref); // one entry per process, like /proc order
  }
  return { owners, denied: packed.denied, vanished: packed.vanished, procUnreadable: packed.procUnreadable };
}

function familyNumber(family: InetFamily): number {
  return family === 'inet' ? AF_INET : AF_INET6;
}

function describe(query: InetQuery): string {
  return `sock_diag ${query.protocol}/${query.family}`;
}

/** The netlink SocketBackend over a loaded binding. */
export function createNetlinkBackend(binding: NativeBinding): SocketBackend {
  const args = (q: InetQuery) =>
    [familyNumber(q.family), PROTOCOL_NUMBERS[q.protocol], stateMask(q.protocol, q.selection), q.protocol === 'tcp' && q.timers] as const;
  return {
    name: 'netlink',
    inet(query: InetQuery): Table<InetSocket> {
      let packed: PackedInet;
      try {
        packed = binding.dumpInet(...args(query));
      } catch (err) {
        throw toNetstatError(err, describe(query));
      }
      return { rows: inetRows(packed, query.protocol, query.family, query.selection), malformed: 0 };
    },
    async inetAsync(query: InetQuery): Promise<Table<InetSocket>> {
      let packed: PackedInet;
      try {
        packed = await binding.dumpInetAsync(...args(query));
      } catch (err) {
        throw toNetstatError(err, describe(query));
      }
      return { rows: inetRows(packed, query.protocol, query.family, query.selection), malformed: 0 };
    },
    unix(query: UnixQuery): Table<UnixSocket> {
      let packed: PackedUnix;
      try {
        packed = binding.dumpUnix();
      } catch (err) {
        throw toNetstatError(err, 'sock_diag unix');
      }
      return { rows: unixRows(packed, query.selection), malformed: 0 };
    },
    async unixAsync(query: UnixQuery): Promise<Table<UnixSocket>> {
      let packed: PackedUnix;
      try {
        packed = await binding.dumpUnixAsync();
      } catch (err) {
        throw toNetstatError(err, 'sock_diag unix');
      }
      return { rows: unixRows(packed, query.selection), malformed: 0 };
    },
  };
}

/** Inodes as the addon takes them, or null for "map every socket". */
function wantedArray(query: OwnerQuery): Float64Array | null {
  return query.wanted === undefined ? null : Float64Array.from(query.wanted);
}

/** Two threads: the walk is bound by readlink in the kernel, and this machine class has two cores. */
const WALK_THREADS = 2;

/** The native /proc/PID/fd walk as an OwnerSource. */
export function createNativeOwners(binding: NativeBinding, procRoot: string): OwnerSource {
  return {
    name: 'netlink',
    scan(query: OwnerQuery): OwnerScan {
      try {
        return ownerScan(binding.scanOwners(procRoot, wantedArray(query), WALK_THREADS));
      } catch (err) {
        throw toNetstatError(err, `scanning ${procRoot}`);
      }
    },
    async scanAsync(query: OwnerQuery): Promise<OwnerScan> {
      try {
        return ownerScan(await binding.scanOwnersAsync(procRoot, wantedArray(query), WALK_THREADS));
      } catch (err) {
        throw toNetstatError(err, `scanning ${procRoot}`);
      }
    },
  };
}
