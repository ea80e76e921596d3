/**
 * One collection: the library's counts path for every table, and the few
 * listening sockets. `createSharedCollector()` makes scrapes that arrive
 * while a collection runs wait for that one instead of starting their own.
 */
import { setMaxListeners } from 'node:events';
import { countSockets, listSockets } from '../api';
import type { CountKey, SocketCounts, SumKey } from '../api';
import type { SocketQuery } from '../query/request';
import type { InetFamily, InetProtocol } from '../model';
import { type Collection, type SummaryOptions, summarize } from './snapshot';

export interface CollectOptions extends SummaryOptions {
  /** Overrides `NETSTAT_BACKEND` (tests, and a future `--backend`). */
  backend?: 'auto' | 'netlink' | 'procfs';
  /**
   * Count over network namespaces instead of the exporter's own: `'all'`
   * (`--all-netns`), or one namespace's name, path or PID (`--netns`).
   */
  netns?: 'all' | string | number;
  /** Abandon the collection after this many seconds (`--collect-timeout`; 0 or undefined: never). */
  timeoutSeconds?: number;
}

/** A collection that took longer than its timeout: its library calls were aborted. */
export class CollectTimeoutError extends Error {
  override name = 'CollectTimeoutError';
  readonly code = 'ERR_COLLECT_TIMEOUT';
  constructor(readonly seconds: number, options?: { cause?: unknown }) {
    super(`collection timed out after ${seconds} s (--collect-timeout)`, options);
  }
}

/** The library calls a collection makes (replaceable in tests). */
export interface CollectApi {
  countSockets: typeof countSockets;
  listSockets: typeof listSockets;
}

const LIBRARY: CollectApi = { countSockets, listSockets };

/** The Internet tables, in the library's order (UNIX comes last). */
const INET_TABLES: ReadonlyArray<readonly [InetProtocol, InetFamily]> = [
  ['tcp', 'inet'], ['tcp', 'inet6'], ['udp', 'inet'], ['udp', 'inet6'],
  ['udplite', 'inet'], ['udplite', 'inet6'], ['raw', 'inet'], ['raw', 'inet6'],
];
const SUMS: SumKey[] = ['recvQueue', 'sendQueue'];

/** What every library call of a collection shares: the backend, the namespaces, the abort signal. */
type Base = Pick<SocketQuery, 'backend' | 'netns' | 'signal'>;

/** The keys of a count over every table: protocol, family, state, and those of the options. */
function countKeys(options: CollectOptions): CountKey[] {
  const keys: CountKey[] = ['protocol', 'family', 'state'];
  if (options.netns !== undefined) keys.unshift('netns');
  if (options.byProcess) keys.push('program');
  // The cgroup's path gives both the container id and the runtime that named it
  // (the library's `container` key is the id alone).
  if (options.byContainer === true) keys.push('cgroup');
  return keys;
}

/**
 * Socket counts by protocol, family and state with the queues added up.
 * One count per table grouped by state alone (one key: the engine groups
 * without building a key per socket), all tables at once; their answers are
 * labelled with the table's protocol and family and joined. With
 * `byProcess` or `byContainer`, or over namespaces, one count over every
 * table (the process walk and the namespace discovery happen once).
 */
async function countTables(api: CollectApi, base: Base, options: CollectOptions): Promise<SocketCounts> {
  if (options.byProcess || options.byContainer === true || options.netns !== undefined) {
    return api.countSockets(base, { by: countKeys(options), sum: SUMS });
  }
  const parts = await Promise.all([
    ...INET_TABLES.map(async ([protocol, family]) => ({
      protocol, family, counts: await api.countSockets({ ...base, protocols: [protocol], families: [family] }, { by: 'state', sum: SUMS }),
    })),
    (async () => ({ protocol: 'unix', family: 'unix', counts: await api.countSockets({ ...base, protocols: ['unix'] }, { by: 'state' }) }))(),
  ]);
  const joined: SocketCounts = { total: 0, groups: [], tables: [], sources: [] };
  const seen = new Set<string>();
  for (const { protocol, family, counts } of parts) {
    joined.total += counts.total;
    for (const g of counts.groups) joined.groups.push({ ...g, protocol, family });
    joined.tables.push(...counts.tables);
    for (const s of counts.sources) {
      if (!seen.has(s.table)) joined.sources.push(s);
      seen.add(s.table);
    }
  }
  return joined;
}

async function collectWith(options: CollectOptions, api: CollectApi, signal: AbortSignal | undefined): Promise<Collection> {
  const started = process.hrtime.bigint();
  const base: Base = {};
  if (options.backend !== undefined) base.backend = options.backend;
  if (options.netns !== undefined) base.netns = options.netns;
  if (signal !== undefined) base.signal = signal;
  const [counts, tcp, others] = await Promise.all([
    countTables(api, base, options),
    api.listSockets({ ...base, protocols: ['tcp'], states: ['LISTEN'], timers: false }),
    api.listSockets({ ...base, protocols: ['udp', 'udplite', 'raw'], selection: 'listening', timers: false }),
  ]);
  const listeners = tcp.inet.length === 0 ? others.inet : others.inet.length === 0 ? tcp.inet : [...tcp.inet, ...others.inet];
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return summarize(counts, listeners, options, seconds);
}

/**
 * Collect once.
 *
 * - Socket counts and TCP queue sums: the library's counts path for every
 *   table (see `countTables`): on the netlink backend no object is built
 *   per Internet socket.
 * - Listeners: TCP in LISTEN (the kernel walks only its listening hash) and
 *   unconnected UDP, UDP-Lite and RAW sockets, as records — there are few.
 * - Over namespaces (`netns`): the same three calls, each covering every
 *   namespace asked for; the answers are split per namespace by `summarize`.
 *
 * With `timeoutSeconds`, every call gets an `AbortSignal.timeout()`: when it
 * fires the library stops its dumps and walks, and this rejects at once with
 * a `CollectTimeoutError` (even if some part of the work notices the abort
 * only later).
 */
export async function collect(options: CollectOptions, api: CollectApi = LIBRARY): Promise<Collection> {
  const timeout = options.timeoutSeconds;
  if (timeout === undefined || timeout <= 0) return collectWith(options, api, undefined);
  const signal = AbortSignal.timeout(Math.max(1, Math.round(timeout * 1000)));
  // Every library call of the collection (eleven at most) listens to it, and so do we.
  setMaxListeners(32, signal);
  const work = collectWith(options, api, signal);
  return new Promise<Collection>((resolve, reject) => {
    const onAbort = (): void => reject(new CollectTimeoutError(timeout, { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (collection) => {
        signal.removeEventListener('abort', onAbort);
        resolve(collection);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? new CollectTimeoutError(timeout, { cause: error }) : error);
      },
    );
  });
}

/**
 * A collector that runs at most one collection at a time: a call while one
 * is in flight gets that collection's promise; the next call after it settles
 * starts a new one (a scrape never gets a stale result).
 */
export function createSharedCollector<T>(run: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    if (inFlight !== undefined) return inFlight;
    const current = (async () => run())();
    inFlight = current;
    const clear = (): void => {
      if (inFlight === current) inFlight = undefined;
    };
    current.then(clear, clear);
    return current;
  };
}
