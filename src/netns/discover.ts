/**
 * Network-namespace discovery: which network namespaces exist, the file to
 * open for `setns` into each, and a process whose `/proc/PID/net/*` shows its
 * tables (what the /proc fallback reads).
 *
 * Namespaces are found two ways, as `ip netns` and `lsns` do:
 *
 * - every numeric PID directory of the proc root: `readlink PID/ns/net` reads
 *   `net:[4026531840]`, the namespace's inode. A process that exits mid-walk
 *   (ENOENT/ESRCH) is skipped; one we may not inspect (EACCES/EPERM: another
 *   user's process, for a non-root caller) is counted, not fatal.
 * - every entry of the named-namespace directory (`/run/netns`): `ip netns
 *   add` bind-mounts the namespace's nsfs file there, so `stat` gives its inode.
 *   An entry that is not on nsfs is a file `ip netns add` left behind when its
 *   mount failed, and is not a namespace.
 *
 * The sync and async versions share one implementation: the steps are written
 * once as a generator that yields each file-system operation, and a sync or an
 * async runner performs them (the async one reads PID links in batches).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorCode, NetstatError, systemError } from '../errors';
import { procRoot as defaultProcRoot } from '../procfs/root';

export interface Namespace {
  /** The namespace's inode (`net:[N]` of `/proc/PID/ns/net`; `st_ino` of an nsfs file). */
  inode: number;
  /** Its name under the named-namespace directory; the first in sorted order if it has several. */
  name?: string;
  /** Every name it has there, sorted (present when it has one). */
  names?: string[];
  /** The lowest PID whose `/proc/PID/ns/net` is this namespace. */
  pid?: number;
  /** A file to open for `setns`: `<netnsDir>/NAME` when named, else `<procRoot>/PID/ns/net`. */
  path: string;
  /** `<procRoot>/PID` when a PID is known: its `net/tcp`, … are this namespace's tables. */
  procDir?: string;
  /** Whether this is the caller's own namespace (`<procRoot>/self/ns/net`). */
  current: boolean;
}

export interface Discovery {
  /** The caller's namespace first, then the others by inode ascending. */
  namespaces: Namespace[];
  /** Processes whose namespace link could not be read (EACCES/EPERM): their namespaces may be missing. */
  deniedProcesses: number;
}

export interface NamespaceOptions {
  /** The proc root; default `procRoot()` (`NETSTAT_PROC_ROOT` or `/proc`). */
  procRoot?: string;
  /** Where named namespaces are bound; default `netnsDir()` (`NETSTAT_NETNS_DIR` or `/run/netns`). */
  netnsDir?: string;
}

/** `statfs` type of nsfs, the file system of namespace files (`NSFS_MAGIC` in linux/magic.h). */
export const NSFS_MAGIC = 0x6e736673;

/** PID links read concurrently by the async walk: enough to hide latency, few enough not to flood the thread pool. */
const LINK_BATCH = 64;

/** The named-namespace directory: `NETSTAT_NETNS_DIR` if set, else `/run/netns` (where `ip netns` binds them). */
export function netnsDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.NETSTAT_NETNS_DIR;
  return dir !== undefined && dir !== '' ? dir : '/run/netns';
}

/** The inode in a network-namespace link's text (`net:[4026531840]`), or undefined for any other text. */
export function inodeOfNetLink(text: string): number | undefined {
  const match = /^net:\[(\d+)\]$/.exec(text);
  return match === null ? undefined : Number(match[1]);
}

export function listNamespaces(options: NamespaceOptions = {}): Discovery {
  return runSync(discover(roots(options)));
}

/** Async discoveries in progress, by roots: a call made while one runs shares it. */
const inFlight = new Map<string, Promise<Discovery>>();

/**
 * {@link listNamespaces} without blocking. Calls made while a discovery of
 * the same roots is running get that discovery's answer instead of walking
 * `/proc` again: a caller that starts several `netns: 'all'` queries at once
 * (the exporter: a count and two listener listings per scrape) discovers
 * once, and all of them see the same namespaces. A call after it settles
 * walks anew (nothing is cached); a call that joins a walk under way can miss
 * a namespace made just before it, as a slower walk of its own could.
 */
export async function listNamespacesAsync(options: NamespaceOptions = {}): Promise<Discovery> {
  const r = roots(options);
  const key = `${r.proc}\0${r.netns}`;
  let pending = inFlight.get(key);
  if (pending === undefined) {
    pending = runAsync(discover(r));
    inFlight.set(key, pending);
    const clear = (): void => {
      if (inFlight.get(key) === pending) inFlight.delete(key);
    };
    pending.then(clear, clear);
  }
  return copyOf(await pending);
}

