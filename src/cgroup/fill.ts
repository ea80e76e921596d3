/**
 * The library's use of cgroups: filling the path and container of socket
 * records from the ids the kernel reported (`cgroup.id`, one resolver walk
 * for all), expanding a cgroup filter to the ids of its subtree, and
 * relabelling counts made by cgroup id.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NetstatError } from '../errors';
import type { CgroupRef, InetSocket } from '../model';
import { containerOf } from './container';
import { type CgroupResolver, createCgroupResolver } from './paths';

function idsOf(rows: readonly InetSocket[]): Set<string> {
  const ids = new Set<string>();
  for (const row of rows) if (row.cgroup !== undefined) ids.add(row.cgroup.id);
  return ids;
}

/** Replace each record's `cgroup` with one carrying path and container (shared and frozen per id). */
function apply(rows: readonly InetSocket[], paths: ReadonlyMap<string, string>): void {
  const filled = new Map<string, CgroupRef>();
  for (const row of rows) {
    const cgroup = row.cgroup;
    if (cgroup === undefined) continue;
    let ref = filled.get(cgroup.id);
    if (ref === undefined) {
      const path = paths.get(cgroup.id);
      const next: CgroupRef = { id: cgroup.id };
      if (path !== undefined) {
        next.path = path;
        const container = containerOf(path);
        if (container !== undefined) next.container = Object.freeze(container);
      }
      ref = Object.freeze(next);
      filled.set(cgroup.id, ref);
    }
    row.cgroup = ref;
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

/**
 * The ids of the cgroups at these paths (relative to the cgroup2 root, as
 * records give them) and of every cgroup below them: a socket "in" a cgroup
 * is one created in it or in a descendant. Throws ERR_INVALID_ARG_VALUE for
 * a path that is not a cgroup here.
 */
export function cgroupSubtreeIds(paths: readonly string[], options: { procRoot?: string } = {}): Set<string> {
  const mount = resolverFor(options).mount;
  if (mount === undefined) throw new NetstatError('cgroup: this system has no cgroup v2 hierarchy mounted', 'ERR_INVALID_ARG_VALUE');
  const ids = new Set<string>();
  for (const given of paths) {
    const top = path.join(mount, path.posix.normalize(`/${given}`));
    let stat: fs.BigIntStats;
    try {
      stat = fs.statSync(top, { bigint: true });
    } catch {
      throw new NetstatError(`cgroup: no cgroup ${JSON.stringify(given)} under ${mount}`, 'ERR_INVALID_ARG_VALUE');
    }
    if (!stat.isDirectory()) throw new NetstatError(`cgroup: ${JSON.stringify(given)} is not a cgroup`, 'ERR_INVALID_ARG_VALUE');
    const pending = [top];
    ids.add(stat.ino.toString());
    while (pending.length > 0) {
      const dir = pending.pop()!;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        continue; // vanished or unreadable: its sockets cannot be told apart anyway
      }
      for (const entry of entries) {
        if (!entry.isDirectory()) continue;
        const child = path.join(dir, entry.name);
        try {
          ids.add(fs.statSync(child, { bigint: true }).ino.toString());
          pending.push(child);
        } catch {
          // removed meanwhile
        }
      }
    }
  }
  return ids;
}

/**
 * Count groups keyed by cgroup id (`cgroup`, `container` keys hold the id
 * while counting) relabelled with the cgroup's path and container id;
 * groups that end up with the same key values are merged.
 */
export async function relabelCgroupGroups<G extends CountGroup>(groups: G[], options: { procRoot?: string } = {}): Promise<G[]> {
  const ids = cgroupIdsOf(groups);
  return relabel(groups, ids.size === 0 ? new Map() : await resolverFor(options).pathsOfAsync(ids));
}

/** {@link relabelCgroupGroups}, synchronously. */
export function relabelCgroupGroupsSync<G extends CountGroup>(groups: G[], options: { procRoot?: string } = {}): G[] {
  const ids = cgroupIdsOf(groups);
  return relabel(groups, ids.size === 0 ? new Map() : resolverFor(options).pathsOf(ids));
}

type CountGroup = { count: number; cgroup?: unknown; container?: unknown };

function cgroupIdsOf(groups: readonly CountGroup[]): Set<string> {
  const ids = new Set<string>();
  for (const g of groups) {
    for (const v of [g.cgroup, g.container]) if (typeof v === 'string' && v !== '') ids.add(v);
  }
  return ids;
}

function relabel<G extends CountGroup>(groups: readonly G[], paths: ReadonlyMap<string, string>): G[] {
  const merged = new Map<string, G>();
  const out: G[] = [];
  for (const g of groups) {
    const relabelled: G = { ...g };
    if ('cgroup' in g) relabelled.cgroup = typeof g.cgroup === 'string' && g.cgroup !== '' ? (paths.get(g.cgroup) ?? g.cgroup) : null;
    if ('container' in g) {
      const p = typeof g.container === 'string' ? paths.get(g.container) : undefined;
      relabelled.container = p === undefined ? null : (containerOf(p)?.id ?? null);
    }
    const { count: _count, recvQueue: _r, sendQueue: _s, ...keys } = relabelled as Record<string, unknown>;
    const key = JSON.stringify(Object.entries(keys));
    const existing = merged.get(key);
    if (existing === undefined) {
      merged.set(key, relabelled);
      out.push(relabelled);
      continue;
    }
    existing.count += relabelled.count;
    const e = existing as Record<string, unknown>;
    const r = relabelled as Record<string, unknown>;
    for (const sum of ['recvQueue', 'sendQueue']) if (typeof e[sum] === 'number') e[sum] = (e[sum] as number) + (r[sum] as number);
  }
  // Largest first; V8's sort is stable, so equal counts keep the engine's order.
  return out.sort((a, b) => b.count - a.count);
}
