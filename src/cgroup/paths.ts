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
import { errorCode, NetstatError, syscallOf, systemError } from '../errors';
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
  return systemError(err, file, syscallOf(err));
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

  /** The walk below `mount`, whose root stat'ed as `root` (nothing to walk when the root was all that was missing). */
  private begin(mount: string, root: fs.BigIntStats, missing: Set<string>): Walk {
    return new Walk(mount, root.dev, this.see(root.ino, '/', missing) ? [] : ['/']);
  }

  private walkSync(mount: string, missing: Set<string>): void {
    let root: fs.BigIntStats;
    try {
      root = fs.statSync(mount, { bigint: true });
    } catch (err) {
      throw walkError(err, mount);
    }
    const walk = this.begin(mount, root, missing);
    for (const next of walk.directories()) {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(walk.full(next), { withFileTypes: true });
      } catch (err) {
        walk.skipOrThrow(err, next);
        continue;
      }
      for (const rel of walk.children(next, entries)) {
        let st: fs.BigIntStats | undefined;
        try {
          st = fs.lstatSync(walk.full(rel), { bigint: true });
        } catch (err) {
          walk.skipOrThrow(err, rel);
        }
        if (walk.found(st, rel, (ino) => this.see(ino, rel, missing))) return;
      }
    }
  }

  private async walkAsync(mount: string, missing: Set<string>): Promise<void> {
    const root = await fs.promises.stat(mount, { bigint: true }).catch((err: unknown) => {
      throw walkError(err, mount);
    });
    const walk = this.begin(mount, root, missing);
    for (const next of walk.directories()) {
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(walk.full(next), { withFileTypes: true });
      } catch (err) {
        walk.skipOrThrow(err, next);
        continue;
      }
      const dirs = walk.children(next, entries);
      // Siblings are stat'ed together: one directory's children at a time keeps the fan-out bounded.
      const stats = await Promise.all(
        dirs.map((rel) =>
          fs.promises.lstat(walk.full(rel), { bigint: true }).catch((err: unknown) => {
            walk.skipOrThrow(err, rel);
            return undefined;
          }),
        ),
      );
      for (let i = 0; i < dirs.length; i++) {
        const rel = dirs[i]!;
        if (walk.found(stats[i], rel, (ino) => this.see(ino, rel, missing))) return;
      }
    }
  }
}

/**
 * What the sync and async walks share: the breadth-first queue of cgroup
 * paths below `mount`, which entries are worth a stat, and what a stat'ed
 * child means.
 */
class Walk {
  constructor(
    private readonly mount: string,
    private readonly dev: bigint,
    private readonly queue: string[],
  ) {}

  /** The directories to list, in breadth-first order; `found` adds to them as the walk goes. */
  *directories(): Generator<string> {
    for (let head = 0; head < this.queue.length; head++) yield this.queue[head]!;
  }

  full(rel: string): string {
    return path.join(this.mount, rel);
  }

  /** The subdirectories of `parent` (every cgroup is a directory; the interface files, cgroup.procs and the like, are not). */
  children(parent: string, entries: fs.Dirent[]): string[] {
    return entries.filter((entry) => entry.isDirectory()).map((entry) => childPath(parent, entry.name));
  }

  /** A failure on `rel`: stepped around when the tree merely changed (see `skippable`), else thrown. */
  skipOrThrow(err: unknown, rel: string): void {
    if (!skippable(err)) throw walkError(err, this.full(rel));
  }

  /**
   * A stat'ed child (undefined: skipped): `see` its inode, and list it later.
   * Something mounted inside the tree is not a cgroup: its inode numbers mean
   * nothing here. True once `see` says nothing more is missing.
   */
  found(st: fs.BigIntStats | undefined, rel: string, see: (ino: bigint) => boolean): boolean {
    if (st === undefined || st.dev !== this.dev) return false;
    if (see(st.ino)) return true;
    this.queue.push(rel);
    return false;
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
