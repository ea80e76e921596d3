/**
 * One collection: the library's counts path for every table, and the few
 * listening sockets. `createSharedCollector()` makes scrapes that arrive
 * while a collection runs wait for that one instead of starting their own.
 */
import { countSockets, listSockets } from '../api';
import type { SocketCounts, SumKey } from '../api';
import type { InetFamily, InetProtocol } from '../model';
import { type Snapshot, type SummaryOptions, summarize } from './snapshot';

export interface CollectOptions extends SummaryOptions {
  /** Overrides `NETSTAT_BACKEND` (tests, and a future `--backend`). */
  backend?: 'auto' | 'netlink' | 'procfs';
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

type Backend = { backend?: 'auto' | 'netlink' | 'procfs' };

/**
 * Socket counts by protocol, family and state with the queues added up.
 * One count per table grouped by state alone (one key: the engine groups
 * without building a key per socket), all tables at once; their answers are
 * labelled with the table's protocol and family and joined. With
 * `byProcess`, one count over every table (the process walk happens once).
 */
async function countTables(api: CollectApi, backend: Backend, byProcess: boolean): Promise<SocketCounts> {
  if (byProcess) return api.countSockets(backend, { by: ['protocol', 'family', 'state', 'program'], sum: SUMS });
  const parts = await Promise.all([
    ...INET_TABLES.map(async ([protocol, family]) => ({
      protocol, family, counts: await api.countSockets({ ...backend, protocols: [protocol], families: [family] }, { by: 'state', sum: SUMS }),
    })),
    (async () => ({ protocol: 'unix', family: 'unix', counts: await api.countSockets({ ...backend, protocols: ['unix'] }, { by: 'state' }) }))(),
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

/**
 * Collect one snapshot.
 *
 * - Socket counts and TCP queue sums: the library's counts path for every
 *   table (see `countTables`): on the netlink backend no object is built
 *   per Internet socket.
 * - Listeners: TCP in LISTEN (the kernel walks only its listening hash) and
 *   unconnected UDP, UDP-Lite and RAW sockets, as records — there are few.
 */
export async function collect(options: CollectOptions, api: CollectApi = LIBRARY): Promise<Snapshot> {
  const started = process.hrtime.bigint();
  const backend = options.backend === undefined ? {} : { backend: options.backend };
  const [counts, tcp, others] = await Promise.all([
    countTables(api, backend, options.byProcess),
    api.listSockets({ ...backend, protocols: ['tcp'], states: ['LISTEN'], timers: false }),
    api.listSockets({ ...backend, protocols: ['udp', 'udplite', 'raw'], selection: 'listening', timers: false }),
  ]);
  const listeners = tcp.inet.length === 0 ? others.inet : others.inet.length === 0 ? tcp.inet : [...tcp.inet, ...others.inet];
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return summarize(counts, listeners, options, seconds);
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
