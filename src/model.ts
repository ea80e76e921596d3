/**
 * The one netstat data model.
 *
 * Every socket source (the /proc readers in `backends/procfs.ts`, the
 * sock_diag engine in `backends/netlink.ts`) normalises into these types; the
 * printer, the CLI and library users see nothing else. Units are decided here
 * once:
 *
 * - addresses are canonical text as glibc's `inet_ntop` writes it
 *   (`127.0.0.1`, `::1`, `::ffff:127.0.0.1`, `fe80::1`);
 * - ports are numbers (host order), 0 meaning "none/wildcard";
 * - states are the kernel's numbers (see {@link TcpState}, {@link UnixState});
 * - queues are bytes (or, for a TCP listener, connections waiting in the accept
 *   queue), exactly as the kernel reports them to /proc;
 * - times are milliseconds;
 * - text from the kernel (UNIX paths, program names) is decoded as UTF-8 for
 *   reading; where the kernel's bytes are not valid UTF-8 the record also
 *   carries them, base64-encoded (`pathBase64`, `programBase64`), and the
 *   printer prints those bytes, exactly as net-tools does;
 * - every record is plain JSON data (no bigint, no class instances): it
 *   survives `JSON.stringify`, `structuredClone` and `postMessage` unchanged,
 *   and its JSON form is described by `schema/socket.schema.json`.
 *
 * The semantics follow what `/proc/net/*` shows, because that is what net-tools
 * `netstat` prints and what this project must reproduce byte for byte; the
 * netlink backend converts to them.
 */

/** Transport protocols of the Internet section, in net-tools' section order. */
export type InetProtocol = 'tcp' | 'udp' | 'udplite' | 'raw';

/** The Internet protocols in the order net-tools lists their sections. */
export const INET_PROTOCOLS: readonly InetProtocol[] = ['tcp', 'udp', 'udplite', 'raw'];

/** Address family of an Internet socket (`inet6` includes v4-mapped sockets). */
export type InetFamily = 'inet' | 'inet6';

/** Both families, IPv4 first, the order in which net-tools reads their files. */
export const INET_FAMILIES: readonly InetFamily[] = ['inet', 'inet6'];

/** TCP states as the kernel numbers them (`include/net/tcp_states.h`). */
export enum TcpState {
  ESTABLISHED = 1,
  SYN_SENT = 2,
  SYN_RECV = 3,
  FIN_WAIT1 = 4,
  FIN_WAIT2 = 5,
  TIME_WAIT = 6,
  CLOSE = 7,
  CLOSE_WAIT = 8,
  LAST_ACK = 9,
  LISTEN = 10,
  CLOSING = 11,
}

/**
 * The kind of timer pending on a TCP socket, numbered as the `tr` column of
 * `/proc/net/tcp` (and `idiag_timer` of inet_diag) numbers it.
 */
export enum TimerKind {
  OFF = 0,
  /** Retransmission (also loss-probe and reorder timers). */
  ON = 1,
  KEEPALIVE = 2,
  TIMEWAIT = 3,
  /** Zero-window probe. */
  PROBE = 4,
}

/** A pending timer, as `netstat -o` shows it. */
export interface SocketTimer {
  /** Which timer is pending; {@link TimerKind.OFF} when none. */
  kind: number;
  /** Time until it fires, in milliseconds (0 when off). */
  expiresMs: number;
  /** Retransmissions so far (`icsk_retransmits`); the `R` of `netstat -o`. */
  retransmits: number;
  /**
   * Unanswered keepalive or zero-window probes (`icsk_probes_out`); the `T` of
   * `netstat -o` (the "timeout" column of `/proc/net/tcp`).
   */
  probes: number;
}

/**
 * The timer of a socket with none pending, shared by every such row (most of
 * them on a busy server) to save an object per row: frozen, so no caller can
 * change it for the others.
 */
export const TIMER_OFF: SocketTimer = Object.freeze({ kind: 0, expiresMs: 0, retransmits: 0, probes: 0 });

/** A process holding a socket open. */
export interface ProcessRef {
  pid: number;
  /**
   * The program as net-tools names it: `argv[0]` from `/proc/PID/cmdline`,
   * reduced to its base name when it is an absolute path, otherwise as is
   * (it may hold `/` or blanks). Empty for processes without a command line.
   * Bytes that are not valid UTF-8 read as U+FFFD here; see `programBase64`.
   */
  program: string;
  /** The program's bytes, base64, present only when they are not valid UTF-8. */
  programBase64?: string;
}

/**
 * The network namespace a socket lives in. Present on records only when the
 * query asked for namespaces (`netns`); a socket belongs to exactly one.
 */
export interface NetnsRef {
  /** The namespace's inode (`net:[INODE]` in `/proc/PID/ns/net`): its identity on this host. */
  inode: number;
  /** Its name under `/run/netns`, when one is bound there. */
  name?: string;
  /** A process inside it (the lowest PID found), when there is one. */
  pid?: number;
}

