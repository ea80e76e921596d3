/**
 * Support for the exporter's tests: the built bin, processes that are always
 * killed, bounded waits, and a private network namespace holding known
 * sockets (test/scenario/exporter.py) that other programs join with nsenter.
 */
import { type ChildProcess, type SpawnOptions, type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startScenario } from '../harness/namespaces';
import { unavailable } from '../harness/needs';
import { REPO } from '../harness/paths';

export { REPO };
export const EXPORTER = path.join(REPO, 'dist/exporter/main.js');

/** Why the built exporter cannot run, or undefined. */
export function distMissing(): string | undefined {
  return fs.existsSync(EXPORTER) ? undefined : 'dist/exporter/main.js not built (npm run build)';
}

export function hasCommand(command: string): boolean {
  return unavailable({ commands: [command] }) === undefined;
}

/** Why a private network namespace cannot be made and joined here, or undefined. */
export function namespaceUnavailable(): string | undefined {
  return unavailable({ unshare: ['net'], commands: ['nsenter', 'ip', 'python3', 'ss'] });
}

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** Processes started by a test file; `killAll()` (in afterEach/afterAll) ends every one still running. */
export class Processes {
  private readonly running = new Set<ChildProcess>();
  private readonly stops = new Set<() => Promise<void>>();

  /** Also end `stop`'s process in killAll() (a scenario holder). */
  adopt(stop: () => Promise<void>): void {
    this.stops.add(stop);
  }

  /** Spawn in a process group of its own, so the whole group can be killed. */
  spawn(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options, detached: true });
    this.running.add(child);
    child.on('exit', () => this.running.delete(child));
    return child;
  }

  killAll(): void {
    for (const child of this.running) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    this.running.clear();
    for (const stop of this.stops) void stop();
    this.stops.clear();
  }
}

/** The text a child writes to a stream, as it arrives. */
export function capture(stream: NodeJS.ReadableStream | null | undefined): { text: () => string } {
  let text = '';
  stream?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { text: () => text };
}

/** The child's exit status (or signal name), waiting at most `ms`. */
export function exitOf(child: ChildProcess, ms: number): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pid ${child.pid} did not exit within ${ms} ms`)), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal ?? 'unknown');
    });
  });
}

/** Poll `probe` until it returns a value other than undefined, at most `ms`. */
export async function waitFor<T>(what: string, ms: number, probe: () => T | undefined | Promise<T | undefined>, every = 100): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

export interface StartedExporter {
  child: ChildProcess;
  port: number;
  url: string;
  stderr: () => string;
}

/** Start the built exporter with `args` (listening on a given or ephemeral port) and wait until it says where it listens. */
export async function startExporter(processes: Processes, args: readonly string[], options: { prefix?: readonly string[]; env?: NodeJS.ProcessEnv } = {}): Promise<StartedExporter> {
  const [command, ...rest] = [...(options.prefix ?? []), process.execPath, EXPORTER, ...args];
  const child = processes.spawn(command as string, rest, { env: options.env ?? process.env });
  const stderr = capture(child.stderr);
  const port = await waitFor('the exporter to listen', 20_000, () => {
    if (child.exitCode !== null) throw new Error(`exporter exited with ${child.exitCode}: ${stderr.text()}`);
    const m = /listening on http:\/\/[^ ]+:(\d+)\/metrics/.exec(stderr.text());
    return m === null ? undefined : Number(m[1]);
  }, 25);
  return { child, port, url: `http://127.0.0.1:${port}`, stderr: stderr.text };
}

export interface Namespace {
  /** The holder's pid: `nsenter --net=/proc/PID/ns/net` joins its namespace. */
  pid: number;
  dir: string;
  /** The command prefix that runs a program in the namespace. */
  enter: string[];
  /** Run a command in the namespace and return its stdout (throws on failure). */
  run(command: string, args: readonly string[], timeoutMs?: number): string;
  /** Run a command in the namespace, whatever its exit status. */
  runRaw(command: string, args: readonly string[], timeoutMs?: number): SpawnSyncReturns<string>;
  /** One HTTP request from inside the namespace (python3's http.client, a connection of its own). */
  http(port: number, urlPath: string, options?: { method?: string; headers?: Record<string, string> }): HttpReply;
}

export interface HttpReply {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
}

const HTTP_CLIENT = String.raw`
import http.client, json, sys
c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]), timeout=90)
c.request(sys.argv[2], sys.argv[3], headers=json.loads(sys.argv[4]))
r = c.getresponse()
body = r.read().decode('utf-8')
print(json.dumps({'status': r.status, 'headers': {k.lower(): v for k, v in r.getheaders()}, 'body': body}))
`;

/**
 * A private network namespace (lo up) held by test/scenario/exporter.py with `established`
 * loopback TCP connections and `listeners` TCP listeners (see there).
 */
export async function startNamespace(processes: Processes, established: number, listeners: number): Promise<Namespace> {
  const dir = tempDir('netstat-exporter-ns-');
  const holder = await startScenario('exporter', { established, listeners }, { isolation: { net: true, loUp: true } });
  processes.adopt(holder.stop);
  const pid = holder.pid;
  const enter = ['nsenter', `--net=/proc/${pid}/ns/net`];
  const runRaw = (command: string, args: readonly string[], timeoutMs = 30_000): SpawnSyncReturns<string> =>
    spawnSync(enter[0] as string, [...enter.slice(1), command, ...args], { encoding: 'utf8', timeout: timeoutMs });
  const run = (command: string, args: readonly string[], timeoutMs = 30_000): string => {
    const r = runRaw(command, args, timeoutMs);
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} in the namespace failed (${r.status ?? r.signal}): ${r.stderr}`);
    return r.stdout;
  };
  const http = (port: number, urlPath: string, options: { method?: string; headers?: Record<string, string> } = {}): HttpReply => httpVia(enter, port, urlPath, options);
  return { pid, dir, enter, run, runRaw, http };
}

/** One HTTP request to 127.0.0.1:PORT made by python3 run through `enter` (e.g. `nsenter --net=…`), on a connection of its own. */
export function httpVia(enter: readonly string[], port: number, urlPath: string, options: { method?: string; headers?: Record<string, string> } = {}): HttpReply {
  const r = spawnSync(enter[0] as string, [...enter.slice(1), 'python3', '-c', HTTP_CLIENT, String(port), options.method ?? 'GET', urlPath, JSON.stringify(options.headers ?? {})], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`HTTP client via ${enter.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout) as HttpReply;
}

/** `name{labels} value` lines of an exposition, as a map from `name{labels}` to value (comments left out). */
export function samples(exposition: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}
