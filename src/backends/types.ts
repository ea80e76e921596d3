/**
 * What a socket source must provide. Two implementations exist: `procfs.ts`
 * (pure TypeScript over `/proc/net/*`, always available) and `netlink.ts`
 * (the native sock_diag engine). Both return the records of `model.ts`, in the
 * kernel's order, and raise `NetstatError`s.
 */
import type { AbortHandle } from '../abort';
import type { SocketFilter } from '../filter';
import type { InetFamily, InetProtocol, InetSocket, UnixSocket } from '../model';
import type { PackedInet } from '../native';
import type { OwnerScan } from '../procfs/owner-walk';
import type { ParsedTable } from '../procfs/table-lines';

// Defined by the layers below (filter.ts, procfs/), which must not import
// this file; named here too because every caller of a backend uses them.
export type { Selection } from '../filter';
export type { OwnerScan };

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
  /** When a table is read a second time for the sockets the first read skipped: see {@link SocketQuery.verify}. */
  verify?: boolean;
}

export interface UnixQuery {
  filter: SocketFilter;
  abort?: AbortHandle;
  netns?: NetnsTarget;
  verify?: boolean;
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
  /**
   * As `inetPacked`, read in batches: `packed.dump` is the first batch (read
   * now, so a refused socket or a missing diag module shows before anything
   * prints) and `packed.more()` gives the next ones, each read ahead on the
   * engine's thread while the caller prints the one before. For a printer
   * that needs nothing from the whole table before its first row (no name
   * look-ups, no owners). A backend without batches gives `inetPacked`'s or
   * `inet`'s table. `afterFirst`: the other family of a protocol whose
   * first table was just streamed from the same kernel: its first batch is
   * not waited for (`dump` is empty) — the kernel's walk for it then runs
   * beside the printing instead of before it; a failure of that walk, which
   * the first table's success makes all but impossible, surfaces from `more()`.
   */
  inetStream?(query: InetQuery, afterFirst?: boolean): Table<InetSocket>;
}

/**
 * One kernel table, in the kernel's order: the rows, and the malformed
 * lines of a /proc source (always 0 for netlink; see procfs/table-lines.ts).
 */
export interface Table<T> extends ParsedTable<T> {
  /**
   * Set, with `rows` empty, when the plan asked for packed tables
   * (`QueryPlan.packedInet`) and the backend has them: the dump, and how
   * many of its rows the filter keeps.
   */
  packed?: {
    dump: PackedInet;
    /** How many rows of `dump` the filter keeps. */
    kept: number;
    /**
     * A streamed table's following batches (see `SocketBackend.inetStream`),
     * then undefined; rejects as the table's read would. `dump` and `kept`
     * are then the first batch's only.
     */
    more?: () => Promise<PackedInet | undefined>;
  };
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
