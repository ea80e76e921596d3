/**
 * The one typed seam to the native engine (`native/binding.cc`).
 *
 * `NativeBinding` declares, field for field, what the C++ conversion code
 * builds; nothing else in `src/` touches the addon untyped. `loadNative()`
 * loads it once from a fixed list of files and never throws: it returns the binding or
 * the reason it is unavailable, so the caller can fall back to /proc *and say
 * why* (design notes §1.3, §1.4).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Layout version shared with `native/binding.cc` (`kLayoutVersion`). A binary
 * built from other sources than these types is refused at load time rather
 * than misread.
 */
export const NATIVE_LAYOUT_VERSION = 9;

/** Number of `Uint32Array` slots per Internet socket in {@link PackedInet.fields}. */
export const INET_STRIDE = 18;
/** Slot offsets within one Internet record. */
export enum InetField {
  /** Kernel state (`idiag_state`): a TcpState; TIME_WAIT sockets report their sub-state. */
  State = 0,
  /** `idiag_rqueue`. */
  RecvQueue = 1,
  /** `idiag_wqueue` (for a TCP listener: its backlog limit). */
  SendQueue = 2,
  Uid = 3,
  Inode = 4,
  /** `idiag_timer`: the TimerKind. */
  Timer = 5,
  /** `idiag_expires`, milliseconds. */
  ExpiresMs = 6,
  /** `idiag_retrans`: retransmits for timer 1, probes for timers 2 and 4, else 0. */
  DiagRetrans = 7,
  /** 1 when the reply carried `INET_DIAG_INFO` (tcp_info), so the next two slots are valid. */
  HasInfo = 8,
  /** `tcpi_retransmits` (icsk_retransmits, /proc's `retrnsmt`). */
  InfoRetransmits = 9,
  /** `tcpi_probes` (icsk_probes_out, /proc's "timeout" column). */
  InfoProbes = 10,
  /** Index into {@link PackedInet.addresses}. */
  LocalAddress = 11,
  RemoteAddress = 12,
  /** `(sport << 16) | dport`, both in host order. */
  Ports = 13,
  CookieLow = 14,
  CookieHigh = 15,
  /** The socket's cgroup v2 id (`INET_DIAG_CGROUP_ID`), 0 when the kernel gave none. */
  CgroupLow = 16,
  CgroupHigh = 17,
}

/** One Internet sock_diag dump, packed: `fields.length / INET_STRIDE` rows, kernel order. */
export interface PackedInet {
  fields: Uint32Array;
  /** Distinct addresses as `inet_ntop` text; rows refer to them by index. */
  addresses: string[];
}

/** A streamed Internet dump ({@link NativeBinding.openInetStream}): opaque. */
export interface InetStreamHandle {
  readonly handle: unknown;
}

/**
 * One batch of a streamed dump; `done` on the last. Its rows index the
 * dump's address texts, of which `addresses` holds only those new in this
 * batch: the first is index `addressBase` (the count handed on before).
 */
export interface InetBatch extends PackedInet {
  addressBase: number;
  done: boolean;
}

/** Both families of one TCP dump ({@link NativeBinding.dumpInetBoth}), each with its own address table. */
export interface PackedInetPair {
  inet: PackedInet;
  inet6: PackedInet;
}

/** Number of `Uint32Array` slots per row in {@link PackedCompact.fields}. */
export const COMPACT_STRIDE = 8;
/** Slot offsets within one compact Internet row. */
export enum CompactField {
  /** `idiag_state`. */
  State = 0,
  /** Local port, host order (RAW: the protocol, as in /proc). */
  LocalPort = 1,
  Uid = 2,
  Inode = 3,
  /** `idiag_rqueue`. */
  RecvQueue = 4,
  /** `idiag_wqueue` (a TCP listener: its backlog limit, which /proc shows as 0). */
  SendQueue = 5,
  /** The socket's cgroup v2 id, 0 when none. */
  CgroupLow = 6,
  CgroupHigh = 7,
}

