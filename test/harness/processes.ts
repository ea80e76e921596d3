/**
 * Processes a test talks to one line at a time (stdout: JSON lines they print; stdin: lines
 * the test sends), started in a process group of their own so that stopping one stops
 * whatever it started. Every one is registered: `stopProcesses()` (for `afterAll`) ends what a
 * failing test left behind, and a process-exit hook does the same as a last resort. They also
 * get EOF on stdin when the test process dies.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

let python: string | undefined;

/**
 * The python3 executable itself (`sys.executable`), not a version manager's shim, which may
 * fork: started so, the PID is the process that creates the sockets, and a prefix command such
 * as `ip netns exec NAME` execs it in place.
 */
export function realPython(): string {
  if (python === undefined) {
    const found = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
    python = found.status === 0 && found.stdout.trim() !== '' ? found.stdout.trim() : 'python3';
  }
  return python;
}

// ---------------------------------------------------------------------------
// Cleanup registry

const cleanups = new Set<() => void>();
const exits = new Set<Promise<void>>();
let exitHookInstalled = false;

/** Register a synchronous cleanup (a kill, an `ip netns delete`); returns it, run at most once. */
export function registerCleanup(cleanup: () => void): () => void {
  if (!exitHookInstalled) {
    // Only synchronous work runs at exit.
    process.once('exit', () => {
      for (const pending of [...cleanups]) pending();
    });
    exitHookInstalled = true;
  }
  const once = (): void => {
    if (!cleanups.delete(once)) return;
    cleanup();
  };
  cleanups.add(once);
  return once;
}

/** Run every registered cleanup and wait for the processes to exit. For `afterAll`. */
export async function stopProcesses(): Promise<void> {
  const pending = [...exits];
  for (const cleanup of [...cleanups]) cleanup();
  await Promise.all(pending);
}

// ---------------------------------------------------------------------------
// Line processes

export interface LineProcess {
  pid: number;
  /** The next JSON line the process printed (waits up to `timeoutMs`). */
  next<T = unknown>(timeoutMs?: number): Promise<T>;
  /** Sends one line to the process's stdin. */
  send(line: string): void;
  /** SIGKILL to its process group, and wait for the exit; idempotent. */
  stop(): Promise<void>;
}
export type PythonHolder = LineProcess;

/**
 * Starts `[...prefix, python3, -c, script, ...args]`. The script should
 * print JSON lines (flushed) and read stdin; it gets EOF when the test ends.
 */
export function startPython(prefix: string[], script: string, args: string[] = []): PythonHolder {
  return startProcess([...prefix, realPython(), '-c', script, ...args]);
}

/** Starts `argv`, a process that prints JSON lines and reads lines from stdin. */
export function startProcess(argv: readonly string[]): LineProcess {
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  let exited = false;
  const waiters: Array<() => void> = [];
  const wake = (): void => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    stdout += chunk;
    wake();
  });
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  child.stdin!.on('error', () => {}); // EPIPE once it is gone: its exit tells
  const exit = new Promise<void>((resolve) => {
    const done = (): void => {
      exited = true;
      exits.delete(exit);
      wake();
      resolve();
    };
    child.once('exit', done);
    child.once('error', done);
  });
  exits.add(exit);
  const kill = registerCleanup(() => {
    if (!exited && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    child.stdin?.destroy();
  });
  const what = argv.slice(0, 4).map((a) => (a.length > 40 ? `${a.slice(0, 40)}…` : a)).join(' ');
  return {
    pid: child.pid!,
    async next<T>(timeoutMs = 20_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const newline = stdout.indexOf('\n');
        if (newline >= 0) {
          const line = stdout.slice(0, newline);
          stdout = stdout.slice(newline + 1);
          return JSON.parse(line) as T;
        }
        if (exited) throw new Error(`${what} exited early: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`${what} said nothing for ${timeoutMs} ms: ${stderr}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    send(line: string): void {
      child.stdin!.write(`${line}\n`);
    },
    async stop(): Promise<void> {
      kill();
      await exit;
    },
  };
}
