/**
 * Fills the cgroup path and container of socket records from the ids the
 * kernel reported (`cgroup.id`): one resolver walk for all of them.
 */
import type { InetSocket } from '../model';
import { containerOf } from './container';
import { type CgroupResolver, createCgroupResolver } from './paths';

function idsOf(rows: readonly InetSocket[]): Set<string> {
  const ids = new Set<string>();
  for (const row of rows) if (row.cgroup !== undefined) ids.add(row.cgroup.id);
  return ids;
}

function apply(rows: readonly InetSocket[], paths: ReadonlyMap<string, string>): void {
  for (const row of rows) {
    const cgroup = row.cgroup;
    if (cgroup === undefined) continue;
    const path = paths.get(cgroup.id);
    if (path === undefined) continue;
    cgroup.path = path;
    const container = containerOf(path);
    if (container !== undefined) cgroup.container = container;
  }
}

/** One resolver per process: what a walk learns stays true (cgroup ids are not reused). */
let shared: { procRoot: string | undefined; resolver: CgroupResolver } | undefined;

function resolverFor(options: { procRoot?: string }): CgroupResolver {
  if (shared === undefined || shared.procRoot !== options.procRoot) {
    shared = { procRoot: options.procRoot, resolver: createCgroupResolver(options) };
  }
  return shared.resolver;
}

export function fillCgroups(rows: readonly InetSocket[], options: { procRoot?: string } = {}): void {
  const ids = idsOf(rows);
  if (ids.size === 0) return;
  apply(rows, resolverFor(options).pathsOf(ids));
}

export async function fillCgroupsAsync(rows: readonly InetSocket[], options: { procRoot?: string } = {}): Promise<void> {
  const ids = idsOf(rows);
  if (ids.size === 0) return;
  apply(rows, await resolverFor(options).pathsOfAsync(ids));
}