/** A compact Internet dump for counting: `fields.length / COMPACT_STRIDE` rows, no address text. */
export interface PackedCompact {
  fields: Uint32Array;
}

/** Number of `Uint32Array` slots per UNIX socket in {@link PackedUnix.fields}. */
export const UNIX_STRIDE = 9;
export enum UnixField {
  /** `SOCK_*` type. */
  Type = 0,
  /** Kernel state (`udiag_state`): 1 ESTABLISHED, 7 CLOSE, 10 LISTEN. */
  State = 1,
  Inode = 2,
  /** Inode of the peer (`UNIX_DIAG_PEER`), 0 if none. */
  PeerInode = 3,
  /** `UNIX_DIAG_RQLEN` receive length: for a listener, connections waiting (embryos). */
  RecvQueue = 4,
  /** Byte offset of the name text in {@link PackedUnix.names}. */
  NameOffset = 5,
  /** Length in bytes of the name text; 0 when unbound. */
  NameLength = 6,
  CookieLow = 7,
  CookieHigh = 8,
}

/**
 * One UNIX sock_diag dump, packed. `names` holds every bound name already in
 * `/proc/net/unix` form (abstract names start with `@`, every NUL shown as `@`).
 */
export interface PackedUnix {
  fields: Uint32Array;
  names: Buffer;
}

/** Number of `Uint32Array` slots per row in {@link PackedInterfaces.fields}. */
export const INTERFACE_STRIDE = 21;
/** Slot offsets within one interface row: what net-tools keeps of its SIOCGIF* answers. */
export enum InterfaceField {
  /** errno of SIOCGIFFLAGS (ENODEV: no such device); 0 when the slots below hold the facts. */
  Error = 0,
  /** `ifr_flags` (16 bits). */
  Flags = 1,
  /** ARPHRD_* hardware type. */
  Type = 2,
  /** 0 when SIOCGIFMTU failed. */
  Mtu = 3,
  /** Hardware address bytes 0–3 (byte i in bits 8i…8i+7), then 4–7. */
  HardwareLow = 4,
  HardwareHigh = 5,
  /** 1 when SIOCGIFTXQLEN answered (then TxQueueLen is valid). */
  HasTxQueueLen = 6,
  TxQueueLen = 7,
  /** The device map (struct ifmap). */
  MemStartLow = 8,
  MemStartHigh = 9,
  MemEndLow = 10,
  MemEndHigh = 11,
  BaseAddr = 12,
  Irq = 13,
  Dma = 14,
  Port = 15,
  /** 1 when an IPv4 address is labelled with this name (SIOCGIFADDR); the next four are IPv4 numbers, host order. */
  HasAddress = 16,
  Address = 17,
  /** SIOCGIFDSTADDR, SIOCGIFBRDADDR, SIOCGIFNETMASK: 0 when the call failed. */
  Destination = 18,
  Broadcast = 19,
  Netmask = 20,
}

/** What {@link NativeBinding.readInterfaces} learnt: row `i` of `fields` is about `names[i]`. */
export interface PackedInterfaces {
  /** The names asked about, then SIOCGIFCONF's not among them, each once. */
  names: string[];
  fields: Uint32Array;
  /** SIOCGIFCONF's names, kernel order: one per IPv4 address, labelled (`lo:1`) or the device's. */
  configured: string[];
}

/**
 * The result of the native `/proc/PID/fd` walk. Row `i` says: process
 * `pids[i]` holds socket `inodes[i]`. Rows are in walk order (`/proc` readdir
 * order, then fd order), which is the order net-tools meets them in.
 */
export interface PackedOwners {
  inodes: Float64Array;
  pids: Int32Array;
  /** Per row: byte offset and length of the program name in `programs`. */
  programOffsets: Uint32Array;
  programLengths: Uint32Array;
  /** argv[0] texts (net-tools' rule), one per owning process. */
  programs: Buffer;
  /** Processes whose fd directory gave EACCES. */
  denied: number;
  /** Those processes' PIDs, in walk order (the engine always sets it; hand-made values may leave it out). */
  deniedPids?: Int32Array;
  /** Processes or fds that vanished (ENOENT/ESRCH) during the walk. */
  vanished: number;
  /** True when the proc root itself could not be listed. */
  procUnreadable: boolean;
}

