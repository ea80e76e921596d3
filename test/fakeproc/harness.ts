/**
 * Differential runs against /usr/bin/netstat over a FAKE /proc: a tree of hand-made `net/*`
 * files is mounted on /proc in a private mount namespace (test/harness: overProc), so both
 * programs read the same synthetic kernel (SCTP tables this kernel lacks, missing files,
 * malformed lines, a symlink loop). Only the socket listing's files are faked; owners (-p)
 * find no processes, identically for both.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AS_NOBODY, ORACLE_ENV, type Run, overProc, runCommand } from '../harness/commands';
import { ORACLE } from '../harness/paths';

/** File path below /proc → content, or `{ loop: true }` for a self-referencing symlink. */
export type FakeTree = Record<string, string | { loop: true }>;

export interface FakeProcOptions {
  /** Shell lines run after the tree is in place (chmod, mkfifo, a background writer); their jobs are killed when the program ends. */
  setup?: string[];
  /** Run both programs as uid/gid 65534 (the tree stays root's). */
  user?: 'nobody';
  /** Extra environment for the candidate. */
  env?: Record<string, string>;
}

/** The tree as files in a new directory (readable by everyone, as /proc is). */
function writeTree(tree: FakeTree): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netstat-fakeproc-'));
  chmodSync(dir, 0o755);
  for (const [file, content] of Object.entries(tree)) {
    const target = path.join(dir, file);
    mkdirSync(path.dirname(target), { recursive: true });
    if (typeof content === 'string') writeFileSync(target, content, 'latin1');
    else symlinkSync(`/proc/${file}`, target); // itself, once the tree is /proc
  }
  return dir;
}

/**
 * Run each argument list with both programs over the fake tree; one mount namespace per
 * program run keeps runs independent.
 */
export function runOverFakeProc(
  tree: FakeTree,
  cases: string[][],
  candidate: string[],
  options: FakeProcOptions = {},
): Array<{ args: string[]; reference: Run; candidate: Run }> {
  const dir = writeTree(tree);
  try {
    const setup = (options.setup ?? []).join('\n');
    const as = options.user === 'nobody' ? AS_NOBODY : [];
    // The synthetic kernel exists only as /proc files: the candidate must read them, whatever backend the suite runs under.
    const env = { ...process.env, NETSTAT_PROC_ROOT: '', NETSTAT_BACKEND: 'procfs', ...options.env };
    const run = (program: string[], args: string[], programEnv: NodeJS.ProcessEnv): Run =>
      runCommand(overProc(dir, [...as, ...program, ...args], { setup }), { env: programEnv, timeoutMs: 20_000 });
    return cases.map((args) => ({ args, reference: run([ORACLE], args, ORACLE_ENV), candidate: run(candidate, args, env) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
