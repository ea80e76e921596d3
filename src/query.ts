/**
 * The library's socket query: which tables to read, the owner join and
 * net-tools' row selection, over whichever sources `chooseSources()` picks.
 * `listSockets` never blocks the event loop for long (the sources' async
 * variants run off the main thread or in slices); `listSocketsSync` serves
 * scripts and the CLI-style one-shot use.
 */
import { type ChooseOptions, type SourceChoice, type Sources, chooseSources } from './backends/choose';
import type { OwnerScan, Table } from './backends/types';
import { INET_FAMILIES, INET_PROTOCOLS, type InetFamily, type InetProtocol, type InetSocket, type UnixSocket } from './model';
import { errorCode } from './errors';
import { type Selection, showInet, showUnix } from './select';

export interface SocketRequest {
  /** Internet protocols to list (default: all four). */
  protocols?: readonly InetProtocol[];
  /** Families to list (default: both). */
  families?: readonly InetFamily[];
  /** Include UNIX sockets (default: true). */
  unix?: boolean;
  /** net-tools' selection: `all` (default, `-a`), `listening` (`-l`) or `connected` (neither). */
  selection?: Selection;
  /** Fill `owners` on each returned socket from a /proc fd walk (default: false). */
  owners?: boolean;
  /** Timer details are wanted (default: true; false lets netlink skip an extension). */
  timers?: boolean;
  /** Backend choice and proc root; defaults from NETSTAT_BACKEND / NETSTAT_PROC_ROOT. */
  backend?: ChooseOptions['backend'];
  procRoot?: string;
}

export interface SocketList {
  /** Internet sockets, grouped by protocol then family (IPv4 first), each table in kernel order. */
  inet: InetSocket[];
  unix: UnixSocket[];
  /** Tables the kernel does not have (`udplite/inet6`, `unix`, …): skipped, not an error. */
  missing: string[];
  /** Which backend served each table, and why. */
  sources: SourceChoice[];
  /** Lines of /proc tables that could not be parsed (skipped). */
  malformed: number;
  /** Present when owners were asked for: how complete the fd walk was. */
  ownerWalk?: { denied: number; vanished: number; procUnreadable: boolean };
}

interface Plan {
  sources: Sources;
  tables: Array<{ protocol: InetProtocol; family: InetFamily }>;
  selection: Selection;
}

function plan(request: SocketRequest): Plan {
  const choose: ChooseOptions = {};
  if (request.backend !== undefined) choose.backend = request.backend;
  if (request.procRoot !== undefined) choose.procRoot = request.procRoot;
  const protocols = request.protocols ?? INET_PROTOCOLS;
  const families = request.families ?? INET_FAMILIES;
  const tables = INET_PROTOCOLS.filter((p) => protocols.includes(p)).flatMap((protocol) =>
    INET_FAMILIES.filter((f) => families.includes(f)).map((family) => ({ protocol, family })),
  );
  return { sources: chooseSources(choose), tables, selection: request.selection ?? 'all' };
}

/** A table the kernel does not have (no /proc file, no diag module) is skipped and named in `missing`. */
function absentAs<T>(name: string, missing: string[], error: unknown): Table<T> {
  const code = errorCode(error);
  if (code !== 'ENOENT' && code !== 'EACCES') throw error;
  missing.push(name);
  return { rows: [], malformed: 0 };
}

function assemble(p: Plan, inetTables: Table<InetSocket>[], unixTable: Table<UnixSocket> | undefined, missing: string[]): SocketList {
  const inet = inetTables.flatMap((t) => t.rows.filter((s) => showInet(s, p.selection)));
  const unix = unixTable === undefined ? [] : unixTable.rows.filter((s) => showUnix(s, p.selection));
  const malformed = inetTables.reduce((n, t) => n + t.malformed, 0) + (unixTable?.malformed ?? 0);
  return { inet, unix, missing, sources: [], malformed };
}

function join(list: SocketList, scan: OwnerScan): void {
  for (const socket of [...list.inet, ...list.unix]) socket.owners = scan.owners.get(socket.inode) ?? [];
  list.ownerWalk = { denied: scan.denied, vanished: scan.vanished, procUnreadable: scan.procUnreadable };
}

function wantedInodes(list: SocketList): Set<number> {
  const wanted = new Set<number>();
  for (const s of list.inet) if (s.inode !== 0) wanted.add(s.inode);
  for (const s of list.unix) if (s.inode !== 0) wanted.add(s.inode);
  return wanted;
}

/** List sockets without blocking the event loop. Rejects with a `NetstatError`. */
export async function listSockets(request: SocketRequest = {}): Promise<SocketList> {
  const p = plan(request);
  const missing: string[] = [];
  const inetTables = await Promise.all(
    p.tables.map(({ protocol, family }) =>
      p.sources
        .inet(protocol, family)
        .inetAsync({ protocol, family, selection: p.selection, timers: request.timers ?? true })
        .catch((error: unknown) => absentAs<InetSocket>(`${protocol}/${family}`, missing, error)),
    ),
  );
  const unixTable =
    request.unix === false
      ? undefined
      : await p.sources
          .unix()
          .unixAsync({ selection: p.selection })
          .catch((error: unknown) => absentAs<UnixSocket>('unix', missing, error));
  const list = assemble(p, inetTables, unixTable, missing);
  if (request.owners) join(list, await p.sources.owners.scanAsync({ wanted: wantedInodes(list) }));
  list.sources = p.sources.choices();
  return list;
}

/** The synchronous variant of {@link listSockets}. Throws a `NetstatError`. */
export function listSocketsSync(request: SocketRequest = {}): SocketList {
  const p = plan(request);
  const missing: string[] = [];
  const inetTables = p.tables.map(({ protocol, family }) => {
    try {
      return p.sources.inet(protocol, family).inet({ protocol, family, selection: p.selection, timers: request.timers ?? true });
    } catch (error) {
      return absentAs<InetSocket>(`${protocol}/${family}`, missing, error);
    }
  });
  let unixTable: Table<UnixSocket> | undefined;
  if (request.unix !== false) {
    try {
      unixTable = p.sources.unix().unix({ selection: p.selection });
    } catch (error) {
      unixTable = absentAs<UnixSocket>('unix', missing, error);
    }
  }
  const list = assemble(p, inetTables, unixTable, missing);
  if (request.owners) join(list, p.sources.owners.scan({ wanted: wantedInodes(list) }));
  list.sources = p.sources.choices();
  return list;
}
