/**
 * Test support for the watch suites: a child process run inside a private
 * network namespace (`unshare -n`), with its output, status and the time it
 * took to exit after its last line.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolated } from '../harness/isolate';
import { CLI, REPO } from '../harness/paths';

export { CLI, REPO };
export const DIST_INDEX = path.join(REPO, 'dist', 'index.js');

/** The built library must be there (the child processes load dist/, as the CLI tests run dist/cli.js). */
export function requireDist(): void {
  if (!fs.existsSync(DIST_INDEX) || !fs.existsSync(CLI)) throw new Error('dist/ is missing: run `npm run build` first');
}

export interface ChildRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** When the last chunk of stdout arrived, and when the process exited (Date.now()). */
  lastOutputAt: number;
  exitedAt: number;
}

/**
 * Run `command args` (in a private network namespace when `netns`: `true`
 * shares the host's TCP hash table, `{ tcpHash: N }` gives it one of its own:
 * test/harness/isolate.js),
 * killing it (by its pid, which this module started) after `timeoutMs`.
 */
export function runChild(
  command: string,
  args: string[],
  options: { netns?: boolean | { tcpHash: number }; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ChildRun> {
  const { netns = true, timeoutMs = 60_000, env = process.env } = options;
  const [file, ...argv] = netns === false ? [command, ...args] : isolated([command, ...args], { net: true, tcpHash: netns === true ? undefined : netns.tcpHash });
  return new Promise((resolve, reject) => {
    // unshare without --fork execs the command (and sh execs the inner unshare): the pid
    // is the command's own.
    const child = spawn(file!, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let lastOutputAt = Date.now();
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      lastOutputAt = Date.now();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) child.kill('SIGKILL');
      stderr += `\n[killed after ${timeoutMs} ms]`;
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (status, signal) => {
      const exitedAt = Date.now();
      clearTimeout(timer);
      // Let the pipes drain before resolving.
      child.on('close', () => resolve({ status, signal, stdout, stderr, lastOutputAt, exitedAt }));
    });
  });
}

/** The last line of a child's stdout as JSON, with the run's details in the message if it is not. */
export function lastJson<T>(run: ChildRun): T {
  const lines = run.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]!) as T;
  } catch {
    throw new Error(`child printed no JSON (status ${String(run.status)}, signal ${String(run.signal)}):\nstdout: ${run.stdout.slice(-2000)}\nstderr: ${run.stderr.slice(-4000)}`);
  }
}

/** A recorded watch event, as scenario.js and churn.js print them. */
export interface Recorded {
  type: 'added' | 'removed' | 'changed';
  kind: 'inet' | 'unix';
  key: string;
  time: number;
  at: number;
  dumps: number;
  state: string;
  inode: number;
  reason?: 'destroyed' | 'gone';
  previous?: { state: number; stateName: string; recvQueue: number; sendQueue?: number };
  localPort?: number;
  remotePort?: number;
  recvQueue?: number;
  cookie?: string;
  path?: string;
}

/**
 * The watch's rules, for a whole event stream: a key is removed only while
 * present (after its `added`), added only while absent, changed only while
 * present. Returns the violations (empty when the stream is consistent).
 */
export function streamViolations(events: readonly Recorded[]): string[] {
  const present = new Set<string>();
  const problems: string[] = [];
  events.forEach((e, i) => {
    const what = `#${i} ${e.type} ${e.key} (${e.state})`;
    if (e.type === 'added') {
      if (present.has(e.key)) problems.push(`${what}: added twice without a removal in between`);
      present.add(e.key);
    } else if (e.type === 'removed') {
      if (!present.has(e.key)) problems.push(`${what}: removed without a prior added`);
      present.delete(e.key);
    } else if (!present.has(e.key)) {
      problems.push(`${what}: changed while not present`);
    }
  });
  return problems;
}
