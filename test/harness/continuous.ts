/**
 * Runs a `-c` (continuous) netstat until it has printed what a test waits
 * for, then stops it with SIGINT as a user would. Waiting for the output
 * rather than for a fixed time keeps the tests right on a loaded machine,
 * where start-up alone can take over a second; what is timed is only a lower
 * bound (a pass per second, never faster), which load cannot break.
 */
import { spawn } from 'node:child_process';

export interface ContinuousRun {
  stdout: string;
  stderr: string;
  signal: NodeJS.Signals | null;
  status: number | null;
  /** Milliseconds since the start at which each counted mark appeared. */
  marks: number[];
}

/**
 * Starts `command args…`, counts the occurrences of `mark` in its stdout,
 * and sends SIGINT once `count` have appeared (or after `timeoutMs`).
 */
export function runUntil(command: string, args: string[], mark: string, count: number, timeoutMs = 60_000): Promise<ContinuousRun> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const marks: number[] = [];
    let stdout = '';
    let stderr = '';
    let stopped = false;
    const stop = () => {
      if (!stopped) {
        stopped = true;
        child.kill('SIGINT');
      }
    };
    const timer = setTimeout(stop, timeoutMs);
    child.stdout.setEncoding('latin1');
    child.stderr.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => {
      const before = stdout.split(mark).length - 1;
      stdout += chunk;
      const after = stdout.split(mark).length - 1;
      for (let k = before; k < after; k++) marks.push(Date.now() - start);
      if (after >= count) stop();
    });
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, signal, status, marks });
    });
  });
}
