/**
 * The socket query engine: the one path from a validated plan to socket
 * rows, under the library (`api.ts`) and the CLI's listing (`cli/listing.ts`)
 * alike. It reads the planned tables from the chosen sources (each backend
 * applies the filter while it builds rows: the selection is applied once),
 * joins owners from one fd walk, applies the owner filters, and reports per
 * table its rows, or that the kernel does not have it, or its error — each
 * with the source it came from.
 *
 * Sync and async run the same steps; the async variant reads tables off the
 * main thread (native) or in slices (/proc), and can overlap the fd walk with
 * the reads.
 */
import type { AbortHandle } from '../abort';
import type { SourceChoice, Sources } from '../backends/choose';
import type { InetBothQuery, InetPair } from '../backends/netlink';
import type { InetQuery, InetRowView, NetnsTarget, OwnerQuery, OwnerScan, Table, UnixQuery } from '../backends/types';
import { packedInetInodes } from '../backends/netlink';
import { errorCode } from '../errors';
import { isAbsent } from '../procfs/read';
import type { SocketFilter } from '../filter';
import type { InetFamily, InetProtocol, InetSocket, ProcessRef, UnixSocket } from '../model';

/** One table of the plan. */
export type TableSpec = { kind: 'inet'; protocol: InetProtocol; family: InetFamily; name: string } | { kind: 'unix'; name: 'unix' };

/** Owner filters: a socket is kept when any of its holders matches every given list. */
export interface OwnerFilter {
  pids?: ReadonlySet<number>;
  programs?: ReadonlySet<string>;
}

export interface QueryPlan {
  /** Tables in output order (net-tools': tcp, udp, udplite, raw, each IPv4 then IPv6; then unix). */
  tables: TableSpec[];
  filter: SocketFilter;
  /** Join owners from the fd walk (implied by an owner filter). */
  owners: boolean;
  ownerFilter?: OwnerFilter;
  /**
   * How far the fd walk goes: `wanted` stops once every kept socket has its
   * first holder; `complete` walks every process (net-tools' non-root notice
   * needs to know whether any fd directory was denied).
   */
  ownerWalk: 'wanted' | 'complete';
  /** Start the (complete) walk before the tables are read, so it overlaps them (async only). */
  earlyWalk?: boolean;
  timers: boolean;
  /** A table read a second time for the sockets the first read skipped: see `SocketQuery.verify` (undefined: auto). */
  verify?: boolean;
  sources: Sources;
  abort?: AbortHandle;
  /** Read the tables in this network namespace instead of the caller's own. */
  netns?: NetnsTarget;
  /**
   * Internet tables whose backend can give them packed (netlink) come back
   * as `table.packed` with no records, for the CLI's text printer, which
   * reads the slots itself (sync reads only). Owners are joined by inode
   * from `ownerScan` by the printer.
   */
  packedInet?: boolean;
  /**
   * With `packedInet`: netlink tables are read in batches (`packed.more`),
   * printed while the kernel builds the next — for a printer that needs
   * nothing of the whole table first (no name look-ups); with owners only
   * when the walk is the complete early one (no wanted inodes to gather).
   */
  streamInet?: boolean;
}

/** What became of one table. */
export type TableOutcome<T> =
  | { spec: TableSpec; status: 'ok'; table: Table<T>; source: SourceChoice }
  /** The kernel does not have it (no /proc file, no diag module) or it is unreadable: skipped. */
  | { spec: TableSpec; status: 'absent'; error: unknown; source: SourceChoice }
  | { spec: TableSpec; status: 'error'; error: unknown; source: SourceChoice };

export interface QueryResult {
  inet: Array<TableOutcome<InetSocket>>;
  unix?: TableOutcome<UnixSocket>;
  /** Present when owners were joined. */
  ownerScan?: OwnerScan;
  /** Every backend choice made (tables and owners), in the order made. */
  sources: SourceChoice[];
}

