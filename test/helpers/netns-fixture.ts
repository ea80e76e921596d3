/**
 * Test support: real network namespaces, named (`ip netns add`) and unnamed
 * (owned by an `unshare -n` process), and processes holding sockets inside
 * them.
 *
 * Everything created here is registered, so `cleanupNamespaces()` (for
 * `afterAll`) removes what a failing test left behind; a process-exit hook
 * does the same as a last resort. Socket holders also exit by themselves when
 * their stdin closes, i.e. when the test process dies.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

/** Where `ip netns` binds named namespaces. */
export const NETNS_DIR = '/run/netns';

let unavailableReason: string | undefined | null = null;

/** Why real namespaces cannot be made here, or undefined if they can. Checked once. */
export function namespaceUnavailable(): string | undefined {
  if (unavailableReason !== null) return unavailableReason;
  unavailableReason = check();
  return unavailableReason;
}

function check(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (unshare -n and ip netns add need it)';
  for (const command of ['unshare', 'nsenter', 'ip', 'python3']) {
    if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) return `${command} not installed`;
  }
  if (spawnSync('unshare', ['-n', 'true']).status !== 0) return 'unshare -n refused (no CAP_SYS_ADMIN?)';
  return undefined;
}

/** The interpreter itself, not a version manager's shim: faster to start, and its PID is the program's. */
let python: string | undefined;
function pythonPath(): string {
  if (python === undefined) {
    const found = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
    python = found.status === 0 && found.stdout.trim() !== '' ? found.stdout.trim() : 'python3';
  }
  return python;
}

// ---------------------------------------------------------------------------
// Cleanup registry

const cleanups = new Set<() => void>();
let exitHookInstalled = false;

