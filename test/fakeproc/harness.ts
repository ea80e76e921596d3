/**
 * Differential runs against /usr/bin/netstat over a FAKE /proc: inside a
 * private mount namespace a tmpfs is mounted on /proc and filled with
 * hand-made `net/*` files, so both programs read the same synthetic kernel
 * (SCTP tables this kernel lacks, missing files, malformed lines, a symlink
 * loop). Only the socket listing's files are faked; owners (-p) find no
 * processes, identically for both.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REFERENCE = '/usr/bin/netstat';

/** File path below /proc → content, or `{ loop: true }` for a self-referencing symlink. */
export type FakeTree = Record<string, string | { loop: true }>;

export interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Why these tests cannot run here, or null when they can. */
export function unavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (unshare -m, mount)';
  const probe = spawnSync('unshare', ['-m', '--propagation', 'private', 'true']);
  if (probe.status !== 0) return `unshare -m does not work here: ${probe.stderr?.toString().trim()}`;
  return null;
}

export interface FakeProcOptions {
  /** Shell lines run after the tree is in place (chmod, mkfifo, a background writer); their jobs are killed when the program ends. */
  setup?: string[];
  /** Run both programs as uid/gid 65534 (the tree stays root's). */
  user?: 'nobody';
  /** Extra environment for the candidate. */
  env?: Record<string, string>;
}

/**
 * Run each argument list with both programs over the fake tree; one mount
 * namespace per program run keeps runs independent.
 */
export function runOverFakeProc(
  tree: FakeTree,
  cases: string[][],
  candidate: string[],
  options: FakeProcOptions = {},
): Array<{ args: string[]; reference: Outcome; candidate: Outcome }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netstat-fakeproc-'));
  try {
    const script = path.join(dir, 'populate.sh');
    const lines = ['set -e', 'mount -t tmpfs none /proc'];
    Object.entries(tree).forEach(([file, content], index) => {
      const target = `/proc/${file}`;
      lines.push(`mkdir -p "$(dirname ${target})"`);
      if (typeof content === 'string') {
        const source = path.join(dir, `f${index}`);
        writeFileSync(source, content, 'latin1');
        lines.push(`cp ${source} ${target}`);
      } else {
        lines.push(`ln -s ${target} ${target}`);
      }
    });
    lines.push(...(options.setup ?? []));
    const as = options.user === 'nobody' ? 'setpriv --reuid=65534 --regid=65534 --clear-groups ' : '';
    // Not exec: background jobs of the setup must not outlive the program (they hold its output pipes).
    lines.push('status=0', `${as}"$@" || status=$?`, 'kill $(jobs -p) 2>/dev/null || true', 'exit $status');
    writeFileSync(script, lines.join('\n') + '\n');
    const run = (program: string[], args: string[]): Outcome => {
      const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'bash', script, ...program, ...args], {
        encoding: 'latin1',
        timeout: 20_000,
        // The synthetic kernel exists only as /proc files: the candidate must read them, whatever backend the suite runs under.
        env: { ...process.env, NETSTAT_PROC_ROOT: '', NETSTAT_BACKEND: 'procfs', ...options.env },
      });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    return cases.map((args) => ({ args, reference: run([REFERENCE], args), candidate: run(candidate, args) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