/** {@link PackedOwners} of a walk whose method the engine chose ({@link NativeBinding.scanOwnersBpf}). */
export interface ChosenOwners extends PackedOwners {
  /** `bpf`: the kernel's task_file iterator; `proc`: readlink under `/proc/PID/fd`. */
  method: 'bpf' | 'proc';
  /** Why this method (for `proc`: why not the BPF walk). */
  methodReason: string;
  /** The error code that made the BPF walk give way to `/proc`, if one did (`EPERM`, `EXDEV`, …). */
  methodCode?: string;
}

/**
 * A cancellation flag for the native calls: an `Int32Array` of at least one
 * element on a `SharedArrayBuffer` (`new Int32Array(new SharedArrayBuffer(4))`;
 * a plain `ArrayBuffer` is refused with `TypeError`, because it could be
 * detached while a worker thread reads it). Setting element 0 to non-zero
 * (`Atomics.store(flag, 0, 1)` or `flag[0] = 1`) stops the call at its next
 * check — before the dump request is sent and after every datagram received,
 * before every PID directory of the fd walk (on each thread) — with an
 * `Error` whose `code` is `'ECANCELED'` (`syscall` `'recvmsg'` for dumps,
 * `'getdents64'` for the walk). A flag already set stops the call before any
 * work. The flag is only read, never reset. The async variants keep it alive
 * until they settle.
 */
export type CancelFlag = Int32Array;

/**
 * The network namespace a dump reads: `null` for the caller's own, or the
 * path of a namespace file (`/proc/PID/ns/net`, `/run/netns/NAME`). The
 * engine creates the dump's socket inside it on a thread started for that
 * (never the main thread or a pool thread); errors: code `'ENOENT'`/`'EACCES'`
 * with syscall `'open'` (the file), `'EPERM'` with syscall `'setns'` (no
 * CAP_SYS_ADMIN over that namespace), `'EINVAL'` with syscall `'setns'` (not
 * a network namespace).
 */
export type NetnsPath = string | null;

/**
 * When a dump reads its table a second time (the dumps' optional last
 * argument; native/dump_check.h). The kernel resumes a dump between its
 * datagrams by counting sockets into a hash bucket, so a socket that leaves
 * the bucket ahead of that place makes the dump skip one that lived through
 * it. A dump of several datagrams can be read again, keeping the sockets the
 * first read lacked. Every dump drops a reply whose socket cookie an earlier
 * one had (the kernel's other slip: a socket twice).
 */
export enum DumpCheck {
  /** Read again when the first read took several datagrams and kept at most 16,384 sockets (the default). */
  Auto = 0,
  /** Read again whenever the first read took several datagrams. */
  Always = 1,
  /** One read. */
  Never = 2,
}

/** A running watch of freed sockets (see {@link NativeBinding.watchDestroyed}). */
export interface DestroyWatchHandle {
  /** Stops the watch's thread and waits for it; no batch is delivered after. Idempotent. */
  close(): void;
}

/**
 * The addon's exports. Numbers are the kernel's (AF_INET = 2, AF_INET6 = 10,
 * IPPROTO_TCP = 6, UDP = 17, UDPLITE = 136, RAW = 255). Wrong arity or types
 * throw `TypeError` (every argument but a trailing `check` is required: pass `null` for "none");
 * system failures throw an `Error` carrying `code` (`'EPERM'`, `'ENOENT'`,
 * `'ECANCELED'`, …), `errno` and `syscall`.
 */
