/**
 * The `/proc/PID/fd` walk that finds which processes hold which sockets, with
 * net-tools 2.10 semantics (spec §2.9):
 *
 * - every all-digit entry of the proc root, in readdir order (hence
 *   `opendir`, not `readdirSync`, which sorts);
 * - `PID/fd` unreadable: EACCES counts as `denied` (the PID goes to `deniedPids`), ENOENT/ESRCH (the process
 *   exited) as `vanished`, anything else is skipped silently; an fd whose
 *   readlink fails with ENOENT (closed meanwhile) also counts as `vanished`,
 *   other readlink failures are skipped (not `denied`);
 * - each fd entry whose name starts with a digit is read with readlink and
 *   recognised by `socketInodeOfLink`;
 * - the program name comes from `PID/cmdline`, read on the process's first
 *   socket; if that read fails the socket is skipped and the read is retried
 *   on the next one (net-tools does the same).
 *
 * Runs as a generator yielding between processes and every 500 fds, so that
 * `runInSlices` can keep the event loop responsive. The system calls are
 * synchronous either way (a readlink costs microseconds; one per fd through
 * the thread pool would cost far more). A `cmdline` read can wait briefly
 * on a busy process's memory lock, as it does for `ps`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorCode } from '../errors';
import type { ProcessRef } from '../model';
import { CMDLINE_READ_LIMIT, programNameOf } from './program-name';
import { socketInodeOfLink } from './socket-link';

/** fd entries handled between two yield points (each costs a readlink). */
const FDS_PER_SLICE = 500;

/**
 * Result of walking `/proc/[pid]/fd` to find which processes hold which
 * sockets. The native walk (backends/netlink.ts) returns the same shape.
 */
export interface OwnerScan {
  /** Socket inode → holders, in `/proc` directory order (first = net-tools' choice). */
  owners: ReadonlyMap<number, readonly ProcessRef[]>;
  /** Processes whose fd directory could not be read for lack of permission (EACCES). */
  denied: number;
  /** Those processes' PIDs, in walk order; absent when there are none. */
  deniedPids?: number[];
  /** Processes (or fds) that vanished during the walk (ENOENT/ESRCH); tolerated. */
  vanished: number;
  /** True when `/proc` itself could not be listed. */
  procUnreadable: boolean;
  /** How the fds were read: `proc` (readlink under `/proc/PID/fd`) or `bpf` (the kernel's task_file iterator); absent = `proc`. */
  method?: 'bpf' | 'proc';
  /** Why that method, when one was chosen (for `proc`: why not the BPF walk). */
  methodReason?: string;
}

export interface OwnerWalkOptions {
  /** Stop after the process in which the last of these inodes got its first holder. */
  wanted?: ReadonlySet<number>;
  /**
   * Whether the caller is root. After an early stop a non-root walk still
   * opens the remaining fd directories, because net-tools prints its notice
   * if *any* process denies access; root is never denied, so it skips that.
   */
  isRoot: boolean;
  /** Walk only these processes, in this order (a missing one is skipped); absent = all of `root`. */
  pids?: readonly number[];
}

/** A scan while this walk fills it: its owners are a plain `Map`. */
type Filling = Omit<OwnerScan, 'owners'> & { owners: Map<number, ProcessRef[]> };

export function* walkOwners(root: string, options: OwnerWalkOptions): Generator<void, OwnerScan, void> {
  const scan: Filling = { owners: new Map(), denied: 0, vanished: 0, procUnreadable: false };
  if (options.pids !== undefined) {
    const cmdline = Buffer.alloc(CMDLINE_READ_LIMIT);
    let missing = options.wanted === undefined ? Infinity : options.wanted.size;
    for (const pid of options.pids) {
      const pidDir = path.join(root, String(pid));
      if (!fs.existsSync(pidDir)) continue;
      if (missing === 0) break;
      missing -= yield* walkProcess(pidDir, pid, scan, options.wanted, cmdline);
      yield;
    }
    return scan;
  }
  let procDir: fs.Dir;
  try {
    procDir = fs.opendirSync(root, { bufferSize: 512 });
  } catch {
    scan.procUnreadable = true;
    return scan;
  }

  const wanted = options.wanted;
  let missing = wanted === undefined ? Infinity : wanted.size;
  const cmdline = Buffer.alloc(CMDLINE_READ_LIMIT);
  try {
    for (let entry = readEntry(procDir); entry !== null; entry = readEntry(procDir)) {
      if (!isAllDigits(entry.name)) continue;
      const pidDir = path.join(root, entry.name);
      if (missing === 0) {
        if (!options.isRoot) checkReadable(pidDir, Number(entry.name), scan);
        continue;
      }
      const found = yield* walkProcess(pidDir, Number(entry.name), scan, wanted, cmdline);
      missing -= found;
      yield;
    }
  } finally {
    procDir.closeSync();
  }
  return scan;
}