/** A table's outcome as plain data: the library's `tables`, the CLI's `--json` `tables`. */
export interface TableReport {
  /** `tcp/inet`, `udp/inet6`, …, `unix`. */
  table: string;
  /**
   * `ok`: read; `absent`: the kernel does not have it (or it is unreadable),
   * skipped as net-tools skips it. (A table that fails otherwise fails the
   * call: the library rejects, the CLI prints net-tools' message.)
   */
  status: 'ok' | 'absent';
  /** Which backend served it, and why. */
  backend: SourceChoice['backend'];
  reason: string;
  /** Rows kept from it (0 for a count, which keeps none). */
  rows: number;
  /** Lines of a /proc table that could not be parsed (skipped). */
  malformed: number;
  /** For `absent`: the error code that said so (`ENOENT`, `EACCES`). */
  code?: string;
  /** For a `netns` query: the inode of the namespace the table was read in. */
  netns?: number;
}

/** The report of a table that did not fail (see {@link TableReport}). */
export function tableReport(t: TableOutcome<unknown>): TableReport {
  const report: TableReport = {
    table: t.spec.name,
    status: t.status === 'ok' ? 'ok' : 'absent',
    backend: t.source.backend,
    reason: t.source.reason,
    rows: t.status !== 'ok' ? 0 : t.table.packed !== undefined ? t.table.packed.kept : (t.table.rows as unknown[]).length,
    malformed: t.status === 'ok' ? t.table.malformed : 0,
  };
  const code = t.status === 'ok' ? undefined : errorCode(t.error);
  if (code !== undefined) report.code = code;
  return report;
}

/**
 * "The kernel does not have this table": skipped, as net-tools skips it. A
 * table only /proc can serve is skipped the same way under a cgroup filter,
 * which /proc cannot answer (its report says so).
 */
const CGROUP_UNANSWERABLE = 'ERR_CGROUP_FILTER_UNSUPPORTED';

function outcome<T>(spec: TableSpec, sources: Sources, read: () => Table<T>): TableOutcome<T> {
  try {
    const table = read();
    return { spec, status: 'ok', table, source: sourceOf(spec, sources) };
  } catch (error) {
    return failed(spec, sources, error);
  }
}

async function outcomeAsync<T>(spec: TableSpec, sources: Sources, read: () => Promise<Table<T>>): Promise<TableOutcome<T>> {
  try {
    const table = await read();
    return { spec, status: 'ok', table, source: sourceOf(spec, sources) };
  } catch (error) {
    return failed(spec, sources, error);
  }
}

function failed<T>(spec: TableSpec, sources: Sources, error: unknown): TableOutcome<T> {
  const code = errorCode(error);
  if (code === 'ABORT_ERR') throw error;
  const source = sourceOf(spec, sources);
  // EACCES is "absent" for an unreadable /proc file (net-tools skips it); a
  // netlink socket refused with EACCES (forced netlink) fails, as EPERM does.
  const refused = code === 'EACCES' && source.backend === 'netlink';
  const status = (isAbsent(code) && !refused) || code === CGROUP_UNANSWERABLE ? 'absent' : 'error';
  return { spec, status, error, source };
}

/** The recorded choice for a table, or the backend it was tried on when none was recorded. */
function sourceOf(spec: TableSpec, sources: Sources): SourceChoice {
  const choice = sources.choices().find((c) => c.table === spec.name);
  if (choice !== undefined) return choice;
  const backend = spec.kind === 'unix' ? sources.unix() : sources.inet(spec.protocol, spec.family);
  return { table: spec.name, backend: backend.name, reason: 'tried first' };
}

function inetSpecs(plan: QueryPlan): Array<Extract<TableSpec, { kind: 'inet' }>> {
  return plan.tables.filter((t): t is Extract<TableSpec, { kind: 'inet' }> => t.kind === 'inet');
}

function unixSpec(plan: QueryPlan): TableSpec | undefined {
  return plan.tables.find((t) => t.kind === 'unix');
}

/** What a backend is asked for one Internet table of the plan. */
function inetQuery(plan: QueryPlan, spec: Extract<TableSpec, { kind: 'inet' }>, timers = plan.timers): InetQuery {
  const query: InetQuery = { protocol: spec.protocol, family: spec.family, filter: plan.filter, timers, abort: plan.abort };
  if (plan.netns !== undefined) query.netns = plan.netns;
  if (plan.verify !== undefined) query.verify = plan.verify;
  return query;
}

/** What a backend is asked for the plan's UNIX table. */
function unixQuery(plan: QueryPlan): UnixQuery {
  const query: UnixQuery = { filter: plan.filter, abort: plan.abort };
  if (plan.netns !== undefined) query.netns = plan.netns;
  if (plan.verify !== undefined) query.verify = plan.verify;
  return query;
}

