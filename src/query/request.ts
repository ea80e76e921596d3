/**
 * The library's socket query as a caller writes it, and its validation: every
 * option is checked once, here, and turned into the engine's filter and table
 * list. A bad request rejects with a `NetstatError` whose `code` names the
 * problem (Node's own codes where they fit) and whose message names the field:
 *
 * - `ERR_INVALID_ARG_TYPE`: not an object, or a value of the wrong type;
 * - `ERR_UNKNOWN_OPTION`: a key the query does not have (a misspelling);
 * - `ERR_OUT_OF_RANGE`: a number outside its range (a port above 65535, …);
 * - `ERR_INVALID_ARG_VALUE`: a value that is not one of the allowed ones (an
 *   unknown protocol or state, an address that does not parse, a proc root
 *   that is not a directory).
 */
import { statSync } from 'node:fs';
import type { BackendRequest } from '../backends/choose';
import { NetstatError } from '../errors';
import { type AddressPrefix, type PortRange, type Selection, type SocketFilter, parseAddress, unixCanMatch } from '../filter';
import { INET_FAMILIES, INET_PROTOCOLS, type InetFamily, type InetProtocol, TCP_STATE_NAMES } from '../model';
import type { OwnerFilter, TableSpec } from './engine';

/** Every socket table kind: the four Internet protocols and UNIX. */
export type SocketProtocol = InetProtocol | 'unix';

/** TCP state names (for every Internet socket: UDP is `ESTABLISHED` or `CLOSE`). */
export type TcpStateName =
  | 'ESTABLISHED' | 'SYN_SENT' | 'SYN_RECV' | 'FIN_WAIT1' | 'FIN_WAIT2' | 'TIME_WAIT'
  | 'CLOSE' | 'CLOSE_WAIT' | 'LAST_ACK' | 'LISTEN' | 'CLOSING';
/** UNIX socket state names, as `UnixSocket.stateName` gives them. */
export type UnixStateName = 'LISTENING' | 'CONNECTED' | 'UNCONNECTED' | 'CONNECTING' | 'DISCONNECTING' | 'FREE';
export type StateName = TcpStateName | UnixStateName;

/** A port, a list of ports and inclusive `[low, high]` ranges: `22`, `[80, 443]`, `[[8000, 8999]]`, `[22, [8000, 8999]]`. */
export type PortSpec = number | ReadonlyArray<number | readonly [number, number]>;
/** An address or CIDR prefix (`'127.0.0.1'`, `'10.0.0.0/8'`, `'::1'`, `'fe80::/10'`), or a list of them. */
export type AddressSpec = string | readonly string[];

export interface SocketQuery {
  /** Tables to read (default: all of `tcp`, `udp`, `udplite`, `raw`, `unix`). */
  protocols?: readonly SocketProtocol[];
  /** Internet families (default: both). UNIX sockets are not affected. */
  families?: readonly InetFamily[];
  /** net-tools' selection: `all` (default), `listening` (`-l`: servers), `connected` (neither `-l` nor `-a`). */
  selection?: Selection;
  /**
   * Keep sockets in these states: TCP names apply to Internet sockets, UNIX
   * names to UNIX sockets; `LISTEN`/`LISTENING` and `ESTABLISHED`/`CONNECTED`
   * are taken for each other, so `['LISTEN']` means listeners of every kind.
   */
  states?: readonly StateName[];
  localPort?: PortSpec;
  remotePort?: PortSpec;
  /** A v4 address or prefix also matches its v4-mapped IPv6 form (`::ffff:a.b.c.d`). */
  localAddress?: AddressSpec;
  remoteAddress?: AddressSpec;
  /** Owner uid of the socket (Internet sockets; a UNIX socket has none and never matches). */
  uid?: number | readonly number[];
  /** Keep sockets held by one of these processes (implies `owners`); only those processes' fds are read. */
  pid?: number | readonly number[];
  /** Keep sockets held by a process of one of these program names (net-tools' name; implies `owners`). */
  program?: string | readonly string[];
  /**
   * Fill `pid` and `program` (the first holder in /proc order: what `netstat -p`
   * shows) and `owners` from the /proc fd walk (default: false). With `true`
   * the walk stops once every kept socket has its first holder, so `owners`
   * lists the holders met until then; `'all'` walks every process, so
   * `owners` lists every holder (all the workers of a pre-fork server).
   */
  owners?: boolean | 'all';
  /** Timer details on TCP sockets (default: true; false lets netlink skip tcp_info). */
  timers?: boolean;
  /**
   * Read a table a second time for the sockets the first read skipped. The
   * kernel hands a table out in pieces (a netlink datagram, a /proc page) and
   * finds its place again by counting sockets into a hash bucket, so a socket
   * closing ahead of that place between two pieces makes it skip one that
   * lived through the whole read (ss and net-tools miss it too). A second
   * read of a table that came in more than one piece adds the sockets the
   * first lacked; it costs about what the first did. `true`: every such table;
   * `false`: none (one read, the fastest); default: tables of at most 16,384
   * sockets. Whatever this says, no socket is listed twice.
   */
  verify?: boolean;
  /** `auto` (default; or `NETSTAT_BACKEND`), `netlink` or `procfs`. */
  backend?: BackendRequest;
  /** Read /proc from this directory (a captured tree); implies the procfs backend unless netlink is forced. */
  procRoot?: string;
  /**
   * The network namespace(s) to read, instead of the caller's own: `'all'`
   * (every namespace in use: those of every process, and those bound under
   * `/run/netns`), a name under `/run/netns`, the path of a namespace file
   * (`/proc/PID/ns/net`, `/var/run/docker/netns/…`), or a PID (the namespace
   * that process is in). Records then carry `netns`, and the list reports each
   * namespace (`namespaces`). Entering another namespace needs CAP_SYS_ADMIN
   * on the netlink backend; the /proc backend reads `/proc/PID/net/*` of a
   * process inside it instead.
   */
  netns?: 'all' | string | number;
  /**
   * Keep Internet sockets created in these cgroups or below them: paths
   * relative to the cgroup2 root, as `cgroup.path` gives them
   * (`'/system.slice/nginx.service'`, `'/system.slice'`). The kernel applies
   * it (inet_diag bytecode, kernels 5.9+); netlink backend only (the /proc
   * backend fails with `ERR_CGROUP_FILTER_UNSUPPORTED`). UNIX sockets never match.
   */
  cgroup?: string | readonly string[];
  /**
   * Fill `cgroup.path` and `cgroup.container` of the records (the kernel gives
   * the cgroup id; its path is found under the cgroup2 mount). Default false.
   */
  cgroups?: boolean;
  /** Aborts the call: it rejects with an `AbortError` (`code` `'ABORT_ERR'`). */
  signal?: AbortSignal;
}

