/**
 * Watching sockets change: `watchSockets(query, { intervalMs, signal })` is
 * an async iterator of `added`, `removed` and `changed` events.
 *
 * - Additions and changes (state, queues) come from the query's dump, taken
 *   every `intervalMs` and compared with the previous one, by a key that
 *   names one socket for its whole life: the kernel's socket cookie on the
 *   netlink backend; on /proc (which has no cookie) the table, addresses,
 *   ports and inode.
 * - Removals of TCP and UDP sockets arrive at once, from the kernel's
 *   sock_diag destroy notifications (netlink backend, one watch thread per
 *   namespace); everything else (UDP-Lite, RAW, UNIX, the /proc backend) is
 *   seen removed at the next dump. When the kernel drops notifications
 *   (ENOBUFS) a dump is taken at once: the diff then finds every removal, so
 *   nothing is lost, only later.
 *
 * Rules (documented in the README): the first dump reports every socket
 * present as `added` (unless `initial: false`); a socket is `removed` only
 * after it was `added`, and at most once — a socket that opens and closes
 * between two dumps is never reported; the TIME_WAIT remnant of a TCP
 * connection whose socket was freed is not reported again on netlink (it
 * keeps the socket's cookie), while /proc lists it as a socket of its own.
 *
 * Stopping (the signal, `return()`, or a `break` out of `for await`) closes
 * every notification thread and timer; no work is left running.
 */
import { type SocketList, listSockets } from './api';
import { cookieOf } from './backends/netlink';
import { NetstatError } from './errors';
import type { InetSocket, UnixSocket } from './model';
import { type DestroyWatchHandle, nativeOutcome } from './native';
import { listNamespacesAsync, resolveNamespaceAsync } from './netns/discover';
import { type SocketQuery, validateQuery } from './query/request';

export type WatchedSocket = InetSocket | UnixSocket;

/** What a socket looked like before a `changed` event. */
export interface SocketChange {
  state: number;
  stateName: string;
  recvQueue: number;
  sendQueue?: number;
}

export type SocketEvent =
  | { type: 'added'; kind: 'inet' | 'unix'; socket: WatchedSocket; time: number }
  /** `socket` is the last record seen; `reason` says how the removal was learnt. */
  | { type: 'removed'; kind: 'inet' | 'unix'; socket: WatchedSocket; time: number; reason: 'destroyed' | 'gone' }
  | { type: 'changed'; kind: 'inet' | 'unix'; socket: WatchedSocket; previous: SocketChange; time: number };

export interface WatchOptions {
  /** Time between dumps, in milliseconds (default 1000, at least 10). */
  intervalMs?: number;
  /** Report the sockets of the first dump as `added` (default true). */
  initial?: boolean;
  /** Ends the iteration (it then returns; no error is thrown). */
  signal?: AbortSignal;
}

/** Counters of a watch, for monitoring it. */
export interface WatchStats {
  dumps: number;
  /** Destroy notifications received (every TCP/UDP socket freed, watched or not). */
  notifications: number;
  /** Times the kernel dropped notifications and a dump resynchronised. */
  overflows: number;
  /** Whether removals come from notifications (netlink backend with the notification groups). */
  notified: boolean;
}

export interface SocketWatch extends AsyncIterableIterator<SocketEvent> {
  readonly stats: WatchStats;
  /** Stop the watch (as `return()` does). */
  close(): Promise<void>;
}

interface Known {
  kind: 'inet' | 'unix';
  socket: WatchedSocket;
}

/** The identity of a socket across dumps (see the module comment). */
export function socketKey(kind: 'inet' | 'unix', s: WatchedSocket): string {
  if (kind === 'unix') return `unix ${s.inode}`;
  const i = s as InetSocket;
  if (i.cookie !== undefined) return i.cookie;
  return `${i.protocol}/${i.family} ${i.localAddress} ${i.localPort} ${i.remoteAddress} ${i.remotePort} ${i.inode}`;
}

/**
 * A reported TCP socket now listed in TIME_WAIT under its cookie: the kernel
 * freed it and left a TIME_WAIT remnant carrying the cookie (netlink only —
 * the /proc key holds the inode, which a remnant does not have).
 */
function isRemnant(before: WatchedSocket, now: WatchedSocket): boolean {
  const b = before as InetSocket;
  return b.cookie !== undefined && b.protocol === 'tcp' && b.state !== TIME_WAIT && now.state === TIME_WAIT;
}

const TIME_WAIT = 6;

function changeOf(s: WatchedSocket): SocketChange {
  const change: SocketChange = { state: s.state, stateName: s.stateName, recvQueue: 'recvQueue' in s ? s.recvQueue : 0 };
  if ('sendQueue' in s) change.sendQueue = s.sendQueue;
  return change;
}

