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
import type { InetFamily, InetProtocol, InetSocket, UnixSocket } from '../model';
import { procRoot } from '../proc/root';
import { parseInetTable } from '../procfs/inet-table';
import { type OwnerWalkOptions, walkOwners } from '../procfs/owner-walk';
import { readProcFile, readProcFileAsync } from '../procfs/read-file';
import { runInSlices, runToEnd } from '../procfs/slices';
import { parseUnixTable } from '../procfs/unix-table';
import { NetstatError } from '../errors';
import type { InetQuery, InetRowView, NetnsTarget, OwnerQuery, OwnerScan, OwnerSource, SocketBackend, Table, UnixQuery } from './types';

/** `/proc/net` file of an inet table: `tcp`, `tcp6`, `udplite6`, … */
export function inetTableFile(protocol: InetProtocol, family: InetFamily): string {
  return family === 'inet6' ? `net/${protocol}6` : `net/${protocol}`;
}

/**
 * Where a query's tables are: `ROOT/net/*` for the caller's namespace, the
 * `net/*` of a process inside another one (`/proc/PID/net` shows the tables
 * of that process's namespace). A namespace without a known process cannot
 * be read from /proc at all.
 */
function tablesRoot(root: string, netns: NetnsTarget | undefined): string {
  if (netns === undefined) return root;
  if (netns.procDir !== undefined) return netns.procDir;
  throw new NetstatError(
    `network namespace ${netns.label} has no process inside it, so /proc cannot show its tables (the native engine can)`,
    'ERR_NETNS_NO_PROCESS',
  );
}

/** /proc does not show a socket's cgroup: a filter on it cannot be answered from here. */
function refuseCgroupFilter(query: InetQuery): void {
  if (query.filter.cgroupIds === undefined) return;
  throw new NetstatError('filtering by cgroup needs the native engine: /proc/net does not show a socket\'s cgroup', 'ERR_CGROUP_FILTER_UNSUPPORTED');
}

/** Socket tables read from `ROOT/net/*` (`root` defaults to `procRoot()`). */
export function createProcfsBackend(root: string = procRoot()): SocketBackend {
  const inetPath = (query: InetQuery): string => path.join(tablesRoot(root, query.netns), inetTableFile(query.protocol, query.family));
  const unixPath = (query: UnixQuery): string => path.join(tablesRoot(root, query.netns), 'net/unix');
  const inet = (query: InetQuery): Table<InetSocket> => {
    query.abort?.check();
    refuseCgroupFilter(query);
    return runToEnd(parseInetTable(readProcFile(inetPath(query)), query.protocol, query.family, query.filter));
  };
  const inetAsync = async (query: InetQuery): Promise<Table<InetSocket>> => {
    query.abort?.check();
    refuseCgroupFilter(query);
    const buf = await readProcFileAsync(inetPath(query));
    query.abort?.check();
    return runInSlices(parseInetTable(buf, query.protocol, query.family, query.filter), undefined, query.abort);
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
      return runToEnd(parseUnixTable(readProcFile(unixPath(query)), query.filter));
    },
    async unixAsync(query: UnixQuery): Promise<Table<UnixSocket>> {
      query.abort?.check();
      const buf = await readProcFileAsync(unixPath(query));
      query.abort?.check();
      return runInSlices(parseUnixTable(buf, query.filter), undefined, query.abort);
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