const KEYS: ReadonlySet<string> = new Set([
  'protocols', 'families', 'selection', 'states', 'localPort', 'remotePort', 'localAddress', 'remoteAddress',
  'uid', 'pid', 'program', 'owners', 'timers', 'verify', 'backend', 'procRoot', 'netns', 'cgroup', 'cgroups', 'signal',
]);

const PROTOCOLS: readonly SocketProtocol[] = [...INET_PROTOCOLS, 'unix'];
const SELECTIONS: readonly Selection[] = ['all', 'listening', 'connected'];
const BACKENDS: readonly BackendRequest[] = ['auto', 'netlink', 'procfs'];
const UNIX_STATE_NAMES: readonly UnixStateName[] = ['LISTENING', 'CONNECTED', 'UNCONNECTED', 'CONNECTING', 'DISCONNECTING', 'FREE'];
/** The other kind's name each state also stands for. */
const STATE_TWINS: Readonly<Record<string, string>> = { LISTEN: 'LISTENING', LISTENING: 'LISTEN', ESTABLISHED: 'CONNECTED', CONNECTED: 'ESTABLISHED' };

/** The request, checked and normalised: what the engine needs besides the sources. */
export interface ValidatedQuery {
  tables: TableSpec[];
  filter: SocketFilter;
  ownerFilter?: OwnerFilter;
  owners: boolean;
  /** `owners: 'all'`: walk every process. */
  completeWalk: boolean;
  timers: boolean;
  verify?: boolean;
  backend?: BackendRequest;
  procRoot?: string;
  netns?: 'all' | string | number;
  /** `cgroup`: the cgroup paths to keep (their subtrees). */
  cgroupPaths?: string[];
  cgroups: boolean;
  signal?: AbortSignal;
}

