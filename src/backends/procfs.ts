/**
 * The pure-TypeScript backend: socket tables from `/proc/net/*` and socket
 * owners from the `/proc/PID/fd` walk, read the way net-tools 2.10 reads them.
 * Always available; the netlink backend is preferred when it loads.
 *
 * Errors: a table file that cannot be opened throws a `NetstatError` with the
 * system code — `'ENOENT'` when the kernel lacks the table; `'EACCES'` when it
 * is unreadable, which net-tools treats like a missing inet table (callers
 * that imitate it should do the same); anything else (e.g. `'ELOOP'`) is what
 * net-tools reports with perror and exit 255.
 */
import * as path from 'node:path';
import type { AbortHandle } from '../abort';
import type { InetFamily, InetProtocol, InetSocket, UnixSocket } from '../model';
import { procRoot } from '../procfs/root';
import { inetTuple, parseInetTable } from '../procfs/inet-table';
import { type OwnerWalkOptions, walkOwners } from '../procfs/owner-walk';
import { readProcFile, readProcFileAsync } from '../procfs/read';
import { runInSlices, runToEnd } from '../procfs/slices';
import type { ParsedTable } from '../procfs/table-lines';
import { parseUnixTable } from '../procfs/unix-table';
import { NetstatError } from '../errors';
import { toNetstatError } from './netlink';
import type { InetQuery, InetRowView, NetnsTarget, OwnerQuery, OwnerScan, OwnerSource, SocketBackend, Table, UnixQuery } from './types';

/** `/proc/net` file of an inet table: `tcp`, `tcp6`, `udplite6`, … */
export function inetTableFile(protocol: InetProtocol, family: InetFamily): string {
  return family === 'inet6' ? `net/${protocol}6` : `net/${protocol}`;
}

/**
 * Reads `/proc/thread-self/<relative>` on a thread inside a namespace (the
 * native engine's `readProcIn`): how /proc shows the tables of a namespace
 * no process is in.
 */
export type NamespaceProcReader = (netnsPath: string, relative: string) => Buffer;

/**
 * A query's table file: `ROOT/net/*` for the caller's namespace; in another
 * one, the `net/*` of a process inside it (`/proc/PID/net` shows the tables
 * of that process's namespace), or, when no process is in it, the file as a
 * thread moved into it sees it (native engine only).
 */
function tableReader(root: string, inside: NamespaceProcReader | undefined) {
  const where = (netns: NetnsTarget | undefined, relative: string): string | (() => Buffer) => {
    if (netns === undefined) return path.join(root, relative);
    if (netns.procDir !== undefined) return path.join(netns.procDir, relative);
    if (inside !== undefined) {
      return () => {
        try {
          return inside(netns.path, relative);
        } catch (err) {
          throw toNetstatError(err, `${relative} in network namespace ${netns.label}`);
        }
      };
    }
    throw new NetstatError(`network namespace ${netns.label} has no process inside it, so /proc cannot show its tables`, 'ERR_NETNS_NO_PROCESS');
  };
  return {
    read(netns: NetnsTarget | undefined, relative: string): Buffer {
      const at = where(netns, relative);
      return typeof at === 'string' ? readProcFile(at) : at();
    },
    async readAsync(netns: NetnsTarget | undefined, relative: string): Promise<Buffer> {
      const at = where(netns, relative);
      return typeof at === 'string' ? readProcFileAsync(at) : at();
    },
  };
}

/**
 * The most one read(2) of a /proc socket table returns: the kernel fills a
 * page-sized buffer per read (seq_file), so a longer table came in pieces,
 * and the kernel found its place again between them.
 */
const ONE_READ_BYTES = 4096;
/** The largest table read twice when the query leaves `verify` unset (the engine's bound, native/dump_check.h). */
const AUTO_VERIFY_ROWS = 16384;

/** Whether a table read as `bytes` holding `rows` kept rows is read a second time (`SocketQuery.verify`). */
export function wantsSecondRead(verify: boolean | undefined, bytes: number, rows: number): boolean {
  if (bytes <= ONE_READ_BYTES || verify === false) return false;
  return verify === true || rows <= AUTO_VERIFY_ROWS;
}

/**
 * The parser of one query's table: without `first`, of the first read; with
 * it, of a second read, keeping only the rows `first` lacked (the parsers
 * share the identities the first read kept).
 */
type TableParser<T> = (buf: Buffer, first?: Table<T>) => Generator<void, ParsedTable<T>, void>;

function inetParser(query: InetQuery): TableParser<InetSocket> {
  const seen = new Set<number | string>();
  return (buf, first) =>
    parseInetTable(buf, query.protocol, query.family, query.filter, seen, first === undefined ? undefined : new Set(first.rows.map(inetTuple)));
}