function register(cleanup: () => void): () => void {
  if (!exitHookInstalled) {
    // Only synchronous work runs at exit: kills and `ip netns delete` are.
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

/** Remove every namespace and stop every process this module created and that is still there. For `afterAll`. */
export async function cleanupNamespaces(): Promise<void> {
  const exits = [...holders].map((holder) => holder.exited);
  for (const pending of [...cleanups]) pending();
  await Promise.all(exits);
}

/** A unique namespace name for this test process: `prefix-PID-N`, so parallel test files do not collide. */
let counter = 0;
export function uniqueName(prefix = 'nstest'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

/** The namespace inode of `/proc/PID/ns/net`. */
export function netnsInodeOfPid(pid: number): number {
  const text = fs.readlinkSync(`/proc/${pid}/ns/net`);
  const match = /^net:\[(\d+)\]$/.exec(text);
  if (match === null) throw new Error(`unexpected namespace link text ${JSON.stringify(text)}`);
  return Number(match[1]);
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `status ${String(result.status)}`}): ${result.stderr}`);
  }
}

// ---------------------------------------------------------------------------
// Named namespaces

export interface NamedNamespace {
  name: string;
  inode: number;
  /** `ip netns delete`; idempotent. */
  remove(): void;
}

/** `ip netns add NAME` with its loopback up. */
export function createNamedNamespace(name: string = uniqueName()): NamedNamespace {
  run('ip', ['netns', 'add', name]);
  const remove = register(() => {
    spawnSync('ip', ['netns', 'delete', name]);
  });
  try {
    run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    return { name, inode: fs.statSync(`${NETNS_DIR}/${name}`).ino, remove };
  } catch (err) {
    remove();
    throw err;
  }
}

/** `ip netns attach NAME PID`: give the namespace of a process a (further) name. */
export function attachNamespaceName(name: string, pid: number): NamedNamespace {
  run('ip', ['netns', 'attach', name, String(pid)]);
  const remove = register(() => {
    spawnSync('ip', ['netns', 'delete', name]);
  });
  return { name, inode: fs.statSync(`${NETNS_DIR}/${name}`).ino, remove };
}

// ---------------------------------------------------------------------------
// Processes holding sockets

export interface SocketSpec {
  /** TCP ports to listen on, on 127.0.0.1. */
  listen?: number[];
  /** Established loopback TCP connections, made to the first listener (to an extra one on an ephemeral port if `listen` is empty). */
  connections?: number;
  /** A UDP socket bound to 127.0.0.1 on this port (0: any). */
  udp?: number;
  /** TCP ports to listen on, on ::1 (0: any). */
  listen6?: number[];
  /**
   * UNIX stream listeners, each with one connection to it (client and accepted
   * sides held): `@NAME` binds in the abstract namespace (per network
   * namespace), anything else is a file-system path (removed when the holder exits normally).
   */
  unix?: string[];
}

export interface HolderOptions {
  /** Run the holder as uid/gid 65534 (`setpriv`, exec'd in place: its PID is still python's). */
  user?: 'nobody';
}

/** What the holder actually bound (ephemeral ports resolved). */
export interface HeldSockets {
  /** Every TCP listener, the extra one for connections included. */
  listening: number[];
  /** [client port, server-side port] of each connection (the server side's local port is the listener's). */
  connections: Array<[client: number, server: number]>;
  udp: number | null;
  /** The IPv6 listeners' ports, in the order of `listen6`. */
  listening6: number[];
  /** The UNIX listeners' names, as given. */
  unix: string[];
}

export interface SocketHolder {
  /** The holding process (python3 itself: `ip netns exec`, `nsenter` and `unshare` exec it in place). */
  pid: number;
  sockets: HeldSockets;
  /** Kill it (its whole process group) and wait for it to exit; idempotent. */
  stop(): Promise<void>;
}

export interface UnnamedNamespace extends SocketHolder {
  /** The namespace's inode; it exists as long as the process does. */
  inode: number;
}

/**
 * Sets up the sockets, prints `ready {json}`, and holds them until stdin
 * closes (the test stops it, or the test process dies).
 */
const HOLDER = String.raw`
import json, os, socket, subprocess, sys
spec = json.loads(sys.argv[1])
if spec.get('loUp'):
    subprocess.run(['ip', 'link', 'set', 'lo', 'up'], check=True)
held, listening, connections, udp = [], [], [], None
def listener(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', port))
    s.listen(64)
    held.append(s)
    listening.append(s.getsockname()[1])
    return s
servers = [listener(port) for port in spec.get('listen', [])]
count = spec.get('connections', 0)
if count and not servers:
    servers.append(listener(0))
for _ in range(count):
    client = socket.create_connection(servers[0].getsockname())
    accepted, _ = servers[0].accept()
    held += [client, accepted]
    connections.append([client.getsockname()[1], accepted.getsockname()[1]])
if spec.get('udp') is not None:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(('127.0.0.1', spec['udp']))
    held.append(u)
    udp = u.getsockname()[1]
listening6 = []
for port in spec.get('listen6', []):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('::1', port))
    s.listen(64)
    held.append(s)
    listening6.append(s.getsockname()[1])
files = []
for name in spec.get('unix', []):
    address = '\0' + name[1:] if name.startswith('@') else name
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(address)
    s.listen(8)
    if not name.startswith('@'):
        files.append(name)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(address)
    accepted, _ = s.accept()
    held += [s, client, accepted]
print('ready ' + json.dumps({'listening': listening, 'connections': connections, 'udp': udp,
                             'listening6': listening6, 'unix': spec.get('unix', [])}), flush=True)
sys.stdin.read()
for name in files:
    try:
        os.unlink(name)
    except OSError:
        pass
`;

const holders = new Set<{ exited: Promise<void> }>();

/** Start `command args… python3 -c HOLDER spec` in its own process group and wait for `ready`. */
async function startHolder(command: string, args: string[], spec: SocketSpec & { loUp?: boolean }): Promise<SocketHolder> {
  const child: ChildProcess = spawn(command, [...args, pythonPath(), '-c', HOLDER, JSON.stringify(spec)], {
    detached: true, // its own process group, so stop() reaches anything it starts
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  let hasExited = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      hasExited = true;
      resolve();
    });
    child.once('error', () => {
      hasExited = true;
      resolve();
    });
  });
  const entry = { exited };
  holders.add(entry);
  const kill = register(() => {
    if (!hasExited && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    child.stdin?.destroy();
    holders.delete(entry);
  });
  const stop = async (): Promise<void> => {
    kill();
    await exited;
  };

  const ready = await new Promise<HeldSockets | Error>((resolve) => {
    const timer = setTimeout(() => resolve(new Error('timed out waiting for "ready"')), 20_000);
    child.stdout!.on('data', (chunk: string) => {
      stdout += chunk;
      const line = /^ready (.*)$/m.exec(stdout);
      if (line !== null) {
        clearTimeout(timer);
        resolve(JSON.parse(line[1]!) as HeldSockets);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      resolve(new Error('exited before "ready"'));
    });
  });
  if (ready instanceof Error) {
    await stop();
    throw new Error(`socket holder (${command} ${args.join(' ')}): ${ready.message}: ${stderr}`);
  }
  return { pid: child.pid!, sockets: ready, stop };
}

/**
 * A process in a new unnamed network namespace (`unshare -n`), loopback up,
 * holding `spec`'s sockets (by default one listener on an ephemeral port).
 * The namespace goes away when the process is stopped.
 */
export async function startUnnamedNamespace(spec: SocketSpec = { listen: [0] }): Promise<UnnamedNamespace> {
  const holder = await startHolder('unshare', ['-n'], { ...spec, loUp: true });
  try {
    return { ...holder, inode: netnsInodeOfPid(holder.pid) };
  } catch (err) {
    await holder.stop();
    throw err;
  }
}

/**
 * A process holding `spec`'s sockets inside a namespace: a named one (a name,
 * or a NamedNamespace) through `ip netns exec`, or the namespace of a process
 * (a PID, or an UnnamedNamespace) through `nsenter`; as root unless `options.user` says otherwise.
 */
export async function holdSockets(
  target: string | number | { name: string } | { pid: number },
  spec: SocketSpec,
  options: HolderOptions = {},
): Promise<SocketHolder> {
  const where = typeof target === 'object' ? ('name' in target ? target.name : target.pid) : target;
  const drop = options.user === 'nobody' ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  if (typeof where === 'string') return startHolder('ip', ['netns', 'exec', where, ...drop], spec);
  return startHolder('nsenter', [`--net=/proc/${where}/ns/net`, ...drop], spec);
}