function changed(a: WatchedSocket, b: WatchedSocket): boolean {
  if (a.state !== b.state || a.stateName !== b.stateName) return true;
  if ('recvQueue' in a && 'recvQueue' in b) return a.recvQueue !== b.recvQueue || a.sendQueue !== b.sendQueue;
  return false;
}

const WATCH_KEYS = new Set(['intervalMs', 'initial', 'signal']);

function watchOptions(options: unknown): Required<Pick<WatchOptions, 'intervalMs' | 'initial'>> & { signal?: AbortSignal } {
  if (options === undefined) return { intervalMs: 1000, initial: true };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new NetstatError('options: must be an object', 'ERR_INVALID_ARG_TYPE');
  for (const key of Object.keys(options)) {
    if (!WATCH_KEYS.has(key)) throw new NetstatError(`options.${key}: unknown option (the options are intervalMs, initial, signal)`, 'ERR_UNKNOWN_OPTION');
  }
  const o = options as WatchOptions;
  const intervalMs = o.intervalMs ?? 1000;
  if (typeof intervalMs !== 'number') throw new NetstatError('options.intervalMs: must be a number', 'ERR_INVALID_ARG_TYPE');
  if (!Number.isFinite(intervalMs) || intervalMs < 10 || intervalMs > 2 ** 31 - 1) {
    throw new NetstatError(`options.intervalMs: must be from 10 to ${2 ** 31 - 1} (got ${intervalMs})`, 'ERR_OUT_OF_RANGE');
  }
  const initial = o.initial ?? true;
  if (typeof initial !== 'boolean') throw new NetstatError('options.initial: must be a boolean', 'ERR_INVALID_ARG_TYPE');
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new NetstatError('options.signal: must be an AbortSignal', 'ERR_INVALID_ARG_TYPE');
  return o.signal === undefined ? { intervalMs, initial } : { intervalMs, initial, signal: o.signal };
}

/**
 * Watch the sockets a query selects. The query is validated at once (a bad
 * one throws here); failures of a dump end the iteration with that error.
 */