export interface NativeBinding {
  readonly layoutVersion: number;
  readonly inetStride: number;
  readonly unixStride: number;
  readonly compactStride: number;
  /**
   * Dump Internet sockets of one protocol and family. `states` is the
   * inet_diag state bit mask; `withInfo` asks for `INET_DIAG_INFO` (tcp_info),
   * needed only for TCP timer details. `bytecode`, if not null and not empty,
   * is an inet_diag filter program (`struct inet_diag_bc_op` sequence, host
   * byte order, see linux/inet_diag.h) sent as the `INET_DIAG_REQ_BYTECODE`
   * attribute, so the kernel returns only the sockets it accepts; at most
   * 65531 bytes (`TypeError` beyond). It is copied when the call is made. A
   * program the kernel's audit rejects fails with code `'EINVAL'` (syscall
   * `'sock_diag'`). `cancel`: see {@link CancelFlag}. `check` (optional, every
   * dump): see {@link DumpCheck}; each socket is in the result once.
   */
  dumpInet(
    family: number,
    protocol: number,
    states: number,
    withInfo: boolean,
    bytecode: Uint8Array | null,
    netns: NetnsPath,
    cancel: CancelFlag | null,
    check?: DumpCheck,
  ): PackedInet;
  dumpInetAsync(
    family: number,
    protocol: number,
    states: number,
    withInfo: boolean,
    bytecode: Uint8Array | null,
    netns: NetnsPath,
    cancel: CancelFlag | null,
    check?: DumpCheck,
  ): Promise<PackedInet>;
  /**
   * TCP sockets of both families from one dump: the old `TCPDIAG_GETSOCK`
   * request, which the kernel runs for `AF_UNSPEC`, so it walks TCP's hash
   * tables once instead of once per family. Arguments as for `dumpInet`
   * without the family; `protocol` must be 6 (IPPROTO_TCP: no other protocol
   * has such a request; `TypeError` otherwise). The replies are split by
   * family, kernel order kept within each: the same rows, tcp_info and cgroup
   * ids as `dumpInet` for AF_INET and for AF_INET6.
   */
  dumpInetBoth(
    protocol: number,
    states: number,
    withInfo: boolean,
    bytecode: Uint8Array | null,
    netns: NetnsPath,
    cancel: CancelFlag | null,
    check?: DumpCheck,
  ): PackedInetPair;
  dumpInetBothAsync(
    protocol: number,
    states: number,
    withInfo: boolean,
    bytecode: Uint8Array | null,
    netns: NetnsPath,
    cancel: CancelFlag | null,
    check?: DumpCheck,
  ): Promise<PackedInetPair>;
  /**
   * The same dump as `dumpInet` (without tcp_info) into compact rows: state,
   * local port, uid and inode, no addresses — what counting needs, at little
   * more than the kernel's own cost.
   */
  dumpInetCompact(
    family: number,
    protocol: number,
    states: number,
    bytecode: Uint8Array | null,
    netns: NetnsPath,
    cancel: CancelFlag | null,
    check?: DumpCheck,
  ): PackedCompact;
  dumpInetCompactAsync(
    family: number,
    protocol: number,
    states: number,
    bytecode: Uint8Array | null,
    netns: NetnsPath,
    cancel: CancelFlag | null,
    check?: DumpCheck,
  ): Promise<PackedCompact>;
  /** Dump every UNIX socket of a network namespace. `netns`: see {@link NetnsPath}; `cancel`: {@link CancelFlag}. */
  dumpUnix(netns: NetnsPath, cancel: CancelFlag | null, check?: DumpCheck): PackedUnix;
  dumpUnixAsync(netns: NetnsPath, cancel: CancelFlag | null, check?: DumpCheck): Promise<PackedUnix>;
  /**
   * Walk `<procRoot>/PID/fd`. With `wanted`, stop once every listed inode has
   * been found (its first holder is then certain). `threads` is 1 or 2.
   * `pids`, if not null, restricts the walk to those processes, in that order
   * (instead of `procRoot`'s readdir order); a pid given twice is walked once
   * (where it first appears); a pid with no `<procRoot>/<pid>` directory is
   * skipped and not counted in `vanished`; everything else (early stop,
   * counters, program names) is as without it. `cancel`: see {@link CancelFlag}.
   */
  scanOwners(procRoot: string, wanted: Float64Array | null, threads: number, pids: Int32Array | null, cancel: CancelFlag | null): PackedOwners;
  scanOwnersAsync(
    procRoot: string,
    wanted: Float64Array | null,
    threads: number,
    pids: Int32Array | null,
    cancel: CancelFlag | null,
  ): Promise<PackedOwners>;
  /**
   * The same walk (same rows, same order; arguments as for {@link scanOwners})
   * done by a BPF task_file iterator when it can be had — root, `procRoot` a
   * proc file system of the caller's PID namespace, BTF and bpf() working —
   * and, unless `forced`, worth its set-up (the program is loaded once per
   * process; below a few hundred fds the /proc walk is cheaper); else the
   * /proc walk. The result says which and why (native/bpf_owners.h). With
   * `forced`, a BPF walk that cannot be had is an error (`code` EPERM, EXDEV,
   * ENOENT, …; `syscall` `bpf`, `btf`, `statfs` or `open`) instead.
   * Absent from engines built before it existed.
   */
  scanOwnersBpf?(
    procRoot: string,
    wanted: Float64Array | null,
    threads: number,
    pids: Int32Array | null,
    cancel: CancelFlag | null,
    forced: boolean,
  ): ChosenOwners;
  scanOwnersBpfAsync?(
    procRoot: string,
    wanted: Float64Array | null,
    threads: number,
    pids: Int32Array | null,
    cancel: CancelFlag | null,
    forced: boolean,
  ): Promise<ChosenOwners>;
  /**
   * The raw reply bytes of a dump (every netlink message, as received; a
   * second read's after the first's, see {@link DumpCheck}): for recording fixtures. Arguments as for {@link dumpInet} / {@link dumpUnix}.
   */
  recordInet(
    family: number,
    protocol: number,
    states: number,
    withInfo: boolean,
    bytecode: Uint8Array | null,
    netns: NetnsPath,
    cancel: CancelFlag | null,
    check?: DumpCheck,
  ): Buffer;
  recordUnix(netns: NetnsPath, cancel: CancelFlag | null, check?: DumpCheck): Buffer;
  /**
   * The `dumpInet` dump read batch by batch, so a printer can write one batch
   * while the kernel builds the next. Opens the socket and sends the request
   * (arguments and errors as `dumpInet`'s); the stream is read with
   * `readInetStream` (receive and pack here), or `receiveInetStreamAsync`
   * (on a pool thread) then `packInetStream` (here), until a batch says
   * `done` (the socket is then closed), or closed early with
   * `closeInetStream` (else at collection).
   */
  openInetStream(
    family: number,
    protocol: number,
    states: number,
    withInfo: boolean,
    bytecode: Uint8Array | null,
    netns: NetnsPath,
    cancel: CancelFlag | null,
    check?: DumpCheck,
  ): InetStreamHandle;
  /**
   * The next batch: at least `minRows` rows (1 to 2^24), fewer only in the
   * last batch (`done`); see {@link InetBatch} for its addresses. One
   * receive at a time per stream (a read, receive or close while an async
   * receive runs is an `Error`). A dump the kernel flags inconsistent fails
   * with code `'EINTR'`: rows already handed on cannot be taken back.
   */
  readInetStream(stream: InetStreamHandle, minRows: number, cancel: CancelFlag | null): InetBatch;
  /**
   * Receive the next batch's reply datagrams (at least `minRows` replies
   * unless `done`) on a pool thread; they stay in the stream, queued for
   * `packInetStream`. The packing of one batch can then run here while the
   * next is received.
   */
  receiveInetStreamAsync(stream: InetStreamHandle, minRows: number, cancel: CancelFlag | null): Promise<{ done: boolean }>;
  /**
   * Pack the oldest received datagrams into a batch (its `done` is false:
   * the receive says). With `into` large enough, the rows are copied into it
   * and `fields` is a view of it (reuse one array per stream: no allocation
   * per batch; the view is overwritten by the next pack); else a new array.
   * An `Error` when nothing was received.
   */
  packInetStream(stream: InetStreamHandle, into: Uint32Array | null): InetBatch;
  /** Close a stream before its end (harmless when closed or done). */
  closeInetStream(stream: InetStreamHandle): void;
  /**
   * Decode recorded reply bytes exactly as a live dump would be decoded: each
   * socket once, a second read's sockets after the first's. `check` (default
   * `Always`): whose cookies are remembered, as a dump with that check
   * remembers them (`Never`, or `Auto` past 16,384 sockets: the last 16,384).
   */
  decodeInet(bytes: Buffer, check?: DumpCheck): PackedInet;
  decodeUnix(bytes: Buffer, check?: DumpCheck): PackedUnix;
  /**
   * The raw reply bytes of an rtnetlink dump (`RTM_GETLINK` = 18 or
   * `RTM_GETADDR` = 22, for an address family or 0): what `netstat -i` needs
   * beyond /proc/net/dev (flags, hardware addresses, IPv4 labels, broadcast
   * and peer addresses). Decoded in TypeScript.
   */
  dumpRoute(type: number, family: number): Buffer;
  /**
   * `netstat -i`'s interface facts from SIOCGIF* ioctls on an AF_INET socket,
   * asked as net-tools asks them: SIOCGIFCONF's names, and for each of
   * `names` and those, the link facts and the IPv4 address labelled with it
   * (a name of more than 15 bytes is cut to 15, as net-tools cuts it). For
   * where netlink sockets are refused. Errors: `code` from `socket` (e.g.
   * `'EPERM'`) or `ioctl` (SIOCGIFCONF); a name the kernel does not know is
   * no error but a row with `Error` set.
   */
  readInterfaces(names: string[]): PackedInterfaces;
  /**
   * Watch the sockets the kernel frees (the sock_diag destroy multicast
   * groups: TCP and UDP over IPv4 and IPv6) in a network namespace. A thread
   * of its own waits for the notifications; `onBatch` runs on the main thread
   * with the freed sockets' cookies as (low, high) word pairs, `overflow`
   * true when the kernel dropped notifications (the caller must resynchronise
   * from a dump), or `error` once the watch failed (it has then stopped). The
   * watch keeps the event loop alive until `close()`; keep the returned
   * object: when it is garbage-collected the watch is closed.
   */
  /**
   * `/proc/thread-self/<relative>` (a file below `net/`) as a thread inside
   * the namespace `netns` reads it — the namespace's own table, even when no
   * process is in it. Errors as for {@link NetnsPath}, and `open`/`read` ones.
   */
  readProcIn(netns: string, relative: string): Buffer;
  watchDestroyed(netns: NetnsPath, onBatch: (cookies: Uint32Array, overflow: boolean, error: Error | null) => void): DestroyWatchHandle;
}