/** Each caller of a shared discovery gets objects of its own to keep or change. */
function copyOf(found: Discovery): Discovery {
  const namespaces = found.namespaces.map((ns) => (ns.names === undefined ? { ...ns } : { ...ns, names: [...ns.names] }));
  return { namespaces, deniedProcesses: found.deniedProcesses };
}

/**
 * One namespace, given as
 * - a PID (a number or an all-digit string): the namespace of `<procRoot>/PID/ns/net`;
 * - a path (a string containing `/`): a namespace file (`/proc/PID/ns/net`, a bind mount such as
 *   `/run/netns/NAME`); its `path` is this file, made absolute;
 * - otherwise a name under the named-namespace directory; its `name` and `path` are that name's.
 *
 * The other fields come from a listing (`listNamespaces`), when the namespace is in it.
 * Throws NetstatError: `ERR_NETNS_NOT_FOUND` (no such PID, path or name), `ERR_INVALID_ARG_VALUE`
 * (not a network-namespace file, a malformed name or PID), `ERR_INVALID_ARG_TYPE`, or the system
 * code (`EACCES`, `EPERM`, …) when the link or file cannot be read.
 */
export function resolveNamespace(target: string | number, options: NamespaceOptions = {}): Namespace {
  return runSync(resolve(target, roots(options)));
}

export async function resolveNamespaceAsync(target: string | number, options: NamespaceOptions = {}): Promise<Namespace> {
  return runAsync(resolve(target, roots(options)));
}

// ---------------------------------------------------------------------------
// File-system operations, performed by a runner

type Op =
  | { op: 'readdir' | 'readlink' | 'stat' | 'statfs'; path: string }
  /** Many readlinks whose failures are returned, not thrown: the walk classifies each. */
  | { op: 'readlinks'; paths: string[] };

/** What each op returns (`stat` only the inode, which nsfs and `net:[N]` share). */
interface Results {
  readdir: string[];
  readlink: string;
  stat: number;
  statfs: number;
  readlinks: Array<string | Error>;
}

type Steps<T> = Generator<Op, T, unknown>;

function* perform<K extends keyof Results>(op: Op & { op: K }): Steps<Results[K]> {
  return (yield op) as Results[K];
}

function performSync(op: Op): unknown {
  switch (op.op) {
    case 'readdir':
      return fs.readdirSync(op.path);
    case 'readlink':
      return fs.readlinkSync(op.path);
    case 'stat':
      return fs.statSync(op.path).ino;
    case 'statfs':
      return fs.statfsSync(op.path).type;
    case 'readlinks':
      return op.paths.map((link) => {
        try {
          return fs.readlinkSync(link);
        } catch (err) {
          return err as Error;
        }
      });
  }
}

async function performAsync(op: Op): Promise<unknown> {
  switch (op.op) {
    case 'readdir':
      return fs.promises.readdir(op.path);
    case 'readlink':
      return fs.promises.readlink(op.path);
    case 'stat':
      return (await fs.promises.stat(op.path)).ino;
    case 'statfs':
      return (await fs.promises.statfs(op.path)).type;
    case 'readlinks': {
      const results: Array<string | Error> = [];
      for (let i = 0; i < op.paths.length; i += LINK_BATCH) {
        const batch = op.paths.slice(i, i + LINK_BATCH).map((link) => fs.promises.readlink(link).catch((err: Error) => err));
        results.push(...(await Promise.all(batch)));
      }
      return results;
    }
  }
}

function runSync<T>(steps: Steps<T>): T {
  let step = steps.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = performSync(step.value);
    } catch (err) {
      step = steps.throw(err);
      continue;
    }
    step = steps.next(result);
  }
  return step.value;
}

async function runAsync<T>(steps: Steps<T>): Promise<T> {
  let step = steps.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = await performAsync(step.value);
    } catch (err) {
      step = steps.throw(err);
      continue;
    }
    step = steps.next(result);
  }
  return step.value;
}

// ---------------------------------------------------------------------------
// Discovery

interface Roots {
  proc: string;
  netns: string;
}

function roots(options: NamespaceOptions): Roots {
  return { proc: options.procRoot ?? defaultProcRoot(), netns: options.netnsDir ?? netnsDir() };
}

const GONE = new Set(['ENOENT', 'ESRCH']);
const DENIED = new Set(['EACCES', 'EPERM']);

