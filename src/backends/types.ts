/**
 * What a socket source must provide. Two implementations exist: `procfs.ts`
 * (pure TypeScript over `/proc/net/*`, always available) and `netlink.ts`
 * (the native sock_diag engine). Both return the records of `model.ts`, in the
 * kernel's order, and raise `NetstatError`s.
 */
import type { AbortHandle } from '../abort';
import type { SocketFilter } from '../filter';
import type { InetFamily, InetProtocol, InetSocket, ProcessRef, UnixSocket } from '../model';
import type { PackedInet } from '../native';

/**
 * Which rows the caller keeps, in net-tools' sense: `listening` = servers only
 * (`-l`), `connected` = all but servers (the default), `all` (`-a`).
 */
export type Selection = 'connected' | 'listening' | 'all';

/**
 * Another network namespace to read a table in (absent: the caller's own).
 * netlink opens its dump socket inside `path` (setns on a thread of its own);
 * /proc reads `<procDir>/net/*`, the tables as a process inside it sees them.
 */
export interface NetnsTarget {
  /** A namespace file: `/run/netns/NAME` or `/proc/PID/ns/net`. */
  path: string;
  /** `<procRoot>/PID` of a process inside it, when one is known (the /proc backend needs it). */
  procDir?: string;
  /** How to name it in messages (its name, or `net:[INODE]`). */
  label: string;
}

export interface InetQuery {
  protocol: InetProtocol;
  family: InetFamily;
  /** The rows to return (selection and filters); backends return exactly these. */
  filter: SocketFilter;
  /** True when timer details (`-o`) are needed; a backend may skip them otherwise. */
  timers: boolean;
  /** Cancels the read (native work stops at its next batch). */
  abort?: AbortHandle;
  netns?: NetnsTarget;
}

export interface UnixQuery {
  filter: SocketFilter;
  abort?: AbortHandle;
  netns?: NetnsTarget;
}

/** The fields of an Internet row that counting needs, without the rest of the record. */
export type InetRowView = Pick<
  InetSocket,
  'protocol' | 'family' | 'state' | 'stateName' | 'localPort' | 'uid' | 'inode' | 'recvQueue' | 'sendQueue'
> & {
  /** The cgroup id as decimal text; `''` or absent when the source has none (/proc, TIME_WAIT). */
  cgroupId?: string;
};

export type BackendName = 'netlink' | 'procfs';

/**
 * A source of socket tables. A table the kernel does not have (no
 * `/proc/net/udplite`, no `udp_diag` module) throws a `NetstatError` with code
 * `'ENOENT'`; any other failure throws with the system error's code.
 */
export interface SocketBackend {
  readonly name: BackendName;
  inet(query: InetQuery): Table<InetSocket>;
  unix(query: UnixQuery): Table<UnixSocket>;
  inetAsync(query: InetQuery): Promise<Table<InetSocket>>;
  unixAsync(query: UnixQuery): Promise<Table<UnixSocket>>;
  /**
   * Visit the kept rows of one Internet table without building a record per
   * row (the view passed may be one object reused for every row: read it,
   * do not keep it). Returns the number of malformed lines.
   */
  visitInet(query: InetQuery, visit: (row: InetRowView) => void): number;
  visitInetAsync(query: InetQuery, visit: (row: InetRowView) => void): Promise<number>;
  /**
   * One Internet table for a printer that reads packed rows itself (the
   * CLI's text listing): from the netlink backend, the dump as the engine
   * made it, in `packed` (rows empty; the kernel applied the state mask and
   * bytecode, the rest of the filter is `packedInetKeep`'s); from a backend
   * that has no packed rows (/proc, or a fallback to it), records as `inet`.
   */
  inetPacked?(query: InetQuery): Table<InetSocket>;
}

/** One kernel table, in the kernel's order. */
export interface Table<T> {
  rows: T[];
  /**
   * Lines of the source that could not be parsed and were skipped (the /proc
   * backend; net-tools warns once per such line). Always 0 for netlink.
   */
  malformed: number;
  /**
   * For each malformed line, how many rows had been kept before it: where
   * net-tools, which warns as it reads, prints its warning among the rows.
   * Given for the /proc UNIX table, whose bogus lines are real (a socket path
   * with a newline splits its line); absent means "before the rows".
   */
  malformedAt?: number[];
  /**
   * Set, with `rows` empty, when the plan asked for packed tables
   * (`QueryPlan.packedInet`) and the backend has them: the dump, and how
   * many of its rows the filter keeps.
   */
  packed?: { dump: PackedInet; kept: number };
}

/** Result of walking `/proc/[pid]/fd` to find which processes hold which sockets. */
export interface OwnerScan {
  /** Socket inode → holders, in `/proc` directory order (first = net-tools' choice). */
  owners: Map<number, ProcessRef[]>;
  /** Processes whose fd directory could not be read for lack of permission (EACCES). */
  denied: number;
  /** Those processes' PIDs, in walk order; absent when there are none. */
  deniedPids?: number[];
  /** Processes (or fds) that vanished during the walk (ENOENT/ESRCH); tolerated. */
  vanished: number;
  /** True when `/proc` itself could not be listed. */
  procUnreadable: boolean;
}

export interface OwnerQuery {
  /**
   * Inodes the caller needs: only these are recorded, and the walk may stop
   * early once all are found. When absent, every socket fd is mapped. Note that stopping early changes
   * nothing visible: holders are recorded in /proc order either way, and the
   * first holder of each wanted inode is found before the walk stops.
   */
  wanted?: ReadonlySet<number>;
  /** Walk only these processes (in this order); absent = every process. */
  pids?: readonly number[];
  abort?: AbortHandle;
}

export interface OwnerSource {
  /** `native`: the addon's walk; `procfs`: the TypeScript walk. Both read /proc. */
  readonly name: 'native' | 'procfs';
  scan(query: OwnerQuery): OwnerScan;
  scanAsync(query: OwnerQuery): Promise<OwnerScan>;
}
