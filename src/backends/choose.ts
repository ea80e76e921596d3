/**
 * Chooses, per table, which source serves it — the native sock_diag engine or
 * the /proc reader — and records why (design notes §1.4: never a silent
 * fallback). The CLI and library ask `chooseSources()` once and then take
 * `inet(protocol, family)`, `unix()` and `owners` from it; `choices()` tells
 * what was used, e.g. for `netstat -v` on stderr.
 *
 * Policy:
 * - `NETSTAT_BACKEND=procfs` (or `backend: 'procfs'`): /proc for everything.
 * - `NETSTAT_PROC_ROOT` set (a fixture tree): /proc for everything, unless
 *   netlink is forced — the kernel's tables would not match the tree.
 * - otherwise the addon if it loads; if not, /proc with the loader's reason,
 *   or an `ERR_NATIVE_UNAVAILABLE` error when netlink is forced or
 *   `NETSTAT_REQUIRE_NATIVE=1` asks for it.
 * - with the addon, each table is tried on netlink first; a refusal that
 *   means "not here" sends that table to /proc for good: EPERM/EACCES
 *   (netlink refused, e.g. a sandbox) and ENOENT (no diag module for that
 *   protocol). When netlink is forced, EPERM/EACCES are raised instead, but
 *   ENOENT still sends the table to /proc: the kernel cannot dump that
 *   protocol at all (e.g. RAW without CONFIG_INET_RAW_DIAG), and leaving its
 *   rows out would be silently wrong. The choice is recorded either way.
 * - a UNIX table with connections waiting to be accepted is read from /proc
 *   for that call even when netlink is forced: unix_diag cannot list those
 *   rows, and an exact table matters more than the source.
 * - owners, with the engine: the fd walk by the kernel's BPF iterator when
 *   the engine can have it, else through /proc (`owner-walk.ts`); each scan
 *   records its method (`walk`) and why in the `owners` choice.
 *   `NETSTAT_OWNER_WALK=proc|bpf` forces one.
 */
import * as path from 'node:path';
import { NetstatError, errorCode } from '../errors';
import type { InetFamily, InetProtocol, InetSocket, UnixSocket } from '../model';
import { type NativeBinding, type NativeLoadOutcome, nativeOutcome } from '../native';
import { procRoot as defaultProcRoot } from '../procfs/root';
import {
  ERR_UNIX_EMBRYOS,
  type InetBothQuery,
  type InetPair,
  type NetlinkBackend,
  createNetlinkBackend,
  dumpsBothFamilies,
} from './netlink';
import { type OwnerWalkRequest, createChosenOwners, parseOwnerWalkEnv, refusingOwners } from './owner-walk';
import { createProcfsBackend, createProcfsOwners } from './procfs';
import type { BackendName, InetQuery, OwnerSource, SocketBackend, Table, UnixQuery } from './types';

export type BackendRequest = 'netlink' | 'procfs' | 'auto';

/** Which backend served one table, and why. */
export interface SourceChoice {
  /** `tcp/inet`, `udp/inet6`, …, `unix`, or `owners` (the -p process table). */
  table: string;
  /** `native` only for `owners`: the addon's walk of /proc. */
  backend: BackendName | 'native';
  /** Why this backend: e.g. `forced by NETSTAT_BACKEND=procfs`, `native engine not-built: …`. */
  reason: string;
  /** The error code that caused a fallback, when one did. */
  code?: string;
  /** `owners` on the native engine: how the fds were read, `bpf` (the kernel's task_file iterator) or `proc`. */
  walk?: 'bpf' | 'proc';
}