export type NativeLoadOutcome =
  | { binding: NativeBinding; file: string; kind: NativeBuildKind }
  | { reason: 'not-built' | 'failed-to-load'; message: string };

/**
 * Where a loaded engine came from: `prebuild` (shipped inside the package for
 * this platform), `source` (compiled here by node-gyp into `build/Release`),
 * `override` (the file named by `NETSTAT_NATIVE_PATH`).
 */
export type NativeBuildKind = 'prebuild' | 'source' | 'override';

/** The addon's file name stem (`build/Release/netstat_native.node`). */
export const ADDON_NAME = 'netstat_native';

/** One place the engine may be, in the order they are tried. */
export interface NativeCandidate {
  file: string;
  kind: NativeBuildKind;
}

/**
 * The C library an addon must be built against: prebuilds for glibc and musl
 * are different files. The C library this process runs on is mapped into it;
 * its own maps say which (asking Node, `process.report.getReport()`, costs
 * ~4 ms of start-up; the mere presence of musl's loader is no proof, Debian
 * can install it beside glibc). scripts/prebuild-file.js applies the same
 * rule at install time.
 */
export function runtimeLibc(): 'glibc' | 'musl' {
  try {
    return /\/(ld-musl-|libc\.musl-)[^/\n]*$/m.test(fs.readFileSync('/proc/self/maps', 'latin1')) ? 'musl' : 'glibc';
  } catch {
    return 'glibc';
  }
}