function unixParser(query: UnixQuery): TableParser<UnixSocket> {
  const seen = new Set<number | string>();
  return (buf, first) => parseUnixTable(buf, query.filter, seen, first !== undefined);
}

/** Adds a second read's rows (those the first lacked) after the first's; its malformed lines are the first's again, not counted twice. */
function withMissed<T>(table: Table<T>, missed: ParsedTable<T>): Table<T> {
  for (const row of missed.rows) table.rows.push(row);
  return table;
}

/** One table: a read, and a second one for the rows the first skipped when wantsSecondRead says so. */
function readTable<T>(verify: boolean | undefined, read: () => Buffer, parse: TableParser<T>): Table<T> {
  const buf = read();
  const table = runToEnd(parse(buf));
  if (!wantsSecondRead(verify, buf.length, table.rows.length)) return table;
  return withMissed(table, runToEnd(parse(read(), table)));
}

/** readTable for the async API: each parse in slices that give the event loop its turns, the abort checked after each read. */
async function readTableAsync<T>(verify: boolean | undefined, read: () => Promise<Buffer>, parse: TableParser<T>, abort?: AbortHandle): Promise<Table<T>> {
  const buf = await read();
  abort?.check();
  const table = await runInSlices(parse(buf), undefined, abort);
  if (!wantsSecondRead(verify, buf.length, table.rows.length)) return table;
  const again = await read();
  abort?.check();
  return withMissed(table, await runInSlices(parse(again, table), undefined, abort));
}

/** /proc does not show a socket's cgroup: a filter on it cannot be answered from here. */
function refuseCgroupFilter(query: InetQuery): void {
  if (query.filter.cgroupIds === undefined) return;
  throw new NetstatError('filtering by cgroup needs the native engine: /proc/net does not show a socket\'s cgroup', 'ERR_CGROUP_FILTER_UNSUPPORTED');
}

/** Socket tables read from `ROOT/net/*` (`root` defaults to `procRoot()`). */
export function createProcfsBackend(root: string = procRoot(), inside?: NamespaceProcReader): SocketBackend {
  const files = tableReader(root, inside);
  const inet = (query: InetQuery): Table<InetSocket> => {
    query.abort?.check();
    refuseCgroupFilter(query);
    const file = inetTableFile(query.protocol, query.family);
    return readTable(query.verify, () => files.read(query.netns, file), inetParser(query));
  };
  const inetAsync = async (query: InetQuery): Promise<Table<InetSocket>> => {
    query.abort?.check();
    refuseCgroupFilter(query);
    const file = inetTableFile(query.protocol, query.family);
    return readTableAsync(query.verify, () => files.readAsync(query.netns, file), inetParser(query), query.abort);
  };
  const visitRows = (table: Table<InetSocket>, visit: (row: InetRowView) => void): number => {
    for (const row of table.rows) visit(row);
    return table.malformed;
  };
  return {
    name: 'procfs',
    inet,
    inetAsync,
    unix(query: UnixQuery): Table<UnixSocket> {
      query.abort?.check();
      return readTable(query.verify, () => files.read(query.netns, 'net/unix'), unixParser(query));
    },
    async unixAsync(query: UnixQuery): Promise<Table<UnixSocket>> {
      query.abort?.check();
      return readTableAsync(query.verify, () => files.readAsync(query.netns, 'net/unix'), unixParser(query), query.abort);
    },
    // /proc gives text: each row is parsed into its record anyway, so counting visits those.
    visitInet: (query, visit) => visitRows(inet(query), visit),
    visitInetAsync: async (query, visit) => visitRows(await inetAsync(query), visit),
  };
}

/**
 * Socket owners from the `ROOT/PID/fd` walk. Holders of one socket share one
 * `ProcessRef` object per process. The async variant does the same system
 * calls in slices of a few milliseconds, yielding to the event loop between
 * them.
 */
export function createProcfsOwners(root: string = procRoot()): OwnerSource {
  const options = (query: OwnerQuery): OwnerWalkOptions => {
    const walk: OwnerWalkOptions = { isRoot: process.geteuid?.() === 0 };
    if (query.wanted !== undefined) walk.wanted = query.wanted;
    if (query.pids !== undefined) walk.pids = query.pids;
    return walk;
  };
  return {
    name: 'procfs',
    scan(query: OwnerQuery): OwnerScan {
      query.abort?.check();
      return runToEnd(walkOwners(root, options(query)));
    },
    scanAsync(query: OwnerQuery): Promise<OwnerScan> {
      query.abort?.check();
      return runInSlices(walkOwners(root, options(query)), undefined, query.abort);
    },
  };
}