function* discover(roots: Roots): Steps<Discovery> {
  const current = yield* currentInode(roots.proc);

  let entries: string[];
  try {
    entries = yield* perform({ op: 'readdir', path: roots.proc });
  } catch (err) {
    throw namespaceFileError(err, `cannot list the processes in ${roots.proc}`, roots.proc, 'scandir');
  }
  const pids = entries.filter((name) => /^\d+$/.test(name)).map(Number);
  const links = yield* perform({ op: 'readlinks', paths: pids.map((pid) => path.join(roots.proc, String(pid), 'ns', 'net')) });

  const lowestPid = new Map<number, number>();
  let deniedProcesses = 0;
  links.forEach((link, i) => {
    if (typeof link !== 'string') {
      // Not permitted to inspect it: its namespace may be one we miss, so say so.
      // Anything else (exited, a zombie, not a process) has no namespace to find.
      if (DENIED.has(errorCode(link) ?? '')) deniedProcesses++;
      return;
    }
    const inode = inodeOfNetLink(link);
    if (inode === undefined) return;
    const pid = pids[i]!;
    const seen = lowestPid.get(inode);
    if (seen === undefined || pid < seen) lowestPid.set(inode, pid);
  });

  const named = yield* namedNamespaces(roots.netns);

  const inodes = new Set([...lowestPid.keys(), ...named.keys()]);
  if (current !== undefined) inodes.add(current);
  const namespaces = [...inodes].map((inode) => namespaceEntry(roots, inode, current, lowestPid.get(inode), named.get(inode)));
  namespaces.sort((a, b) => Number(b.current) - Number(a.current) || a.inode - b.inode);
  return { namespaces, deniedProcesses };
}

/** The caller's namespace, or undefined where the proc root has no readable `self` (a fixture tree without one). */
function* currentInode(proc: string): Steps<number | undefined> {
  try {
    return inodeOfNetLink(yield* perform({ op: 'readlink', path: path.join(proc, 'self', 'ns', 'net') }));
  } catch {
    return undefined;
  }
}

/** inode → its names (sorted), for every mounted namespace in the directory. */
function* namedNamespaces(dir: string): Steps<Map<number, string[]>> {
  const named = new Map<number, string[]>();
  let names: string[];
  try {
    names = yield* perform({ op: 'readdir', path: dir });
  } catch (err) {
    // No directory: nobody ever named a namespace here.
    if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ENOTDIR') return named;
    throw namespaceFileError(err, `cannot list the named network namespaces in ${dir}`, dir, 'scandir');
  }
  names.sort();
  for (const name of names) {
    const inode = yield* nsfsInode(path.join(dir, name));
    if (inode === undefined) continue;
    const list = named.get(inode);
    if (list === undefined) named.set(inode, [name]);
    else list.push(name);
  }
  return named;
}

/** The namespace inode of a file if it is a mounted namespace, undefined if it is gone or not one. */
function* nsfsInode(file: string): Steps<number | undefined> {
  try {
    const inode = yield* perform({ op: 'stat', path: file });
    // A plain file on the directory's own file system: a failed `ip netns add` left it.
    return (yield* perform({ op: 'statfs', path: file })) === NSFS_MAGIC ? inode : undefined;
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined; // deleted meanwhile
    throw namespaceFileError(err, `cannot inspect the named network namespace ${file}`, file, 'stat');
  }
}

function namespaceEntry(roots: Roots, inode: number, current: number | undefined, pid?: number, names?: string[]): Namespace {
  const entry: Namespace = { inode, path: '', current: inode === current };
  if (names !== undefined && names.length > 0) {
    entry.name = names[0]!;
    entry.names = names;
  }
  if (pid !== undefined) {
    entry.pid = pid;
    entry.procDir = path.join(roots.proc, String(pid));
  }
  // A name outlives any process, so its file is the stabler handle.
  if (entry.name !== undefined) entry.path = path.join(roots.netns, entry.name);
  else if (entry.procDir !== undefined) entry.path = path.join(entry.procDir, 'ns', 'net');
  // Only the caller's own namespace can lack both (a proc root whose walk missed it).
  else entry.path = path.join(roots.proc, 'self', 'ns', 'net');
  return entry;
}

// ---------------------------------------------------------------------------
// Resolution

function* resolve(target: string | number, roots: Roots): Steps<Namespace> {
  if (typeof target === 'number') return yield* byPid(target, roots);
  if (typeof target !== 'string') {
    throw new NetstatError(`network namespace: must be a PID, a path or a name (got ${typeof target})`, 'ERR_INVALID_ARG_TYPE');
  }
  if (target.includes('\0')) throw invalid(`invalid network namespace ${JSON.stringify(target)}: contains a NUL byte`);
  if (/^\d+$/.test(target)) return yield* byPid(Number(target), roots);
  if (target.includes('/')) return yield* byPath(target, roots);
  return yield* byName(target, roots);
}