export interface Sources {
  inet(protocol: InetProtocol, family: InetFamily): SocketBackend;
  unix(): SocketBackend;
  owners: OwnerSource;
  /**
   * Both families' tables of `query.protocol` from one dump, when one dump
   * can list them (`dumpsBothFamilies`: TCP) and neither table has gone to
   * /proc; each table's choice is recorded as its own read records it.
   * Undefined otherwise — no engine, another protocol, a table on /proc —
   * and also when the combined dump fails: the caller then reads the tables
   * one by one, which decide fallbacks and errors per table as always (a
   * failure costs one more attempt, never another outcome). Only an abort is
   * thrown.
   */
  inetBoth?(query: InetBothQuery, packed: boolean): InetPair | undefined;
  inetBothAsync?(query: InetBothQuery): Promise<InetPair | undefined>;
  /** The choices made so far (a table is decided when first read), in the order they were made. */
  choices(): SourceChoice[];
}

export interface ChooseOptions {
  /** Overrides `NETSTAT_BACKEND`. */
  backend?: BackendRequest;
  /** Overrides `NETSTAT_PROC_ROOT`. */
  procRoot?: string;
  env?: NodeJS.ProcessEnv;
  /** For tests: the loader outcome to use instead of loading the installed addon. */
  native?: { binding: NativeBinding } | Exclude<NativeLoadOutcome, { binding: NativeBinding }>;
}

/** Error codes meaning "netlink cannot serve this table here" (fall back when not forced). */
const FALLBACK_CODES = new Set(['EPERM', 'EACCES', 'ENOENT', 'EPROTONOSUPPORT', 'EAFNOSUPPORT']);

export function chooseSources(opts: ChooseOptions = {}): Sources {
  const env = opts.env ?? process.env;
  const request = opts.backend ?? parseBackendEnv(env.NETSTAT_BACKEND);
  const root = opts.procRoot ?? defaultProcRoot(env);
  const fixtureRoot = path.resolve(root) !== '/proc';
  const requireNative = env.NETSTAT_REQUIRE_NATIVE === '1';
  const walk = parseOwnerWalkEnv(env.NETSTAT_OWNER_WALK);
  const log: SourceChoice[] = [];

  let procfs: SocketBackend | undefined;
  const procfsBackend = (): SocketBackend => (procfs ??= createProcfsBackend(root));

  const everythingProcfs = (reason: string): Sources => {
    const record = (table: string) => note(log, { table, backend: 'procfs', reason });
    return {
      inet: (protocol, family) => recording(procfsBackend(), () => record(`${protocol}/${family}`)),
      unix: () => recording(procfsBackend(), () => record('unix')),
      owners: walk === 'bpf' ? refusingOwners('procfs', `the owners are read by /proc (${reason})`) : recordingOwners(createProcfsOwners(root), () => record('owners')),
      choices: () => log.slice(),
    };
  };

  if (request === 'procfs') return everythingProcfs('forced by NETSTAT_BACKEND=procfs');
  if (request === 'auto' && fixtureRoot) return everythingProcfs(`proc root ${root} is not the live /proc`);

  const outcome = opts.native ?? nativeOutcome();
  if (!('binding' in outcome)) {
    const why = `native engine ${outcome.reason}: ${outcome.message}`;
    if (request === 'netlink' || requireNative) {
      const by = request === 'netlink' ? 'NETSTAT_BACKEND=netlink' : 'NETSTAT_REQUIRE_NATIVE=1';
      throw new NetstatError(`${by} but the ${why}`, 'ERR_NATIVE_UNAVAILABLE');
    }
    return everythingProcfs(why);
  }
  // With the engine, /proc can also be read inside a namespace no process is in.
  const binding = outcome.binding;
  const procfsInside = (): SocketBackend => (procfs ??= createProcfsBackend(root, fixtureRoot ? undefined : (netns, file) => binding.readProcIn(netns, file)));
  return nativeSources(binding, request === 'netlink', root, procfsInside, log, walk);
}

export function parseBackendEnv(value: string | undefined): BackendRequest {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'netlink' || value === 'procfs') return value;
  throw new NetstatError(`NETSTAT_BACKEND must be netlink, procfs or auto (got ${JSON.stringify(value)})`, 'ERR_INVALID_BACKEND');
}