/**
 * The files tried, in order, with no search beyond them: the file named by
 * `NETSTAT_NATIVE_PATH` alone when it is set (a sanitizer build, a test);
 * else the prebuild shipped for this platform, architecture and C library
 * (`prebuilds/linux-x64/netstat_native.glibc.node`), then the from-source
 * build (`build/Release/netstat_native.node`). The prebuild comes first
 * because it is what the package was tested with; a source build is used when
 * no prebuild fits this machine or the prebuild does not load.
 */
export function nativeCandidates(moduleRoot: string, env: NodeJS.ProcessEnv = process.env): NativeCandidate[] {
  const override = env.NETSTAT_NATIVE_PATH;
  if (override !== undefined && override !== '') return [{ file: path.resolve(override), kind: 'override' }];
  return [
    { file: path.join(moduleRoot, 'prebuilds', `${process.platform}-${process.arch}`, `${ADDON_NAME}.${runtimeLibc()}.node`), kind: 'prebuild' },
    { file: path.join(moduleRoot, 'build', 'Release', `${ADDON_NAME}.node`), kind: 'source' },
  ];
}

/** The package root: the directory above `dist/` (or `src/` when run from sources). */
export const PACKAGE_ROOT = path.join(__dirname, '..');

/**
 * Load the addon. `moduleRoot` (the directory holding `prebuilds/` and
 * `build/`) is for tests. A candidate file that does not exist is skipped;
 * one that exists but cannot be loaded (dlopen, ABI, layout mismatch) keeps
 * its message, and the next is tried. Only "no file at all" is `not-built`.
 */