function fail(code: string, field: string, problem: string): never {
  throw new NetstatError(`${field}: ${problem}`, code);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function listOf<T>(value: unknown, field: string, check: (item: unknown, field: string) => T): T[] {
  if (!Array.isArray(value)) fail('ERR_INVALID_ARG_TYPE', field, `must be an array (got ${describe(value)})`);
  return value.map((item, i) => check(item, `${field}[${i}]`));
}

function oneOrList<T>(value: unknown, field: string, check: (item: unknown, field: string) => T): T[] {
  return Array.isArray(value) ? listOf(value, field, check) : [check(value, field)];
}

function choice<T extends string>(allowed: readonly T[]) {
  return (value: unknown, field: string): T => {
    if (typeof value !== 'string') fail('ERR_INVALID_ARG_TYPE', field, `must be a string (got ${describe(value)})`);
    if (!(allowed as readonly string[]).includes(value)) fail('ERR_INVALID_ARG_VALUE', field, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')} (got ${describe(value)})`);
    return value as T;
  };
}

function integer(min: number, max: number) {
  return (value: unknown, field: string): number => {
    if (typeof value !== 'number') fail('ERR_INVALID_ARG_TYPE', field, `must be a number (got ${describe(value)})`);
    if (!Number.isInteger(value) || value < min || value > max) fail('ERR_OUT_OF_RANGE', field, `must be an integer from ${min} to ${max} (got ${value})`);
    return value;
  };
}

function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') fail('ERR_INVALID_ARG_TYPE', field, `must be a boolean (got ${describe(value)})`);
  return value;
}

/** `owners`: a boolean, or `'all'` for a walk of every process. */
function ownersOption(value: unknown, field: string): boolean | 'all' {
  if (value !== 'all' && typeof value !== 'boolean') fail('ERR_INVALID_ARG_TYPE', field, `must be a boolean or 'all' (got ${describe(value)})`);
  return value;
}

const port = integer(0, 65535);

function portRanges(value: unknown, field: string): PortRange[] {
  if (!Array.isArray(value)) return [[port(value, field), port(value, field)]];
  return value.map((item: unknown, i): PortRange => {
    const at = `${field}[${i}]`;
    if (!Array.isArray(item)) {
      const p = port(item, at);
      return [p, p];
    }
    if (item.length !== 2) fail('ERR_INVALID_ARG_VALUE', at, `a range must be [low, high] (got ${item.length} elements)`);
    const low = port(item[0], `${at}[0]`);
    const high = port(item[1], `${at}[1]`);
    if (low > high) fail('ERR_OUT_OF_RANGE', at, `low ${low} is above high ${high}`);
    return [low, high];
  });
}

function addressPrefix(value: unknown, field: string): AddressPrefix {
  if (typeof value !== 'string') fail('ERR_INVALID_ARG_TYPE', field, `must be a string (got ${describe(value)})`);
  const slash = value.indexOf('/');
  const text = slash < 0 ? value : value.slice(0, slash);
  const address = parseAddress(text);
  if (address === undefined) fail('ERR_INVALID_ARG_VALUE', field, `not an IPv4 or IPv6 address (got ${describe(value)})`);
  const bits = address.bytes.length * 8;
  let prefixLength = bits;
  if (slash >= 0) {
    const length = value.slice(slash + 1);
    if (!/^\d{1,3}$/.test(length)) fail('ERR_INVALID_ARG_VALUE', field, `the prefix length must be a number (got ${describe(value)})`);
    prefixLength = Number(length);
    if (prefixLength > bits) fail('ERR_OUT_OF_RANGE', field, `the prefix length must be at most ${bits} (got ${prefixLength})`);
  }
  return { family: address.family, bytes: address.bytes, prefixLength };
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return value instanceof AbortSignal;
}

/** Check a request; throws a `NetstatError` naming the first bad field. */
export function validateQuery(input: unknown, field = 'query'): ValidatedQuery {
  if (input === undefined) input = {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    fail('ERR_INVALID_ARG_TYPE', field, `must be an object (got ${describe(input)})`);
  }
  const q = input as Record<string, unknown>;
  for (const key of Object.keys(q)) {
    if (!KEYS.has(key)) fail('ERR_UNKNOWN_OPTION', `${field}.${key}`, `unknown option (the options are ${[...KEYS].join(', ')})`);
  }
  const has = (key: string) => q[key] !== undefined;
  const at = (key: string) => `${field}.${key}`;

  const protocols = has('protocols') ? listOf(q.protocols, at('protocols'), choice(PROTOCOLS)) : PROTOCOLS;
  const families = has('families') ? listOf(q.families, at('families'), choice(INET_FAMILIES)) : INET_FAMILIES;
  const selection = has('selection') ? choice(SELECTIONS)(q.selection, at('selection')) : 'all';
  const filter: SocketFilter = { selection };

  if (has('states')) {
    const names = listOf(q.states, at('states'), choice([...TCP_STATE_NAMES.slice(1), ...UNIX_STATE_NAMES] as StateName[]));
    const all = new Set<string>(names);
    for (const name of names) if (STATE_TWINS[name] !== undefined) all.add(STATE_TWINS[name]!);
    let inetStates = 0;
    TCP_STATE_NAMES.forEach((name, state) => {
      if (state > 0 && all.has(name)) inetStates |= 1 << state;
    });
    filter.inetStates = inetStates;
    filter.unixStates = new Set(UNIX_STATE_NAMES.filter((name) => all.has(name)));
  }
  if (has('localPort')) filter.localPorts = portRanges(q.localPort, at('localPort'));
  if (has('remotePort')) filter.remotePorts = portRanges(q.remotePort, at('remotePort'));
  if (has('localAddress')) filter.localAddresses = oneOrList(q.localAddress, at('localAddress'), addressPrefix);
  if (has('remoteAddress')) filter.remoteAddresses = oneOrList(q.remoteAddress, at('remoteAddress'), addressPrefix);
  if (has('uid')) filter.uids = new Set(oneOrList(q.uid, at('uid'), integer(0, 0xffffffff)));

  let ownerFilter: OwnerFilter | undefined;
  if (has('pid')) ownerFilter = { pids: new Set(oneOrList(q.pid, at('pid'), integer(1, 0x7fffffff))) };
  if (has('program')) {
    const programs = oneOrList(q.program, at('program'), (value, f) => {
      if (typeof value !== 'string') fail('ERR_INVALID_ARG_TYPE', f, `must be a string (got ${describe(value)})`);
      return value;
    });
    ownerFilter = { ...ownerFilter, programs: new Set(programs) };
  }

  const owners = has('owners') ? ownersOption(q.owners, at('owners')) : false;
  const result: ValidatedQuery = {
    tables: tablesFor(protocols, families, unixCanMatch(filter)),
    filter,
    owners: owners !== false,
    completeWalk: owners === 'all',
    timers: has('timers') ? boolean(q.timers, at('timers')) : true,
    cgroups: has('cgroups') ? boolean(q.cgroups, at('cgroups')) : false,
  };
  if (has('verify')) result.verify = boolean(q.verify, at('verify'));
  if (has('netns')) result.netns = netnsOption(q.netns, at('netns'));
  if (has('cgroup')) {
    result.cgroupPaths = oneOrList(q.cgroup, at('cgroup'), (value, f) => {
      if (typeof value !== 'string') fail('ERR_INVALID_ARG_TYPE', f, `must be a string (got ${describe(value)})`);
      if (!value.startsWith('/') || value.includes('\0')) fail('ERR_INVALID_ARG_VALUE', f, `must be a cgroup path from the cgroup2 root, starting with / (got ${describe(value)})`);
      return value;
    });
    // UNIX sockets have no cgroup.
    result.tables = result.tables.filter((t) => t.kind !== 'unix');
  }
  if (ownerFilter !== undefined) result.ownerFilter = ownerFilter;
  if (has('backend')) result.backend = choice(BACKENDS)(q.backend, at('backend'));
  if (has('procRoot')) result.procRoot = procRootOf(q.procRoot, at('procRoot'));
  if (has('signal')) {
    if (!isAbortSignal(q.signal)) fail('ERR_INVALID_ARG_TYPE', at('signal'), `must be an AbortSignal (got ${describe(q.signal)})`);
    result.signal = q.signal;
  }
  return result;
}

/** `netns`: `'all'`, a name or path (a non-empty string without NUL), or a PID. */
function netnsOption(value: unknown, field: string): 'all' | string | number {
  if (typeof value === 'number') return integer(1, 0x7fffffff)(value, field);
  if (typeof value !== 'string') fail('ERR_INVALID_ARG_TYPE', field, `must be 'all', a name, a path or a PID (got ${describe(value)})`);
  if (value === '' || value.includes('\0')) fail('ERR_INVALID_ARG_VALUE', field, `must be 'all', a name, a path or a PID (got ${describe(value)})`);
  return value;
}

function procRootOf(value: unknown, field: string): string {
  if (typeof value !== 'string') fail('ERR_INVALID_ARG_TYPE', field, `must be a string (got ${describe(value)})`);
  let isDirectory = false;
  try {
    isDirectory = statSync(value).isDirectory();
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'EIO';
    throw new NetstatError(`${field}: cannot use ${JSON.stringify(value)} (${code})`, 'ERR_INVALID_ARG_VALUE', { path: value, cause: error });
  }
  if (!isDirectory) fail('ERR_INVALID_ARG_VALUE', field, `${JSON.stringify(value)} is not a directory`);
  return value;
}

/** Tables in net-tools' order; UNIX only when asked for and its sockets can match the filter. */
export function tablesFor(protocols: readonly SocketProtocol[], families: readonly InetFamily[], unixPossible: boolean): TableSpec[] {
  const tables: TableSpec[] = [];
  for (const protocol of INET_PROTOCOLS) {
    if (!protocols.includes(protocol)) continue;
    for (const family of INET_FAMILIES) {
      if (families.includes(family)) tables.push({ kind: 'inet', protocol, family, name: `${protocol}/${family}` });
    }
  }
  if (protocols.includes('unix') && unixPossible) tables.push({ kind: 'unix', name: 'unix' });
  return tables;
}