export function wantsOwners(plan: QueryPlan): boolean {
  return plan.owners || plan.ownerFilter !== undefined;
}

/**
 * The query for reading both families of `protocol` at once, when the plan
 * has both of its tables (one dump can then serve the two: see
 * `Sources.inetBoth`); undefined otherwise.
 */
function bothQuery(plan: QueryPlan, protocol: InetProtocol): InetBothQuery | undefined {
  const families = inetSpecs(plan).filter((t) => t.protocol === protocol).map((t) => t.family);
  if (!families.includes('inet') || !families.includes('inet6')) return undefined;
  const query: InetBothQuery = { protocol, filter: plan.filter, timers: plan.timers, abort: plan.abort };
  if (plan.netns !== undefined) query.netns = plan.netns;
  if (plan.verify !== undefined) query.verify = plan.verify;
  return query;
}

/** Read the plan's tables on this thread, one after the other. */
export function readTables(plan: QueryPlan): QueryResult {
  const { sources } = plan;
  const packed = plan.packedInet === true;
  // Both families of a protocol read by one dump when they can be, at the first of its tables.
  const pairs = new Map<InetProtocol, InetPair | undefined>();
  const together = (spec: Extract<TableSpec, { kind: 'inet' }>): Table<InetSocket> | undefined => {
    if (!pairs.has(spec.protocol)) {
      const query = bothQuery(plan, spec.protocol);
      pairs.set(spec.protocol, query === undefined ? undefined : sources.inetBoth?.(query, packed));
    }
    return pairs.get(spec.protocol)?.[spec.family];
  };
  // Streamed tables are read one family after the other: one dump of both
  // families would hold the IPv6 rows until the IPv4 ones are printed.
  // Owners need every row's inode before the walk, unless the walk is the complete early one.
  const stream = packed && plan.streamInet === true && (!wantsOwners(plan) || plan.earlyWalk === true);
  // Protocols whose first table is streaming from the kernel: the other family's stream starts without waiting.
  const streaming = new Set<InetProtocol>();
  const inet = inetSpecs(plan).map((spec) =>
    outcome(spec, sources, () => {
      const backend = sources.inet(spec.protocol, spec.family);
      const query = inetQuery(plan, spec);
      if (stream && backend.inetStream !== undefined) {
        const table = backend.inetStream(query, streaming.has(spec.protocol));
        if (table.packed?.more !== undefined) streaming.add(spec.protocol);
        return table;
      }
      const read = together(spec);
      if (read !== undefined) return read;
      return packed && backend.inetPacked !== undefined ? backend.inetPacked(query) : backend.inet(query);
    }),
  );
  const u = unixSpec(plan);
  const unix = u === undefined ? undefined : outcome(u, sources, () => sources.unix().unix(unixQuery(plan)));
  return { inet, unix, sources: [] };
}

/** Read the plan's tables concurrently, off the main thread (native) or in slices (/proc). */
export async function readTablesAsync(plan: QueryPlan): Promise<QueryResult> {
  const { sources } = plan;
  const u = unixSpec(plan);
  // Both families of a protocol read by one dump when they can be; both tables wait for it.
  const pairs = new Map<InetProtocol, Promise<InetPair | undefined> | undefined>();
  const together = async (spec: Extract<TableSpec, { kind: 'inet' }>): Promise<Table<InetSocket> | undefined> => {
    if (!pairs.has(spec.protocol)) {
      const query = bothQuery(plan, spec.protocol);
      pairs.set(spec.protocol, query === undefined ? undefined : sources.inetBothAsync?.(query));
    }
    return (await pairs.get(spec.protocol))?.[spec.family];
  };
  const readInet = async (spec: Extract<TableSpec, { kind: 'inet' }>) =>
    (await together(spec)) ?? sources.inet(spec.protocol, spec.family).inetAsync(inetQuery(plan, spec));
  const [inet, unix] = await Promise.all([
    Promise.all(inetSpecs(plan).map((spec) => outcomeAsync(spec, sources, () => readInet(spec)))),
    u === undefined ? undefined : outcomeAsync(u, sources, () => sources.unix().unixAsync(unixQuery(plan))),
  ]);
  return { inet, unix, sources: [] };
}

