/**
 * Test support for the namespace, cgroup and destroy-watch suites: a python3
 * process that holds sockets and talks to the test one line at a time
 * (stdout: JSON lines it prints; stdin: lines the test sends). It is started
 * as the real interpreter (not a version manager's shim, which may fork), so
 * its PID is the process that creates the sockets; a prefix command such as
 * `ip netns exec NAME` execs it in place. It exits when its stdin closes, so a
 * test process that dies takes it along.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

let python: string | undefined;

/** The python3 executable itself (`sys.executable`). */
export function realPython(): string {
  if (python === undefined) {
    const found = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
    python = found.status === 0 && found.stdout.trim() !== '' ? found.stdout.trim() : 'python3';
  }
  return python;
}

/** The first of `commands` that is not installed, if any. */
export function missingCommand(...commands: string[]): string | undefined {
  return commands.find((command) => spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0);
}

/** Runs a command, throwing with its stderr if it fails. */
export function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `status ${String(result.status)}`}): ${result.stderr}`);
  }
  return result.stdout;
}

export interface LineProcess {
  pid: number;
  /** The next JSON line the process printed (waits up to `timeoutMs`). */
  next<T = unknown>(timeoutMs?: number): Promise<T>;
  /** Sends one line to the process's stdin. */
  send(line: string): void;
  /** SIGKILL and wait for the exit; idempotent. */
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
export function startProcess(argv: string[]): LineProcess {
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
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
    child.once('exit', () => {
      exited = true;
      wake();
      resolve();
    });
    child.once('error', () => {
      exited = true;
      wake();
      resolve();
    });
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
      if (!exited) {
        try {
          child.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
      child.stdin?.destroy();
      await exit;
    },
  };
}
