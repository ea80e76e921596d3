/**
 * Kernel cgroup v2 ids → cgroup paths.
 *
 * inet_diag reports a socket's cgroup as a u64 id (INET_DIAG_CGROUP_ID). That
 * id is the kernfs node id of the cgroup's directory, and on 64-bit kernels
 * the kernfs node id *is* the inode number the cgroup2 filesystem shows for
 * that directory (the root cgroup is 1). There is no reverse index, so ids
 * are turned into paths by walking the mounted tree and stat'ing directories
 * — what `ss --cgroup` does too. Ids are not reused while the system runs
 * (kernfs allocates the low 32 bits cyclically and bumps a generation in the
 * high 32 bits when they wrap), so what one walk learns stays true and is
 * cached; a cgroup removed since is still named by its last path, which is
 * what a socket that outlived its cgroup should show.
 *
 * Ids are decimal text in the public shape, like socket cookies: JSON-safe
 * and exact above 2^53.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoOf, errorCode, NetstatError, perrorText } from '../errors';
import { cgroup2Mount } from './mount';

export interface CgroupResolverOptions {
  /** The cgroup2 mount point; found from `/proc/self/mountinfo` when not given. */
  mount?: string;
  /** The proc root to read mountinfo from when `mount` is not given (default `procRoot()`). */
  procRoot?: string;
}

export interface CgroupResolver {
  /** The cgroup2 mount walked, or undefined when the system has none (then nothing resolves). */
  readonly mount: string | undefined;
  /**
   * Paths of the cgroups with these ids, relative to the cgroup2 root
   * (`/` for the root, `/system.slice/docker-<hex>.scope`, …), keyed by the
   * id as decimal text. Ids with no cgroup (removed, or never existed) are
   * absent from the map.
   */
  pathsOf(ids: Iterable<bigint | string>): Map<string, string>;
  /** `pathsOf`, walking with `fs.promises`. */
  pathsOfAsync(ids: Iterable<bigint | string>): Promise<Map<string, string>>;
}

const U64_MAX = (1n << 64n) - 1n;

/** An id as canonical decimal text; bad input is a caller's bug, so it throws. */
function idText(id: unknown): string {
  if (typeof id === 'bigint') {
    if (id < 0n || id > U64_MAX) throw new NetstatError(`cgroup id: must be an unsigned 64-bit integer (got ${id})`, 'ERR_INVALID_ARG_VALUE');
    return id.toString();
  }
  if (typeof id === 'string') {
    // Canonical text only: "007" would come back keyed as "7" and the caller's lookup would miss.
    if (!/^(0|[1-9][0-9]*)$/.test(id) || BigInt(id) > U64_MAX) {
      throw new NetstatError(`cgroup id: must be an unsigned 64-bit integer as decimal text (got "${id}")`, 'ERR_INVALID_ARG_VALUE');
    }
    return id;
  }
  throw new NetstatError('cgroup id: must be a bigint or a decimal string', 'ERR_INVALID_ARG_TYPE');
}