/** Run a plan synchronously. Throws only an AbortError or a programming error; table failures are outcomes. */
export function runQuery(plan: QueryPlan): QueryResult {
  const result = readTables(plan);
  if (wantsOwners(plan)) joinOwners(result, plan.sources.owners.scan(ownerQuery(plan, result)), plan.ownerFilter);
  result.sources = plan.sources.choices();
  return result;
}

/**
 * Run a plan without blocking the event loop for long. `readTablesSync` reads
 * the tables on this thread (the CLI: one-shot, fastest) while an early fd
 * walk still runs on its own threads.
 */
export async function runQueryAsync(plan: QueryPlan, options: { readTablesSync?: boolean } = {}): Promise<QueryResult> {
  const { sources } = plan;
  const wantOwners = wantsOwners(plan);
  // Started first so the walk (on its own threads) overlaps the reads.
  const early = wantOwners && plan.earlyWalk ? sources.owners.scanAsync(ownerQuery(plan, undefined)) : undefined;
  // Keep an early walk's rejection from going unhandled while the tables are read.
  early?.catch(() => undefined);
  const result = options.readTablesSync ? readTables(plan) : await readTablesAsync(plan);
  if (wantOwners) {
    const scan = early !== undefined ? await early : await sources.owners.scanAsync(ownerQuery(plan, result));
    joinOwners(result, scan, plan.ownerFilter);
  }
  result.sources = sources.choices();
  return result;
}

/**
 * The fd walk a plan needs: the pids to look at and, given the rows read
 * (`result`), their inodes for an early stop; without them the walk is complete.
 */
export function ownerQuery(plan: QueryPlan, result: QueryResult | readonly QueryResult[] | undefined): OwnerQuery {
  const query: OwnerQuery = {};
  if (plan.abort !== undefined) query.abort = plan.abort;
  if (plan.ownerFilter?.pids !== undefined) query.pids = [...plan.ownerFilter.pids];
  if (result !== undefined && plan.ownerWalk === 'wanted') {
    // Socket inodes are unique across namespaces (sockfs is one filesystem), so one set serves all.
    const wanted = new Set<number>();
    for (const one of Array.isArray(result) ? result : [result]) {
      for (const rows of tablesOf(one as QueryResult)) for (const s of rows) if (s.inode !== 0) wanted.add(s.inode);
      for (const t of (one as QueryResult).inet) {
        if (t.status === 'ok' && t.table.packed !== undefined && t.spec.kind === 'inet') {
          packedInetInodes(t.table.packed.dump, t.spec.protocol, plan.filter, (inode) => inode !== 0 && wanted.add(inode));
        }
      }
    }
    query.wanted = wanted;
  }
  return query;
}

function* tablesOf(result: QueryResult): Generator<Array<InetSocket | UnixSocket>> {
  for (const t of result.inet) if (t.status === 'ok') yield t.table.rows;
  if (result.unix?.status === 'ok') yield result.unix.table.rows;
}

const NO_OWNERS: readonly ProcessRef[] = Object.freeze([]);

/** Fill `owners`, `pid` and `program` of every row; then drop rows the owner filter rejects. */
export function joinOwners(result: QueryResult, scan: OwnerScan, ownerFilter: OwnerFilter | undefined): void {
  result.ownerScan = scan;
  const keep = ownerFilter === undefined ? undefined : ownerKeep(ownerFilter);
  for (const rows of tablesOf(result)) {
    let kept = 0;
    for (const socket of rows) {
      const owners = (scan.owners.get(socket.inode) ?? NO_OWNERS) as ProcessRef[];
      if (keep !== undefined && !keep(owners)) continue;
      socket.owners = owners;
      const first = owners[0];
      socket.pid = first === undefined ? null : first.pid;
      socket.program = first === undefined ? null : first.program;
      rows[kept++] = socket;
    }
    rows.length = kept;
  }
}

function ownerKeep(filter: OwnerFilter): (owners: readonly ProcessRef[]) => boolean {
  return (owners) =>
    owners.some((p) => (filter.pids === undefined || filter.pids.has(p.pid)) && (filter.programs === undefined || filter.programs.has(p.program)));
}