/** A container runtime's view of a cgroup (see {@link CgroupRef.container}). */
export interface ContainerRef {
  /** `docker`, `containerd`, `cri-o`, `podman`, or `systemd` for a plain unit (service or scope). */
  runtime: string;
  /** The container id (64 hex digits for the runtimes), or the systemd unit's name. */
  id: string;
}

/** The cgroup (v2) a socket was created in, from the kernel (`INET_DIAG_CGROUP_ID`). */
export interface CgroupRef {
  /** The kernel's cgroup id, as decimal text (JSON-safe). */
  id: string;
  /** Its path below the cgroup2 mount (`/system.slice/nginx.service`), when it still exists and could be read. */
  path?: string;
  /** The container (or systemd unit) the path belongs to, when it names one. */
  container?: ContainerRef;
}

/** Fields shared by every socket record. */
export interface SocketBase {
  /** The socket's network namespace; present only when the query asked for namespaces. */
  netns?: NetnsRef;
  /** Inode number of the socket (0 for TIME_WAIT and not-yet-accepted sockets). */
  inode: number;
  /**
   * Processes holding the socket, in `/proc` directory order: the first one is
   * the process net-tools shows with `-p`. Present only when owners were asked
   * for; empty when none could be found (or none was readable).
   */
  owners?: ProcessRef[];
  /**
   * The process net-tools shows with `-p` (the first of `owners`): its pid and
   * program, or `null` when no holder could be found. Present only when owners
   * were asked for.
   */
  pid?: number | null;
  program?: string | null;
}

/** A TCP, UDP, UDP-Lite or RAW socket over IPv4 or IPv6. */
export interface InetSocket extends SocketBase {
  protocol: InetProtocol;
  family: InetFamily;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  /** For RAW sockets the "port" is the IP protocol number (e.g. 1 for ICMP). */
  remotePort: number;
  /**
   * Kernel socket state: a {@link TcpState} for every protocol (UDP shows 1 when
   * connected and 7 when not; RAW sockets are normally 7).
   */
  state: number;
  /** The state's name: `'LISTEN'`, `'ESTABLISHED'`, … (`TCP_STATE_NAMES[state]`; UDP: `'ESTABLISHED'` or `'CLOSE'`). */
  stateName: string;
  /**
   * Receive queue: unread bytes (TCP), connections waiting to be accepted (TCP
   * LISTEN), or socket memory in use (UDP, UDP-Lite, RAW).
   */
  recvQueue: number;
  /** Send queue: unacknowledged bytes (TCP; 0 on LISTEN), memory (UDP, RAW). */
  sendQueue: number;
  /** Owner uid of the socket. */
  uid: number;
  /** The pending timer (TCP); UDP and RAW sockets report none. */
  timer: SocketTimer;
  /**
   * The kernel's socket cookie (a 64-bit number as decimal text), a stable
   * identity for watch/diff. Only the netlink backend knows it; the /proc
   * backend leaves it undefined.
   */
  cookie?: string;
  /**
   * The cgroup the socket was created in. Only the netlink backend knows it,
   * and only for full sockets on kernels that report it (5.7+): TIME_WAIT and
   * request sockets have none. `id` is always there when the record has it;
   * `path` and `container` are filled when the query asks for cgroups.
   */
  cgroup?: CgroupRef;
}

/** UNIX socket types (`SOCK_*`). */
export enum UnixType {
  STREAM = 1,
  DGRAM = 2,
  RAW = 3,
  RDM = 4,
  SEQPACKET = 5,
}

/**
 * UNIX socket states as `/proc/net/unix` reports them (`socket_state`, the
 * `SS_*` values), which is what net-tools prints.
 */
export enum UnixState {
  FREE = 0,
  UNCONNECTED = 1,
  CONNECTING = 2,
  CONNECTED = 3,
  DISCONNECTING = 4,
}

/** Flag bits of a UNIX socket as `/proc/net/unix` shows them. */
export const UNIX_FLAG_ACCEPTCON = 1 << 16; // a listening socket
export const UNIX_FLAG_WAITDATA = 1 << 17;
export const UNIX_FLAG_NOSPACE = 1 << 18;

/** A UNIX domain socket. */
export interface UnixSocket extends SocketBase {
  /** The `Protocol` column of `/proc/net/unix`: always 0 for real sockets. */
  protocol: number;
  /** Reference count of the kernel socket (the `RefCnt` column). */
  refCount: number;
  /** `UNIX_FLAG_*` bits. */
  flags: number;
  /** A {@link UnixType}. */
  type: number;
  /** A {@link UnixState}. */
  state: number;
  /**
   * What netstat's State column means: `'LISTENING'` (unconnected and
   * accepting), else the {@link UnixState} name (`'CONNECTED'`,
   * `'UNCONNECTED'`, `'CONNECTING'`, `'DISCONNECTING'`, `'FREE'`).
   */
  stateName: string;
  /** The {@link UnixType} name: `'STREAM'`, `'DGRAM'`, `'RAW'`, `'RDM'`, `'SEQPACKET'` (or `'UNKNOWN'`). */
  typeName: string;
  /**
   * The bound name as the kernel prints it: a filesystem path, or `@name` for
   * an abstract name (with each NUL byte shown as `@`); `''` when unbound.
   * Bytes that are not valid UTF-8 read as U+FFFD here; see `pathBase64`.
   */
  path: string;
  /** The name's bytes, base64, present only when they are not valid UTF-8. */
  pathBase64?: string;
}