function nativeSources(
  binding: NativeBinding,
  forced: boolean,
  root: string,
  procfsBackend: () => SocketBackend,
  log: SourceChoice[],
  walk: OwnerWalkRequest,
): Sources {
  const netlink = createNetlinkBackend(binding);
  const reason = forced ? 'forced by NETSTAT_BACKEND=netlink' : 'native engine loaded';
  const tables = new Map<string, TableBackend>();
  const table = (name: string): TableBackend => {
    let backend = tables.get(name);
    if (backend === undefined) {
      backend = perTable(name, netlink, procfsBackend, forced, reason, log);
      tables.set(name, backend);
    }
    return backend;
  };
  /** The two tables of a protocol one dump can serve, or undefined (a table already on /proc is read there, alone). */
  const pairOf = (protocol: InetProtocol): [TableBackend, TableBackend] | undefined => {
    if (!dumpsBothFamilies(protocol)) return undefined;
    const pair: [TableBackend, TableBackend] = [table(`${protocol}/inet`), table(`${protocol}/inet6`)];
    return pair.every((t) => t.name === 'netlink') ? pair : undefined;
  };
  return {
    inet: (protocol, family) => table(`${protocol}/${family}`),
    unix: () => table('unix'),
    owners: createChosenOwners(binding, root, walk, (c) =>
      note(log, { table: 'owners', backend: 'native', reason: `${reason}; fd walk: ${c.method} (${c.reason})`, walk: c.method, ...(c.code === undefined ? {} : { code: c.code }) }),
    ),
    inetBoth: (query, packed) => {
      const pair = pairOf(query.protocol);
      if (pair === undefined) return undefined;
      try {
        return served(pair, netlink.inetBoth(query, packed));
      } catch (err) {
        return bothFailed(err);
      }
    },
    inetBothAsync: async (query) => {
      const pair = pairOf(query.protocol);
      if (pair === undefined) return undefined;
      try {
        return served(pair, await netlink.inetBothAsync(query));
      } catch (err) {
        return bothFailed(err);
      }
    },
    choices: () => log.slice(),
  };
}

/** Record both tables of a combined read as served by netlink (IPv4 first, as net-tools reads them). */
function served(tables: [TableBackend, TableBackend], pair: InetPair): InetPair {
  for (const t of tables) t.served();
  return pair;
}

/** A combined dump that failed: let the per-table reads decide (they fall back or fail), unless it was aborted. */
function bothFailed(err: unknown): undefined {
  if (errorCode(err) === 'ABORT_ERR') throw err;
  return undefined;
}

/** One table's backend: tries netlink, falls back per its rules; `served()` records a netlink read made for it elsewhere. */
type TableBackend = SocketBackend & { served(): void };

/**
 * A SocketBackend for one table that tries netlink once and then sticks with
 * what worked. Decisions are recorded the first time the table is read.
 */