export function loadNative(moduleRoot: string = PACKAGE_ROOT, env: NodeJS.ProcessEnv = process.env): NativeLoadOutcome {
  const failures: string[] = [];
  let found = false;
  for (const { file, kind } of nativeCandidates(moduleRoot, env)) {
    if (!fs.existsSync(file)) continue;
    found = true;
    let loaded: unknown;
    try {
      loaded = require(file);
    } catch (err) {
      failures.push(`${file}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    const verified = verifyLayout(loaded);
    if ('binding' in verified) return { binding: verified.binding, file, kind };
    failures.push(`${file}: ${verified.message}`);
  }
  if (!found) {
    const tried = nativeCandidates(moduleRoot, env).map((c) => c.file);
    return { reason: 'not-built', message: `no native engine file (looked for ${tried.join(', ')})` };
  }
  return { reason: 'failed-to-load', message: failures.join('; ') };
}

/**
 * Accept a loaded module only if it was built from the layout these types
 * describe; a stale binary is `failed-to-load` rather than misread.
 */
export function verifyLayout(loaded: unknown): { binding: NativeBinding } | { reason: 'failed-to-load'; message: string } {
  const binding = loaded as Partial<NativeBinding> | null;
  if (
    binding === null ||
    typeof binding !== 'object' ||
    binding.layoutVersion !== NATIVE_LAYOUT_VERSION ||
    binding.inetStride !== INET_STRIDE ||
    binding.unixStride !== UNIX_STRIDE ||
    binding.compactStride !== COMPACT_STRIDE
  ) {
    return {
      reason: 'failed-to-load',
      message: `native engine layout ${String(binding?.layoutVersion)} does not match this library (${NATIVE_LAYOUT_VERSION}); rebuild it (npm rebuild netstat-native; in a clone: npm run build:native)`,
    };
  }
  return { binding: binding as NativeBinding };
}

let cached: NativeLoadOutcome | undefined;

/** `loadNative()` for the installed package, done once per process. */
export function nativeOutcome(): NativeLoadOutcome {
  cached ??= loadNative();
  return cached;
}