function wantedIds(ids: Iterable<bigint | string>): string[] {
  if (ids === null || typeof ids !== 'object' || typeof (ids as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new NetstatError('ids: must be an iterable of cgroup ids', 'ERR_INVALID_ARG_TYPE');
  }
  return Array.from(ids, idText);
}

/**
 * Errors that mean "this part of the tree is not there to see any more or
 * not ours to see": cgroups come and go while we walk, and delegated or
 * foreign subtrees may be closed to us. Anything else is a real failure.
 */
function skippable(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM';
}

/** A failure the walk cannot step around (the mount point itself unreadable, EMFILE, …), as a `NetstatError`. */
function walkError(err: unknown, file: string): NetstatError {
  const code = errorCode(err) ?? 'EIO';
  const errno = errnoOf(code);
  const syscall = typeof err === 'object' && err !== null && 'syscall' in err ? String((err as { syscall: unknown }).syscall) : undefined;
  return new NetstatError(perrorText(file, code), code, {
    ...(errno === undefined ? {} : { errno }),
    ...(syscall === undefined ? {} : { syscall }),
    path: file,
    cause: err,
  });
}

/** Child path under the cgroup root: `/` + `a` → `/a`, `/a` + `b` → `/a/b`. */
function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/**
 * The walker. One breadth-first walk per lookup that misses the cache,
 * stopping as soon as every missing id has been seen: container cgroups sit
 * a few levels down, so a lookup rarely needs the whole tree.
 */
class Resolver implements CgroupResolver {
  /** id text → path, for every cgroup any walk has seen. */
  private readonly known = new Map<string, string>();

  constructor(readonly mount: string | undefined) {}

  pathsOf(ids: Iterable<bigint | string>): Map<string, string> {
    const wanted = wantedIds(ids);
    const missing = this.missing(wanted);
    if (missing.size > 0 && this.mount !== undefined) this.walkSync(this.mount, missing);
    return this.answer(wanted);
  }

  async pathsOfAsync(ids: Iterable<bigint | string>): Promise<Map<string, string>> {
    const wanted = wantedIds(ids);
    const missing = this.missing(wanted);
    if (missing.size > 0 && this.mount !== undefined) await this.walkAsync(this.mount, missing);
    return this.answer(wanted);
  }

  private missing(wanted: string[]): Set<string> {
    return new Set(wanted.filter((id) => !this.known.has(id)));
  }

  private answer(wanted: string[]): Map<string, string> {
    const result = new Map<string, string>();
    for (const id of wanted) {
      const found = this.known.get(id);
      if (found !== undefined) result.set(id, found);
    }
    return result;
  }

  /** Record a directory; true once nothing more is missing. */
  private see(ino: bigint, rel: string, missing: Set<string>): boolean {
    const id = ino.toString();
    this.known.set(id, rel);
    missing.delete(id);
    return missing.size === 0;
  }

  private walkSync(mount: string, missing: Set<string>): void {
    let rootStat: fs.BigIntStats;
    try {
      rootStat = fs.statSync(mount, { bigint: true });
    } catch (err) {
      throw walkError(err, mount);
    }
    if (this.see(rootStat.ino, '/', missing)) return;
    const queue: string[] = ['/'];
    for (let head = 0; head < queue.length; head++) {
      const next = queue[head];
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(path.join(mount, next), { withFileTypes: true });
      } catch (err) {
        if (skippable(err)) continue;
        throw walkError(err, path.join(mount, next));
      }
      for (const entry of entries) {
        // Every cgroup is a directory; the interface files (cgroup.procs, …) are not.
        if (!entry.isDirectory()) continue;
        const rel = childPath(next, entry.name);
        let st: fs.BigIntStats;
        try {
          st = fs.lstatSync(path.join(mount, rel), { bigint: true });
        } catch (err) {
          if (skippable(err)) continue;
          throw walkError(err, path.join(mount, rel));
        }
        // Something mounted inside the tree is not a cgroup: its inode numbers mean nothing here.
        if (st.dev !== rootStat.dev) continue;
        if (this.see(st.ino, rel, missing)) return;
        queue.push(rel);
      }
    }
  }

  private async walkAsync(mount: string, missing: Set<string>): Promise<void> {
    let rootStat: fs.BigIntStats;
    try {
      rootStat = await fs.promises.stat(mount, { bigint: true });
    } catch (err) {
      throw walkError(err, mount);
    }
    if (this.see(rootStat.ino, '/', missing)) return;
    const queue: string[] = ['/'];
    for (let head = 0; head < queue.length; head++) {
      const next = queue[head];
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(path.join(mount, next), { withFileTypes: true });
      } catch (err) {
        if (skippable(err)) continue;
        throw walkError(err, path.join(mount, next));
      }
      const dirs = entries.filter((e) => e.isDirectory()).map((e) => childPath(next, e.name));
      // Siblings are stat'ed together: one directory's children at a time keeps the fan-out bounded.
      const stats = await Promise.all(
        dirs.map((rel) =>
          fs.promises.lstat(path.join(mount, rel), { bigint: true }).catch((err: unknown) => {
            if (skippable(err)) return undefined;
            throw walkError(err, path.join(mount, rel));
          }),
        ),
      );
      for (let i = 0; i < dirs.length; i++) {
        const st = stats[i];
        const rel = dirs[i];
        if (st === undefined || st.dev !== rootStat.dev) continue;
        if (this.see(st.ino, rel, missing)) return;
        queue.push(rel);
      }
    }
  }
}

/**
 * A resolver over one cgroup2 mount. Finding the mount reads
 * `/proc/self/mountinfo` now (a `NetstatError` if that fails); with no
 * cgroup2 mounted, `mount` is undefined and every lookup comes back empty.
 */
export function createCgroupResolver(options: CgroupResolverOptions = {}): CgroupResolver {
  if (typeof options !== 'object' || options === null) throw new NetstatError('options: must be an object', 'ERR_INVALID_ARG_TYPE');
  const { mount, procRoot } = options;
  if (mount !== undefined && (typeof mount !== 'string' || mount === '')) {
    throw new NetstatError('options.mount: must be a non-empty string', 'ERR_INVALID_ARG_TYPE');
  }
  if (procRoot !== undefined && typeof procRoot !== 'string') throw new NetstatError('options.procRoot: must be a string', 'ERR_INVALID_ARG_TYPE');
  return new Resolver(mount ?? (procRoot === undefined ? cgroup2Mount() : cgroup2Mount(procRoot)));
}
