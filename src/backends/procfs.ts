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
import { walkOwners } from '../procfs/owner-walk';
import { readProcFile, readProcFileAsync } from '../procfs/read-file';
import { runInSlices, runToEnd } from '../procfs/slices';
import { parseUnixTable } from '../procfs/unix-table';
import type { InetQuery, OwnerQuery, OwnerScan, OwnerSource, SocketBackend, Table, UnixQuery } from './types';

/** `/proc/net` file of an inet table: `tcp`, `tcp6`, `udplite6`, … */
export function inetTableFile(protocol: InetProtocol, family: InetFamily): string {
  return family === 'inet6' ? `net/${protocol}6` : `net/${protocol}`;
}

/** Socket tables read from `ROOT/net/*` (`root` defaults to `procRoot()`). */
export function createProcfsBackend(root: string = procRoot()): SocketBackend {
  const inetPath = (query: InetQuery): string => path.join(root, inetTableFile(query.protocol, query.family));
  const unixPath = path.join(root, 'net/unix');
  return {
    name: 'procfs',
    inet(query: InetQuery): Table<InetSocket> {
      const buf = readProcFile(inetPath(query));
      return runToEnd(parseInetTable(buf, query.protocol, query.family, query.selection));
    },
    unix(query: UnixQuery): Table<UnixSocket> {
      return runToEnd(parseUnixTable(readProcFile(unixPath), query.selection));
    },
    async inetAsync(query: InetQuery): Promise<Table<InetSocket>> {
      const buf = await readProcFileAsync(inetPath(query));
      return runInSlices(parseInetTable(buf, query.protocol, query.family, query.selection));
    },
    async unixAsync(query: UnixQuery): Promise<Table<UnixSocket>> {
      return runInSlices(parseUnixTable(await readProcFileAsync(unixPath), query.selection));
    },
  };
}

/**
 * Socket owners from the `ROOT/PID/fd` walk. Holders of one socket share one
 * `ProcessRef` object per process. The async variant does the same system
 * calls in slices of a few milliseconds, yielding to the event loop between
 * them.
 */
export function createProcfsOwners(root: string = procRoot()): OwnerSource {
  const isRoot = (): boolean => process.geteuid?.() === 0;
  return {
    name: 'procfs',
    scan(query: OwnerQuery): OwnerScan {
      return runToEnd(walkOwners(root, { ...optionalWanted(query), isRoot: isRoot() }));
    },
    scanAsync(query: OwnerQuery): Promise<OwnerScan> {
      return runInSlices(walkOwners(root, { ...optionalWanted(query), isRoot: isRoot() }));
    },
  };
}

function optionalWanted(query: OwnerQuery): { wanted?: ReadonlySet<number> } {
  return query.wanted === undefined ? {} : { wanted: query.wanted };
}