export function watchSockets(query: SocketQuery = {}, options?: WatchOptions): SocketWatch {
  const request = validateQuery(query);
  const { intervalMs, initial, signal } = watchOptions(options);
  if (request.signal !== undefined) throw new NetstatError('query.signal: give the watch its signal in options.signal', 'ERR_INVALID_ARG_VALUE');

  const stats: WatchStats = { dumps: 0, notifications: 0, overflows: 0, notified: false };
  const known = new Map<string, Known>();
  /** Cookies freed while a dump was in flight: that dump may still list them. */
  let freedDuringDump: Set<string> | undefined;
  /** Cookies removed by a notification: their TIME_WAIT remnant keeps the cookie. */
  const removedByNotice = new Set<string>();

  const queue: SocketEvent[] = [];
  let waiting: ((result: IteratorResult<SocketEvent>) => void) | undefined;
  let failure: { error: unknown } | undefined;
  let failWaiting: ((error: unknown) => void) | undefined;
  let ended = false;
  let timer: NodeJS.Timeout | undefined;
  let dumping = false;
  let again = false;
  const monitors: DestroyWatchHandle[] = [];
  const stop = new AbortController();

  const push = (event: SocketEvent): void => {
    if (ended) return;
    if (waiting !== undefined) {
      const resolve = waiting;
      waiting = undefined;
      failWaiting = undefined;
      resolve({ value: event, done: false });
    } else {
      queue.push(event);
    }
  };

  const finish = (): void => {
    if (ended) return;
    ended = true;
    if (timer !== undefined) clearTimeout(timer);
    stop.abort();
    for (const m of monitors.splice(0)) m.close();
    signal?.removeEventListener('abort', onAbort);
    if (waiting !== undefined) {
      const resolve = waiting;
      waiting = undefined;
      failWaiting = undefined;
      resolve({ value: undefined, done: true });
    }
  };

  const fail = (error: unknown): void => {
    if (ended) return;
    const reject = failWaiting;
    waiting = undefined;
    failWaiting = undefined;
    // Events already queued are delivered first, then the error.
    if (reject === undefined) failure = { error };
    finish();
    reject?.(error);
  };

  function onAbort(): void {
    finish();
  }

  const onFreed = (cookies: Uint32Array, overflow: boolean, error: Error | null): void => {
    if (ended) return;
    if (error !== null) {
      // The notification thread stopped: removals are still found by the dumps.
      stats.notified = false;
      return;
    }
    const now = Date.now();
    for (let i = 0; i + 1 < cookies.length; i += 2) {
      stats.notifications++;
      const cookie = cookieOf(cookies[i]!, cookies[i + 1]!);
      freedDuringDump?.add(cookie);
      const entry = known.get(cookie);
      if (entry === undefined) continue;
      known.delete(cookie);
      removedByNotice.add(cookie);
      push({ type: 'removed', kind: entry.kind, socket: entry.socket, time: now, reason: 'destroyed' });
    }
    if (overflow) {
      stats.overflows++;
      dumpSoon(0);
    }
  };

  const apply = (list: SocketList, freed: ReadonlySet<string>, first: boolean): void => {
    const now = Date.now();
    const seen = new Set<string>();
    const remnants = new Set<string>();
    const visit = (kind: 'inet' | 'unix', socket: WatchedSocket): void => {
      const key = socketKey(kind, socket);
      // Removed by a notification: what still shows is its TIME_WAIT remnant (same cookie).
      if (removedByNotice.has(key)) {
        remnants.add(key);
        return;
      }
      if (freed.has(key)) return; // freed after this dump read it, before it was ever reported
      const before = known.get(key);
      if (before !== undefined && kind === 'inet' && isRemnant(before.socket, socket)) {
        // Its notification was lost (an overflow): the socket was freed, only its remnant is left.
        known.delete(key);
        removedByNotice.add(key);
        remnants.add(key);
        push({ type: 'removed', kind, socket: before.socket, time: now, reason: 'gone' });
        return;
      }
      seen.add(key);
      known.set(key, { kind, socket });
      if (before === undefined) {
        if (!first || initial) push({ type: 'added', kind, socket, time: now });
      } else if (changed(before.socket, socket)) {
        push({ type: 'changed', kind, socket, previous: changeOf(before.socket), time: now });
      }
    };
    for (const s of list.inet) visit('inet', s);
    for (const s of list.unix) visit('unix', s);
    for (const [key, entry] of known) {
      if (seen.has(key)) continue;
      known.delete(key);
      push({ type: 'removed', kind: entry.kind, socket: entry.socket, time: now, reason: 'gone' });
    }
    for (const key of removedByNotice) if (!remnants.has(key)) removedByNotice.delete(key);
  };

  const dumpOnce = async (first: boolean): Promise<void> => {
    freedDuringDump = new Set();
    try {
      const list = await listSockets({ ...query, signal: stop.signal });
      if (ended) return;
      stats.dumps++;
      apply(list, freedDuringDump, first);
    } finally {
      freedDuringDump = undefined;
    }
  };

  let first = true;
  const cycle = async (): Promise<void> => {
    timer = undefined;
    if (ended) return;
    if (dumping) {
      again = true;
      return;
    }
    dumping = true;
    try {
      await dumpOnce(first);
      first = false;
    } catch (error) {
      if (!ended) fail(error);
      return;
    } finally {
      dumping = false;
    }
    if (again) {
      again = false;
      dumpSoon(0);
    } else {
      dumpSoon(intervalMs);
    }
  };

  function dumpSoon(ms: number): void {
    if (ended) return;
    if (dumping) {
      if (ms === 0) again = true;
      return;
    }
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => void cycle(), ms);
  }

  /** Destroy notifications, on the netlink backend: one thread per namespace watched. */
  const startMonitors = async (): Promise<void> => {
    const backend = request.backend ?? process.env.NETSTAT_BACKEND;
    if (backend === 'procfs' || request.procRoot !== undefined) return;
    const outcome = nativeOutcome();
    if (!('binding' in outcome)) return;
    const paths: Array<string | null> = [];
    if (request.netns === undefined) paths.push(null);
    else if (request.netns === 'all') for (const ns of (await listNamespacesAsync()).namespaces) paths.push(ns.current ? null : ns.path);
    else {
      const ns = await resolveNamespaceAsync(request.netns);
      paths.push(ns.current ? null : ns.path);
    }
    for (const path of paths) {
      if (ended) return;
      try {
        monitors.push(outcome.binding.watchDestroyed(path, onFreed));
        stats.notified = true;
      } catch {
        // Not allowed here (a sandbox, another namespace without privilege): the dumps find removals.
      }
    }
  };

  if (signal?.aborted) ended = true;
  else signal?.addEventListener('abort', onAbort, { once: true });
  if (!ended) {
    // Notifications first, so nothing freed during the first dump is missed.
    startMonitors().then(
      () => dumpSoon(0),
      (error: unknown) => fail(error),
    );
  }

  const iterator: SocketWatch = {
    stats,
    next(): Promise<IteratorResult<SocketEvent>> {
      const event = queue.shift();
      if (event !== undefined) return Promise.resolve({ value: event, done: false });
      if (failure !== undefined) {
        const { error } = failure;
        failure = undefined;
        return Promise.reject(error);
      }
      if (ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => {
        waiting = resolve;
        failWaiting = reject;
      });
    },
    return(): Promise<IteratorResult<SocketEvent>> {
      finish();
      queue.length = 0;
      return Promise.resolve({ value: undefined, done: true });
    },
    async close(): Promise<void> {
      await iterator.return!();
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