function* byPid(pid: number, roots: Roots): Steps<Namespace> {
  if (!Number.isSafeInteger(pid) || pid <= 0) throw invalid(`invalid PID ${String(pid)}: must be a positive integer`);
  const procDir = path.join(roots.proc, String(pid));
  const link = path.join(procDir, 'ns', 'net');
  let text: string;
  try {
    text = yield* perform({ op: 'readlink', path: link });
  } catch (err) {
    const code = errorCode(err) ?? '';
    if (GONE.has(code) || code === 'ENOTDIR') throw notFound(`network namespace of PID ${pid} not found (no ${link})`, link);
    throw namespaceFileError(err, `cannot read the network namespace of PID ${pid}`, link, 'readlink');
  }
  const inode = inodeOfNetLink(text);
  if (inode === undefined) throw invalid(`${link} is not a network namespace link (it reads ${JSON.stringify(text)})`, link);
  const listed = yield* lookUp(inode, roots);
  return listed ?? { inode, pid, path: link, procDir, current: inode === (yield* currentInode(roots.proc)) };
}

function* byPath(target: string, roots: Roots): Steps<Namespace> {
  const file = path.resolve(target);
  // `/proc/PID/ns/*` are links whose text names the namespace (and its type); a
  // fixture tree's are ordinary symlinks with the same text.
  let text: string | undefined;
  try {
    text = yield* perform({ op: 'readlink', path: file });
  } catch (err) {
    const code = errorCode(err) ?? '';
    if (GONE.has(code) || code === 'ENOTDIR') throw notFound(`network namespace file "${target}" not found`, file);
    if (code !== 'EINVAL') throw namespaceFileError(err, 'cannot read the network namespace file', file, 'readlink');
    // EINVAL: not a symlink, e.g. a bind mount such as /run/netns/NAME.
  }
  const link = text === undefined ? null : /^([a-z_]+):\[(\d+)\]$/.exec(text);
  let inode: number;
  if (link !== null) {
    if (link[1] !== 'net') throw invalid(`"${target}" is a ${link[1]} namespace, not a network namespace`, file);
    inode = Number(link[2]);
  } else {
    let type: number;
    try {
      inode = yield* perform({ op: 'stat', path: file });
      type = yield* perform({ op: 'statfs', path: file });
    } catch (err) {
      if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ENOTDIR') throw notFound(`network namespace file "${target}" not found`, file);
      throw namespaceFileError(err, 'cannot read the network namespace file', file, 'stat');
    }
    if (type !== NSFS_MAGIC) throw invalid(`"${target}" is not a network namespace file`, file);
  }
  const listed = yield* lookUp(inode, roots);
  if (listed !== undefined) return { ...listed, path: file };
  return { inode, path: file, current: inode === (yield* currentInode(roots.proc)) };
}

function* byName(name: string, roots: Roots): Steps<Namespace> {
  if (name === '' || name === '.' || name === '..') throw invalid(`invalid network namespace name ${JSON.stringify(name)}`);
  const file = path.join(roots.netns, name);
  let inode: number;
  let type: number;
  try {
    inode = yield* perform({ op: 'stat', path: file });
    type = yield* perform({ op: 'statfs', path: file });
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw notFound(`network namespace "${name}" not found (no ${file})`, file);
    if (code === 'ENAMETOOLONG') throw invalid(`invalid network namespace name ${JSON.stringify(name)}: too long`, file);
    throw namespaceFileError(err, `cannot read the network namespace "${name}"`, file, 'stat');
  }
  // Not found rather than invalid: the listing does not show such a leftover either.
  if (type !== NSFS_MAGIC) throw notFound(`network namespace "${name}" not found (${file} is not a mounted namespace)`, file);
  const listed = yield* lookUp(inode, roots);
  const names = listed?.names ?? [name];
  return { ...(listed ?? { inode, current: inode === (yield* currentInode(roots.proc)) }), name, names, path: file };
}

/** The listing's entry for an inode; undefined if absent or if the listing itself fails (it only adds detail). */
function* lookUp(inode: number, roots: Roots): Steps<Namespace | undefined> {
  try {
    return (yield* discover(roots)).namespaces.find((entry) => entry.inode === inode);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Errors

function invalid(message: string, file?: string): NetstatError {
  return new NetstatError(message, 'ERR_INVALID_ARG_VALUE', file === undefined ? {} : { path: file });
}

function notFound(message: string, file: string): NetstatError {
  return new NetstatError(message, 'ERR_NETNS_NOT_FOUND', { path: file });
}

/** A system error with its code kept (`EACCES`, …) and the C library's wording. */
function namespaceFileError(err: unknown, what: string, file: string, syscall: string): NetstatError {
  return systemError(err, file, syscall, `${what} (${file})`);
}
