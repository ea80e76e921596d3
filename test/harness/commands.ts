/**
 * Running one program and keeping what it printed: the building block of every comparison
 * with net-tools. Output is kept as bytes, one character per byte (latin1), unless a test asks
 * for text; a `Run` is what both programs are compared on (stdout, stderr, exit status).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AS_NOBODY, isolated } from './isolate';
import { ORACLE } from './paths';

export { AS_NOBODY, isolated, rerunIsolated, type Isolation } from './isolate';

/** What a run printed and how it ended (status -1: killed by a signal, or not started). */
export interface Run {
  stdout: string;
  stderr: string;
  status: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** latin1 (default): one character per byte, nothing lost to decoding. */
  encoding?: 'latin1' | 'utf8';
  user?: 'root' | 'nobody';
}

/** The environment net-tools runs with: a fixed PATH and the C locale, nothing of the caller's. */
export const ORACLE_ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' };

/** `argv` run to its end (as uid 65534 with `user: 'nobody'`). */
export function runCommand(argv: readonly string[], options: RunOptions = {}): Run {
  const [command, ...args] = options.user === 'nobody' ? [...AS_NOBODY, ...argv] : argv;
  const result = spawnSync(command!, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: options.encoding ?? 'latin1',
    env: options.env ?? process.env,
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { stdout: result.stdout ?? '', stderr: result.stderr ?? '', status: result.status ?? -1 };
}

/** `argv` run to its end; its stdout, or an error with its stderr when it fails. */
export function runOrThrow(argv: readonly string[]): string {
  const run = runCommand(argv, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${argv.join(' ')} failed (status ${run.status}): ${run.stderr}`);
  return run.stdout;
}

export interface OverProcOptions {
  /** Bind-mount the tree (default: copy it onto a tmpfs, so that modes and owners can be changed). */
  bind?: boolean;
  /** Shell run once the tree is in place (chmod, mkfifo, a background writer); its jobs are killed when the program ends. */
  setup?: string;
}

/**
 * `argv` run with `tree` as /proc, in a private mount namespace: what net-tools reads there is
 * the fixture, nothing of the machine's.
 */
export function overProc(tree: string, argv: readonly string[], options: OverProcOptions = {}): string[] {
  const mount = options.bind ? 'mount --bind "$1" /proc' : 'mount -t tmpfs none /proc; cp -a "$1"/. /proc/';
  // Not exec: background jobs of the setup must not outlive the program (they hold its output
  // pipes). bash for `jobs -p`; --norc, or a bash started on a socket would read ~/.bashrc.
  const script = `set -e; ${mount}\n${options.setup ?? ''}\nshift; set +e; "$@"; status=$?; kill $(jobs -p) 2>/dev/null; exit $status`;
  return isolated(['bash', '--norc', '-c', script, 'bash', tree, ...argv], { mount: true });
}

/** net-tools' netstat with `tree` as /proc (as root, or as uid 65534). */
export function oracleOverProc(tree: string, args: readonly string[], options: OverProcOptions & RunOptions = {}): Run {
  const program = options.user === 'nobody' ? [...AS_NOBODY, ORACLE, ...args] : [ORACLE, ...args];
  return runCommand(overProc(tree, program, options), { env: ORACLE_ENV, timeoutMs: 30_000, ...options, user: 'root' });
}

/** One shell word, whatever bytes it holds. */
function shellWord(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * net-tools once per argument list (as root or as uid 65534) over ONE copy of `tree` on /proc:
 * one mount namespace for all of them, as the runs only read the tree. Each run's output goes to
 * files (opened by the shell, as root), so stdout and stderr stay apart.
 */
export function oracleOverProcEach(tree: string, runs: ReadonlyArray<{ args: readonly string[]; user?: 'root' | 'nobody' }>): Run[] {
  const out = mkdtempSync(path.join(os.tmpdir(), 'netstat-oracle-'));
  try {
    const lines = runs.map(({ args, user }, i) => {
      const program = [...(user === 'nobody' ? AS_NOBODY : []), ORACLE, ...args].map(shellWord).join(' ');
      return `${program} >"$OUT/${i}.out" 2>"$OUT/${i}.err"; echo $? >"$OUT/${i}.status"`;
    });
    const result = runCommand(overProc(tree, ['sh', '-c', `OUT=${shellWord(out)}\n${lines.join('\n')}`]), { env: ORACLE_ENV, timeoutMs: 120_000 });
    if (result.status !== 0) throw new Error(`net-tools runs over ${tree} failed (status ${result.status}): ${result.stderr}`);
    const read = (name: string) => readFileSync(path.join(out, name), 'latin1');
    return runs.map((_, i) => ({ stdout: read(`${i}.out`), stderr: read(`${i}.err`), status: Number(read(`${i}.status`)) }));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
