/**
 * One query over several network namespaces: each namespace's tables are
 * read as the engine reads one namespace's (netlink: a dump socket made
 * inside it; /proc: `/proc/PID/net/*` of a process inside it), and owners
 * come from one fd walk shared by all of them — socket inodes are unique
 * across namespaces (one sockfs), so one wanted set and one map serve all.
 * Every row is tagged with its namespace.
 *
 * A namespace that cannot be entered (no privilege, gone, no process for
 * /proc) is reported with its error instead of rows; the others are read.
 */
import { isNamespaceEntryError } from '../backends/choose';
import type { SourceChoice } from '../backends/choose';
import type { NetnsTarget, OwnerScan } from '../backends/types';
import { NetstatError, errorCode, strerror } from '../errors';
import type { InetSocket, NetnsRef, UnixSocket } from '../model';
import type { Namespace } from '../netns/discover';
import { type QueryPlan, type QueryResult, type TableOutcome, joinOwners, ownerQuery, readTables, readTablesAsync, wantsOwners } from './engine';

/** What became of one namespace. */
export type NamespaceOutcome =
  | { namespace: Namespace; ref: NetnsRef; status: 'ok'; result: QueryResult }
  | { namespace: Namespace; ref: NetnsRef; status: 'unreadable'; error: unknown };

export interface NamespacesResult {
  parts: NamespaceOutcome[];
  ownerScan?: OwnerScan;
  sources: SourceChoice[];
}

/** The record's view of a namespace (frozen: every row of it shares the one object). */
export function netnsRef(ns: Namespace): NetnsRef {
  const ref: NetnsRef = { inode: ns.inode };
  if (ns.name !== undefined) ref.name = ns.name;
  if (ns.pid !== undefined) ref.pid = ns.pid;
  return Object.freeze(ref);
}

/** How messages name a namespace: its name, else `net:[INODE]`. */
export function netnsLabel(ns: Pick<Namespace, 'inode' | 'name'>): string {
  return ns.name ?? `net:[${ns.inode}]`;
}

/**
 * The error for a namespace that could not be read, named for the caller:
 * the system code stays (`EPERM`, `ENOENT`, …) with a message saying which
 * namespace and what is needed.
 */
export function namespaceError(ns: Pick<Namespace, 'inode' | 'name'>, error: unknown): NetstatError {
  const code = errorCode(error) ?? 'EIO';
  if (code === 'ERR_NETNS_NO_PROCESS' && error instanceof NetstatError) return error;
  const label = netnsLabel(ns);
  const hint =
    code === 'EPERM'
      ? ' (entering it needs CAP_SYS_ADMIN; the /proc backend reads /proc/PID/net of a process inside it instead)'
      : code === 'ENOENT'
        ? ' (it no longer exists)'
        : '';
  const why = strerror(code) ?? (error instanceof Error ? error.message : String(error));
  const syscall = typeof error === 'object' && error !== null ? (error as { syscall?: unknown }).syscall : undefined;
  return new NetstatError(`cannot read network namespace ${label}: ${why}${hint}`, code, {
    cause: error,
    ...(typeof syscall === 'string' ? { syscall } : {}),
  });
}

/** The backends' target for a namespace; none for the caller's own (read as usual). */
function targetOf(ns: Namespace): NetnsTarget | undefined {
  if (ns.current) return undefined;
  const target: NetnsTarget = { path: ns.path, label: netnsLabel(ns) };
  if (ns.procDir !== undefined) target.procDir = ns.procDir;
  return target;
}

export function planIn(plan: QueryPlan, ns: Namespace): QueryPlan {
  const target = targetOf(ns);
  const scoped: QueryPlan = { ...plan };
  if (target === undefined) delete scoped.netns;
  else scoped.netns = target;
  return scoped;
}

/**
 * The error that kept a namespace from being read, if one did: a table that
 * failed because the namespace could not be entered (or has no process for
 * /proc). Other table failures stay table outcomes.
 */
export function entryError(tables: ReadonlyArray<TableOutcome<unknown> | undefined>): unknown {
  for (const t of tables) {
    if (t === undefined || t.status === 'ok') continue;
    if (isNamespaceEntryError(t.error) || errorCode(t.error) === 'ERR_NETNS_NO_PROCESS') return t.error;
  }
  return undefined;
}

function outcomeOf(ns: Namespace, result: QueryResult): NamespaceOutcome {
  const ref = netnsRef(ns);
  const error = entryError([...result.inet, result.unix]);
  return error === undefined ? { namespace: ns, ref, status: 'ok', result } : { namespace: ns, ref, status: 'unreadable', error };
}

function* rowsOf(result: QueryResult): Generator<Array<InetSocket | UnixSocket>> {
  for (const t of result.inet) if (t.status === 'ok') yield t.table.rows;
  if (result.unix?.status === 'ok') yield result.unix.table.rows;
}

function tag(parts: readonly NamespaceOutcome[]): void {
  for (const part of parts) {
    if (part.status !== 'ok') continue;
    for (const rows of rowsOf(part.result)) for (const row of rows) row.netns = part.ref;
  }
}

function readable(parts: readonly NamespaceOutcome[]): QueryResult[] {
  return parts.flatMap((p) => (p.status === 'ok' ? [p.result] : []));
}

/** Read every namespace, then join owners from one walk over all of them. */
export function runNamespaces(plan: QueryPlan, namespaces: readonly Namespace[]): NamespacesResult {
  const parts = namespaces.map((ns) => outcomeOf(ns, readTables(planIn(plan, ns))));
  const done: NamespacesResult = { parts, sources: [] };
  if (wantsOwners(plan)) {
    const results = readable(parts);
    const scan = plan.sources.owners.scan(ownerQuery(plan, results));
    for (const result of results) joinOwners(result, scan, plan.ownerFilter);
    done.ownerScan = scan;
  }
  tag(parts);
  done.sources = plan.sources.choices();
  return done;
}

/**
 * {@link runNamespaces} without blocking: a few namespaces at a time (each
 * reads its tables concurrently), so a host with hundreds of namespaces does
 * not queue thousands of dumps at once.
 */
export async function runNamespacesAsync(plan: QueryPlan, namespaces: readonly Namespace[], concurrency = 4): Promise<NamespacesResult> {
  const parts: NamespaceOutcome[] = new Array(namespaces.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < namespaces.length) {
      const i = next++;
      const ns = namespaces[i]!;
      parts[i] = outcomeOf(ns, await readTablesAsync(planIn(plan, ns)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, namespaces.length) }, worker));
  const done: NamespacesResult = { parts, sources: [] };
  if (wantsOwners(plan)) {
    const results = readable(parts);
    const scan = await plan.sources.owners.scanAsync(ownerQuery(plan, results));
    for (const result of results) joinOwners(result, scan, plan.ownerFilter);
    done.ownerScan = scan;
  }
  tag(parts);
  done.sources = plan.sources.choices();
  return done;
}