const UNIX_STATE_NAMES: readonly string[] = ['FREE', 'UNCONNECTED', 'CONNECTING', 'CONNECTED', 'DISCONNECTING'];
const UNIX_TYPE_NAMES: readonly string[] = ['UNKNOWN', 'STREAM', 'DGRAM', 'RAW', 'RDM', 'SEQPACKET'];

/** {@link UnixSocket.stateName} for a state and flags. */
export function unixStateName(state: number, flags: number): string {
  if (state === UnixState.UNCONNECTED && (flags & UNIX_FLAG_ACCEPTCON) !== 0) return 'LISTENING';
  return UNIX_STATE_NAMES[state] ?? 'UNKNOWN';
}

/** {@link UnixSocket.typeName} for a type. */
export function unixTypeName(type: number): string {
  return UNIX_TYPE_NAMES[type] ?? 'UNKNOWN';
}

/** {@link InetSocket.stateName} for a kernel state number. */
export function tcpStateName(state: number): string {
  return TCP_STATE_NAMES[state] || 'UNKNOWN';
}

/** Names of the TCP states as net-tools prints them, indexed by state number. */
export const TCP_STATE_NAMES: readonly string[] = [
  '',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
];

/*
 * SCTP, from `/proc/net/sctp{,6}/eps` (endpoints) and
 * `/proc/net/sctp{,6}/assocs` (associations), as net-tools 2.10 reads them
 * (spec §2.12; parser: `procfs/sctp-table.ts`). sock_diag is not a source
 * for these: only the /proc tables are. Numbers are the values net-tools
 * works with after its own conversions (`atoi`, `strtoul`, `htons`), so that
 * printing them reproduces its output.
 */

/** One address of an SCTP endpoint or association. */
export interface SctpAddress {
  /**
   * Canonical text (`inet_ntop`'s): `127.0.0.1`, `::1`, `::ffff:127.0.0.1`.
   * The kernel writes IPv4 dotted and IPv6 as eight 4-digit hex groups; text
   * that is not a valid IPv4 address reads as `255.255.255.255` (what
   * `inet_addr` returns for it).
   */
  address: string;
  /** `inet6` when the kernel's text holds a `:` (an IPv4 address of an IPv6 socket is `inet`). */
  family: InetFamily;
  /** Marked with a leading `*` by the kernel: the association's primary path. Always false for endpoints. */
  primary: boolean;
}

/** Fields shared by SCTP endpoints and associations. */
export interface SctpBase extends SocketBase {
  /** The table it was read from: `inet` for `/proc/net/sctp/*`, `inet6` for `/proc/net/sctp6/*`. */
  family: InetFamily;
  /** Local port (0–65535; 0 = unbound, printed `*`). net-tools keeps the low 16 bits of the kernel's number. */
  localPort: number;
  /** Local addresses in the kernel's order; the first is printed with the port and the state. */
  localAddresses: SctpAddress[];
  /** Socket state (`SST` column), a {@link TcpState} number (`LISTEN`, `ESTABLISHED`, …) as a C `int`. */
  state: number;
  /** What the State column shows: {@link sctpStateName}. */
  stateName: string;
  /** Owner uid (an unsigned 32-bit number; net-tools prints it as a signed `int`). */
  uid: number;
}

/** An SCTP endpoint (`/proc/net/sctp{,6}/eps`): a bound SCTP socket, listed as a server. */
export interface SctpEndpoint extends SctpBase {
  kind: 'endpoint';
}

/** An SCTP association (`/proc/net/sctp{,6}/assocs`): a connection between two multi-homed peers. */
export interface SctpAssociation extends SctpBase {
  kind: 'association';
  /** Peer port (0–65535; 0 printed `*`). */
  remotePort: number;
  /** Peer addresses in the kernel's order. */
  remoteAddresses: SctpAddress[];
  /** `RX_QUEUE`: bytes of receive buffer in use, as an unsigned 32-bit number. */
  recvQueue: number;
  /** `TX_QUEUE`: bytes of send buffer in use, as an unsigned 32-bit number. */
  sendQueue: number;
}

/**
 * {@link SctpBase.stateName}: the TCP state name for 0–11 (`''` for 0), else
 * `UNKNOWN(n)`, as net-tools' `sctp_socket_state_str` writes it.
 */
export function sctpStateName(state: number): string {
  return state >= 0 && state < TCP_STATE_NAMES.length ? (TCP_STATE_NAMES[state] as string) : `UNKNOWN(${state})`;
}
