/**
 * Namespaces that outlive one command: named ones (`ip netns add`), and processes holding a
 * socket scenario of test/scenario/ (main.py) in new namespaces or in existing ones, which
 * other programs then join (`nsenter`).
 *
 * Everything created here is registered (processes.ts), so `cleanupNamespaces()` (for
 * `afterAll`) removes what a failing test left behind; a process-exit hook does the same as a
 * last resort. A scenario also ends by itself when its stdin closes, i.e. when the test
 * process dies.
 */
import * as fs from 'node:fs';
import { AS_NOBODY, type Isolation, isolated } from './isolate';
import { type Run, type RunOptions, runCommand, runOrThrow } from './commands';
import { type Needs, unavailable } from './needs';
import { SCENARIO } from './paths';
import { realPython, registerCleanup, startProcess, stopProcesses } from './processes';

/** Where `ip netns` binds named namespaces. */
export const NETNS_DIR = '/run/netns';

/** What the namespaces and holders here need. */
export const NAMESPACE_NEEDS: Needs = { unshare: ['net'], commands: ['nsenter', 'ip', 'python3'] };

/** Why namespaces cannot be made and held here, or undefined when they can. */
export function namespaceUnavailable(): string | undefined {
  return unavailable(NAMESPACE_NEEDS);
}

/** Remove every namespace and stop every process the harness created and that is still there. For `afterAll`. */
export const cleanupNamespaces = stopProcesses;

/** A unique namespace name for this test process: `prefix-PID-N`, so parallel test files do not collide. */
let counter = 0;
export function uniqueName(prefix = 'nstest'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

/** The namespace inode of `/proc/PID/ns/net`. */
function netnsInodeOfPid(pid: number): number {
  const text = fs.readlinkSync(`/proc/${pid}/ns/net`);
  const match = /^net:\[(\d+)\]$/.exec(text);
  if (match === null) throw new Error(`unexpected namespace link text ${JSON.stringify(text)}`);
  return Number(match[1]);
}

// ---------------------------------------------------------------------------
// Named namespaces

export interface NamedNamespace {
  name: string;
  inode: number;
  /** `ip netns delete`; idempotent. */
  remove(): void;
}

function named(name: string): NamedNamespace {
  const remove = registerCleanup(() => {
    runCommand(['ip', 'netns', 'delete', name]);
  });
  try {
    return { name, inode: fs.statSync(`${NETNS_DIR}/${name}`).ino, remove };
  } catch (err) {
    remove();
    throw err;
  }
}

/** `ip netns add NAME` with its loopback up. */
export function createNamedNamespace(name: string = uniqueName()): NamedNamespace {
  runOrThrow(['ip', 'netns', 'add', name]);
  const namespace = named(name);
  try {
    runOrThrow(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    return namespace;
  } catch (err) {
    namespace.remove();
    throw err;
  }
}

/** `ip netns attach NAME PID`: give the namespace of a process a (further) name. */
export function attachNamespaceName(name: string, pid: number): NamedNamespace {
  runOrThrow(['ip', 'netns', 'attach', name, String(pid)]);
  return named(name);
}

// ---------------------------------------------------------------------------
// Scenario holders

/** Where a scenario runs: new namespaces, a named namespace, or the network namespace of a process. */
export type Place = { isolation: Isolation } | { netns: string } | { pidOf: number };

export interface Holder {
  /** The process holding the scenario (python3 itself), as this machine's PID namespace numbers it. */
  pid: number;
  /** What the scenario said when it was ready. */
  ready: Record<string, unknown>;
  /** `argv` joining the holder's namespaces (default: its network namespace). */
  enter(argv: readonly string[], namespaces?: ReadonlyArray<'net' | 'pid' | 'mount'>): string[];
  /** `argv` run to its end in the holder's network namespace (other namespaces: `namespaces`); `user` applies inside. */
  run(argv: readonly string[], options?: RunOptions & { namespaces?: ReadonlyArray<'net' | 'pid' | 'mount'> }): Run;
  /** Kill it (its whole process group) and wait for it to exit; idempotent. */
  stop(): Promise<void>;
}

function placed(argv: string[], where: Place, user?: 'nobody'): string[] {
  const drop = user === 'nobody' ? [...AS_NOBODY] : [];
  if ('isolation' in where) return isolated([...drop, ...argv], where.isolation);
  if ('netns' in where) return ['ip', 'netns', 'exec', where.netns, ...drop, ...argv];
  return ['nsenter', `--net=/proc/${where.pidOf}/ns/net`, ...drop, ...argv];
}

/**
 * `python3 test/scenario/main.py NAME ARGS` started at `where` (as uid 65534 with `user:
 * 'nobody'`); resolves once it is ready.
 */
export async function startScenario(name: string, args: Record<string, unknown>, where: Place, options: { user?: 'nobody' } = {}): Promise<Holder> {
  const child = startProcess(placed([realPython(), SCENARIO, name, JSON.stringify(args)], where, options.user));
  let ready: Record<string, unknown>;
  try {
    ready = (await child.next<{ ready: Record<string, unknown> }>(120_000)).ready;
  } catch (err) {
    await child.stop();
    throw new Error(`scenario ${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
  // Under a PID namespace of its own, unshare forks: the holder is unshare's child.
  const pid = 'isolation' in where && where.isolation.pid ? childOf(child.pid) : child.pid;
  const enter = (argv: readonly string[], namespaces: ReadonlyArray<'net' | 'pid' | 'mount'> = ['net']): string[] => [
    'nsenter',
    '-t',
    String(pid),
    ...namespaces.map((kind) => ({ net: '-n', pid: '-p', mount: '-m' })[kind]),
    ...argv,
  ];
  return {
    pid,
    ready,
    enter,
    run: (argv, runOptions = {}) =>
      runCommand(enter(runOptions.user === 'nobody' ? [...AS_NOBODY, ...argv] : argv, runOptions.namespaces), { ...runOptions, user: 'root' }),
    stop: () => child.stop(),
  };
}

/** The one child of process `pid` (unshare --fork's). */
function childOf(pid: number): number {
  return Number(fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0]);
}

// ---------------------------------------------------------------------------
// Sockets described by the test (test/scenario/spec.py)

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
  pid: number;
  sockets: HeldSockets;
  stop(): Promise<void>;
}

export interface UnnamedNamespace extends SocketHolder {
  /** The namespace's inode; it exists as long as the process does. */
  inode: number;
}

/**
 * A process in a new unnamed network namespace (`unshare -n`), loopback up,
 * holding `spec`'s sockets (by default one listener on an ephemeral port).
 * The namespace goes away when the process is stopped.
 */
export async function startUnnamedNamespace(spec: SocketSpec = { listen: [0] }): Promise<UnnamedNamespace> {
  const holder = await startScenario('spec', { ...spec }, { isolation: { net: true, loUp: true } });
  try {
    return { pid: holder.pid, sockets: holder.ready as unknown as HeldSockets, stop: holder.stop, inode: netnsInodeOfPid(holder.pid) };
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
  options: { user?: 'nobody' } = {},
): Promise<SocketHolder> {
  const where = typeof target === 'object' ? ('name' in target ? target.name : target.pid) : target;
  const holder = await startScenario('spec', { ...spec }, typeof where === 'string' ? { netns: where } : { pidOf: where }, options);
  return { pid: holder.pid, sockets: holder.ready as unknown as HeldSockets, stop: holder.stop };
}