/** What a count groups by. */
/**
 * What a count groups by. `netns` is the namespace's name (or `net:[INODE]`)
 * in a `netns` count; `cgroup` and `container` hold the socket's cgroup id
 * while counting (`''` for none) and are relabelled by the caller.
 */
export type CountKey = 'protocol' | 'family' | 'state' | 'localPort' | 'uid' | 'pid' | 'program' | 'netns' | 'cgroup' | 'container';

/** Queue figures a count can add up per group (bytes, as the records give them). */
export type SumKey = 'recvQueue' | 'sendQueue';

/** One group of a count: its key values, how many sockets it has, and the sums asked for. */
export type CountRow = Partial<Record<CountKey, string | number | null>> & { count: number } & Partial<Record<SumKey, number>>;

/**
 * Group-by over the kept rows, without building a record per Internet socket
 * on the netlink backend, nor a key per row: groups live in nested maps, one
 * level per key, so finding a row's group is one map look-up per key.
 */
class Counter {
  /** Level by level: key value → the next level's map, or (at the last level) the group. */
  private readonly root = new Map<unknown, unknown>();
  private readonly all: CountRow[] = [];
  private readonly needsOwner: boolean;
  total = 0;
  constructor(
    private readonly by: readonly CountKey[],
    private readonly owners: OwnerScan | undefined,
    private readonly sums: readonly SumKey[] = [],
  ) {
    this.needsOwner = by.includes('pid') || by.includes('program');
  }

  private addSums(group: CountRow, row: InetRowView | UnixSocket): void {
    for (const key of this.sums) group[key] = (group[key] ?? 0) + ('recvQueue' in row ? row[key] : 0);
  }

  private value(key: CountKey, row: InetRowView | UnixSocket, protocol: string, family: string, owner: ProcessRef | undefined, netns: string | null) {
    switch (key) {
      case 'netns': return netns;
      case 'cgroup':
      case 'container': return 'cgroupId' in row ? (row.cgroupId ?? '') : '';
      case 'protocol': return protocol;
      case 'family': return family;
      case 'state': return row.stateName;
      case 'localPort': return 'localPort' in row ? row.localPort : null;
      case 'uid': return 'uid' in row ? row.uid : null;
      case 'pid': return owner === undefined ? null : owner.pid;
      case 'program': return owner === undefined ? null : owner.program;
    }
  }

  add(row: InetRowView | UnixSocket, protocol: string, family: string, netns: string | null = null): void {
    this.total++;
    const by = this.by;
    if (by.length === 0 && this.sums.length === 0) return;
    const owner = this.needsOwner ? this.owners?.owners.get(row.inode)?.[0] : undefined;
    let level = this.root;
    for (let i = 0; i < by.length - 1; i++) {
      const value = this.value(by[i]!, row, protocol, family, owner, netns);
      let next = level.get(value) as Map<unknown, unknown> | undefined;
      if (next === undefined) level.set(value, (next = new Map()));
      level = next;
    }
    const last = by.length === 0 ? '' : this.value(by[by.length - 1]!, row, protocol, family, owner, netns);
    const group = level.get(last) as CountRow | undefined;
    if (group !== undefined) {
      group.count++;
      this.addSums(group, row);
      return;
    }
    const fresh: CountRow = { count: 1 };
    for (const key of by) fresh[key] = this.value(key, row, protocol, family, owner, netns);
    this.addSums(fresh, row);
    level.set(last, fresh);
    this.all.push(fresh);
  }

  /** The groups, largest first; equal counts in the order of their key values (tables are counted concurrently). */
  rows(): CountRow[] {
    const byKeys = (a: CountRow, b: CountRow): number => {
      for (const key of this.by) {
        const order = String(a[key]).localeCompare(String(b[key]));
        if (order !== 0) return order;
      }
      return 0;
    };
    return this.all.slice().sort((a, b) => b.count - a.count || byKeys(a, b));
  }
}

export interface CountResult {
  total: number;
  groups: CountRow[];
  /** What became of each table (rows are not kept: `table.rows` is empty). */
  tables: Array<TableOutcome<unknown>>;
  sources: SourceChoice[];
}