function perTable(
  name: string,
  netlink: NetlinkBackend,
  procfsBackend: () => SocketBackend,
  forced: boolean,
  reason: string,
  log: SourceChoice[],
): TableBackend {
  let decided: BackendName | undefined;
  const fallback = (err: unknown): boolean => {
    const code = errorCode(err);
    if (decided === 'netlink' || code === undefined || !FALLBACK_CODES.has(code)) return false;
    // Entering another namespace failed: that says nothing about netlink, and
    // the namespace's own outcome reports it.
    if (isNamespaceEntryError(err)) return false;
    if (forced && code !== 'ENOENT') return false;
    decided = 'procfs';
    const message = err instanceof Error ? err.message : String(err);
    const why = code === 'ENOENT' ? 'the kernel cannot dump this protocol over sock_diag' : 'netlink refused';
    note(log, { table: name, backend: 'procfs', reason: `${why} (${message})`, code });
    return true;
  };
  const succeeded = () => {
    if (decided === undefined) {
      decided = 'netlink';
      note(log, { table: name, backend: 'netlink', reason });
    }
  };
  const embryos = () =>
    note(log, {
      table: name,
      backend: 'procfs',
      reason: 'connections waiting to be accepted are listed only by /proc/net/unix',
      code: ERR_UNIX_EMBRYOS,
    });

  /** After a failed netlink read: /proc when the rules send the table there, else the error. */
  function recover<T>(err: unknown, viaProcfs: () => T): T {
    if (errorCode(err) === ERR_UNIX_EMBRYOS) {
      embryos();
      return viaProcfs();
    }
    if (fallback(err)) return viaProcfs();
    throw err;
  }
  function run<T>(viaNetlink: () => T, viaProcfs: () => T): T {
    if (decided === 'procfs') return viaProcfs();
    try {
      const result = viaNetlink();
      succeeded();
      return result;
    } catch (err) {
      return recover(err, viaProcfs);
    }
  }
  async function runAsync<T>(viaNetlink: () => Promise<T>, viaProcfs: () => Promise<T>): Promise<T> {
    if (decided === 'procfs') return viaProcfs();
    try {
      const result = await viaNetlink();
      succeeded();
      return result;
    } catch (err) {
      return recover(err, viaProcfs);
    }
  }

  return {
    get name(): BackendName {
      return decided ?? 'netlink';
    },
    inet: (q: InetQuery): Table<InetSocket> => run(() => netlink.inet(q), () => procfsBackend().inet(q)),
    inetPacked: (q: InetQuery): Table<InetSocket> => run(() => (netlink.inetPacked ?? netlink.inet)(q), () => procfsBackend().inet(q)),
    inetStream: (q: InetQuery, afterFirst?: boolean): Table<InetSocket> =>
      run(() => (netlink.inetStream !== undefined ? netlink.inetStream(q, afterFirst) : (netlink.inetPacked ?? netlink.inet)(q)), () => procfsBackend().inet(q)),
    inetAsync: (q: InetQuery) => runAsync(() => netlink.inetAsync(q), () => procfsBackend().inetAsync(q)),
    unix: (q: UnixQuery): Table<UnixSocket> => run(() => netlink.unix(q), () => procfsBackend().unix(q)),
    unixAsync: (q: UnixQuery) => runAsync(() => netlink.unixAsync(q), () => procfsBackend().unixAsync(q)),
    visitInet: (q, visit) => run(() => netlink.visitInet(q, visit), () => procfsBackend().visitInet(q, visit)),
    visitInetAsync: (q, visit) => runAsync(() => netlink.visitInetAsync(q, visit), () => procfsBackend().visitInetAsync(q, visit)),
    served: succeeded,
  };
}

/**
 * An error from opening or entering a network namespace (the native engine's
 * `open` of the namespace file, or `setns`), as opposed to one from netlink.
 */
export function isNamespaceEntryError(err: unknown): boolean {
  const syscall = typeof err === 'object' && err !== null ? (err as { syscall?: unknown }).syscall : undefined;
  return syscall === 'setns' || syscall === 'open';
}

/** Record a choice once per table (the latest reason wins for repeated fallbacks). */
function note(log: SourceChoice[], choice: SourceChoice): void {
  const at = log.findIndex((c) => c.table === choice.table);
  if (at === -1) log.push(choice);
  else log[at] = choice;
}

/** `read()`, once `record()` has noted the choice. */
function recorded<T>(record: () => void, read: () => T): T {
  record();
  return read();
}

/** A backend whose every read records the choice (`note` keeps one entry per table). */
function recording(backend: SocketBackend, record: () => void): SocketBackend {
  return {
    name: backend.name,
    inet: (q) => recorded(record, () => backend.inet(q)),
    inetAsync: (q) => recorded(record, () => backend.inetAsync(q)),
    unix: (q) => recorded(record, () => backend.unix(q)),
    unixAsync: (q) => recorded(record, () => backend.unixAsync(q)),
    visitInet: (q, visit) => recorded(record, () => backend.visitInet(q, visit)),
    visitInetAsync: (q, visit) => recorded(record, () => backend.visitInetAsync(q, visit)),
  };
}

function recordingOwners(owners: OwnerSource, record: () => void): OwnerSource {
  return {
    name: owners.name,
    scan: (q) => recorded(record, () => owners.scan(q)),
    scanAsync: (q) => recorded(record, () => owners.scanAsync(q)),
  };
}