/** The next entry of the proc root; a read error ends the listing, as it ends net-tools' readdir loop. */
function readEntry(dir: fs.Dir): fs.Dirent | null {
  try {
    return dir.readSync();
  } catch {
    return null;
  }
}

/** Records the sockets one process holds; returns how many wanted inodes got their first holder. */
function* walkProcess(
  pidDir: string,
  pid: number,
  scan: Filling,
  wanted: ReadonlySet<number> | undefined,
  cmdline: Buffer,
): Generator<void, number, void> {
  const fdDir = path.join(pidDir, 'fd');
  let fds: fs.Dir;
  try {
    // Listed incrementally (not readdirSync) so that a process with a huge fd
    // table does not block the event loop in one call.
    fds = fs.opendirSync(fdDir, { bufferSize: 256 });
  } catch (err) {
    countFailure(err, scan, pid);
    return 0;
  }

  let owner: ProcessRef | undefined;
  let vanishedCounted = false;
  let found = 0;
  let fdsInSlice = 0;
  try {
    for (let entry = readEntry(fds); entry !== null; entry = readEntry(fds)) {
      if (++fdsInSlice === FDS_PER_SLICE) {
        fdsInSlice = 0;
        yield;
      }
      const name = entry.name;
      const first = name.charCodeAt(0);
      if (first < 0x30 || first > 0x39) continue;
      let target: Buffer;
      try {
        target = fs.readlinkSync(`${fdDir}/${name}`, { encoding: 'buffer' });
      } catch (err) {
        // Typically ENOENT: the fd was closed meanwhile. An EACCES here is not
        // "denied": net-tools' notice is about opening the fd directory only.
        const code = errorCode(err);
        if (code === 'ENOENT' || code === 'ESRCH') scan.vanished++;
        continue;
      }
      const inode = socketInodeOfLink(target);
      if (inode === undefined) continue;

      if (owner === undefined) {
        const program = readProgramName(pidDir, cmdline);
        if (program === undefined) {
          if (!vanishedCounted) {
            vanishedCounted = true;
            scan.vanished++;
          }
          continue;
        }
        owner = program.base64 === undefined ? { pid, program: program.text } : { pid, program: program.text, programBase64: program.base64 };
      }

      // Looking for given sockets: only those are kept (as the native walk does).
      if (wanted !== undefined && !wanted.has(inode)) continue;
      const holders = scan.owners.get(inode);
      if (holders === undefined) {
        scan.owners.set(inode, [owner]);
        if (wanted !== undefined) found++;
      } else if (holders[holders.length - 1] !== owner) {
        holders.push(owner);
      }
    }
  } finally {
    fds.closeSync();
  }
  return found;
}

/** argv[0] as net-tools names it, or undefined when `cmdline` cannot be read. */
function readProgramName(pidDir: string, cmdline: Buffer): { text: string; base64?: string } | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path.join(pidDir, 'cmdline'), 'r');
  } catch {
    return undefined;
  }
  try {
    const length = fs.readSync(fd, cmdline, 0, CMDLINE_READ_LIMIT, null);
    return programNameOf(cmdline.subarray(0, length));
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** After an early stop: only find out whether the process's fd directory would deny access. */
function checkReadable(pidDir: string, pid: number, scan: Filling): void {
  try {
    fs.opendirSync(path.join(pidDir, 'fd')).closeSync();
  } catch (err) {
    countFailure(err, scan, pid);
  }
}

function countFailure(err: unknown, scan: Filling, pid: number): void {
  const code = errorCode(err);
  if (code === 'EACCES') {
    scan.denied++;
    (scan.deniedPids ??= []).push(pid);
  } else if (code === 'ENOENT' || code === 'ESRCH') {
    scan.vanished++;
  }
}

function isAllDigits(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}