/** The shared part of a count: owners looked up per row, and the group-by. */
function counting(plan: QueryPlan, by: readonly CountKey[], scan: OwnerScan | undefined, sums: readonly SumKey[]) {
  const counter = new Counter(by, scan, sums);
  const ownerOk = plan.ownerFilter === undefined ? undefined : ownerKeep(plan.ownerFilter);
  const passes = (inode: number) => ownerOk === undefined || ownerOk(scan?.owners.get(inode) ?? NO_OWNERS);
  return {
    visitor: (spec: Extract<TableSpec, { kind: 'inet' }>, netns: string | null) => (row: InetRowView) => {
      if (passes(row.inode)) counter.add(row, spec.protocol, spec.family, netns);
    },
    /** Count a UNIX table's rows, then drop them (a count keeps no rows). */
    unix(read: TableOutcome<UnixSocket>, netns: string | null): TableOutcome<UnixSocket> {
      if (read.status === 'ok') {
        for (const row of read.table.rows) if (passes(row.inode)) counter.add(row, 'unix', 'unix', netns);
        read.table.rows = [];
      }
      return read;
    },
    finish: (tables: Array<TableOutcome<unknown>>): CountResult => ({
      total: counter.total,
      groups: counter.rows(),
      tables,
      sources: plan.sources.choices(),
    }),
  };
}

function countNeedsOwners(plan: QueryPlan, by: readonly CountKey[]): boolean {
  return plan.ownerFilter !== undefined || by.includes('pid') || by.includes('program');
}

/**
 * One namespace of a count: the plan scoped to it, and its label for the
 * `netns` key (null outside a `netns` count).
 */
export interface CountScope {
  plan: QueryPlan;
  netns: string | null;
}

/**
 * Count the plan's sockets grouped by `by`. Internet rows are visited on the
 * backends' packed data; owners (for `pid`/`program` or an owner filter) come
 * from one complete walk, looked up per row. With several scopes (the
 * namespaces of a `netns` count), one walk and one group-by serve them all;
 * `tables` then lists each scope's tables in turn.
 */
export async function countQuery(
  plan: QueryPlan,
  by: readonly CountKey[],
  sums: readonly SumKey[] = [],
  scopes: readonly CountScope[] = [{ plan, netns: null }],
): Promise<CountResult> {
  const { sources } = plan;
  // A complete walk (no wanted inodes): every counted socket looks its owner up.
  const scan = countNeedsOwners(plan, by) ? await sources.owners.scanAsync(ownerQuery(plan, undefined)) : undefined;
  const count = counting(plan, by, scan, sums);
  const tables: Array<TableOutcome<unknown>> = [];
  for (const scope of scopes) {
    const p = scope.plan;
    // Every table at once, as a listing reads them (their dumps run on their own threads).
    tables.push(
      ...(await Promise.all(
        p.tables.map(async (spec): Promise<TableOutcome<unknown>> => {
          if (spec.kind === 'unix') return count.unix(await outcomeAsync(spec, sources, () => sources.unix().unixAsync(unixQuery(p))), scope.netns);
          const backend = sources.inet(spec.protocol, spec.family);
          const visit = count.visitor(spec, scope.netns);
          return outcomeAsync(spec, sources, async () => ({ rows: [], malformed: await backend.visitInetAsync(inetQuery(p, spec, false), visit) }));
        }),
      )),
    );
  }
  return count.finish(tables);
}

/** {@link countQuery}, synchronously. */
export function countQuerySync(
  plan: QueryPlan,
  by: readonly CountKey[],
  sums: readonly SumKey[] = [],
  scopes: readonly CountScope[] = [{ plan, netns: null }],
): CountResult {
  const { sources } = plan;
  const scan = countNeedsOwners(plan, by) ? sources.owners.scan(ownerQuery(plan, undefined)) : undefined;
  const count = counting(plan, by, scan, sums);
  const tables: Array<TableOutcome<unknown>> = [];
  for (const scope of scopes) {
    const p = scope.plan;
    for (const spec of p.tables) {
      if (spec.kind === 'inet') {
        const backend = sources.inet(spec.protocol, spec.family);
        const visit = count.visitor(spec, scope.netns);
        tables.push(outcome(spec, sources, () => ({ rows: [], malformed: backend.visitInet(inetQuery(p, spec, false), visit) })));
      } else {
        tables.push(count.unix(outcome(spec, sources, () => sources.unix().unix(unixQuery(p))), scope.netns));
      }
    }
  }
  return count.finish(tables);
}
