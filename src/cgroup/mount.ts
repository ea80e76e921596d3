/**
 * Where the cgroup v2 hierarchy is mounted, from `/proc/self/mountinfo`.
 *
 * Most hosts mount it at `/sys/fs/cgroup`; hybrid hosts (cgroup v1
 * controllers plus a v2 hierarchy for systemd) at `/sys/fs/cgroup/unified`;
 * containers and test rigs wherever they like. mountinfo, unlike
 * `/proc/mounts`, also gives the root of the hierarchy each mount shows,
 * which tells a full mount from a bind mount of one subtree.
 */
import { readProcFile, readProcFileAsync } from '../procfs/read';
import { procPath, procRoot } from '../procfs/root';

/** The fields of one mountinfo line that matter here (proc(5), "/proc/pid/mountinfo"). */
export interface MountinfoEntry {
  /** Field 4: the directory within the mounted filesystem that is the mount's root (`/` for all of it). */
  root: string;
  /** Field 5: where it is mounted, relative to the reader's root directory. */
  mountPoint: string;
  /** The field after the `-` separator: `cgroup2`, `ext4`, … */
  fsType: string;
}

/**
 * The kernel writes space, tab, newline and backslash in paths as octal
 * escapes (`\040`, `\011`, `\012`, `\134`) so fields stay space-separated.
 * Any `\ooo` is decoded. The text is read as latin1 (one char per byte), so
 * the decoded bytes are re-read as UTF-8 to give the path as Node names it.
 */
function unescapeField(field: string): string {
  const bytes = field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8) & 0xff));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/**
 * Parse mountinfo text. Lines that do not have the documented shape (at
 * least six fields before a lone `-`, and a type after it) are skipped:
 * the kernel does not write such lines, and a fixture or a future field
 * should not make the whole table unreadable.
 */
export function parseMountinfo(text: string): MountinfoEntry[] {
  const entries: MountinfoEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    // Optional fields (`shared:5 master:1`) vary in number; the separator ends them.
    const separator = fields.indexOf('-', 6);
    if (separator < 0 || separator + 1 >= fields.length) continue;
    const root = fields[3];
    const mountPoint = fields[4];
    const fsType = fields[separator + 1];
    if (root === undefined || mountPoint === undefined || fsType === undefined || fsType === '') continue;
    entries.push({ root: unescapeField(root), mountPoint: unescapeField(mountPoint), fsType: unescapeField(fsType) });
  }
  return entries;
}

/**
 * The cgroup2 mount point in mountinfo text, or undefined if there is none.
 *
 * A mount of the whole hierarchy (root `/`) is preferred over a bind mount
 * of a subtree, whose directory names would not be paths from the cgroup
 * root. Among equals the first listed wins: mountinfo lists mounts in the
 * order they were made, and the first is the one tools like `ss` find.
 */
export function findCgroup2Mount(mountinfo: string): string | undefined {
  const cgroup2 = parseMountinfo(mountinfo).filter((e) => e.fsType === 'cgroup2');
  return (cgroup2.find((e) => e.root === '/') ?? cgroup2[0])?.mountPoint;
}

/**
 * The cgroup2 mount point of this process's mount namespace, or undefined
 * if cgroup v2 is not mounted. Throws a `NetstatError` (`ENOENT`, `EACCES`,
 * …) when mountinfo itself cannot be read, so "no cgroup2" is never
 * confused with "could not look".
 */
export function cgroup2Mount(root: string = procRoot()): string | undefined {
  return findCgroup2Mount(readProcFile(procPath('self/mountinfo', root)).toString('latin1'));
}

/** `cgroup2Mount`, reading with `fs.promises`. */
export async function cgroup2MountAsync(root: string = procRoot()): Promise<string | undefined> {
  return findCgroup2Mount((await readProcFileAsync(procPath('self/mountinfo', root))).toString('latin1'));
}
