/**
 * Test support: the contract suite's socket scenario (test/scenario/contract.py) held in a
 * private network namespace, and a capture, from inside it, of every sock_diag dump and
 * /proc/net table (capture.js). The capture is then replayed through both backends in the
 * test process (`replayBinding` + a /proc tree), so they see the same moment of the same
 * namespace. The scenario's processes stay alive until `stop()`, so the live /proc fd walks
 * can be compared as well.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NativeBinding, NetnsPath, PackedInet, PackedUnix } from '../../src/native';
import { NAMESPACE_NEEDS, startScenario as startHolder } from '../harness/namespaces';
import { unavailable } from '../harness/needs';
import { ADDON_PATH } from '../harness/paths';

export { ADDON_PATH };

/** Why the engine's namespace tests cannot run here (namespaces, the scenario, the engine), or undefined. */
export function namespaceUnavailable(): string | undefined {
  return unavailable({ ...NAMESPACE_NEEDS, addon: true });
}

interface CapturedError {
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
}
type Captured<T> = { ok: true; packed: T } | { ok: false; error: CapturedError };
interface CaptureFile {
  inet: Record<string, Captured<{ fields: number[]; addresses: string[] }>>;
  unix: Captured<{ fields: number[]; names: string }>;
  proc: Record<string, string | null>;
}

/** A packed Internet dump as JSON carries it out of a child process. */
export interface PlainInet {
  fields: number[];
  addresses: string[];
}

export interface Scenario {
  dir: string;
  /** The scenario process and its uid-65534 child. */
  pids: number[];
  capture: CaptureFile;
  /** A /proc-like tree holding the captured `net/*` tables. */
  procRoot: string;
  stop(): void;
}

export type InetRequest = [family: number, protocol: number, states: number, withInfo: boolean];

export async function startScenario(scale: number, requests: InetRequest[], embryo = false): Promise<Scenario> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-contract-'));
  const holder = await startHolder('contract', { dir, scale, embryo }, { isolation: { net: true, loUp: true } });
  const stop = (): void => {
    void holder.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const captureFile = path.join(dir, 'capture.json');
  const captured = holder.run([process.execPath, path.join(__dirname, 'capture.js'), 'packed', ADDON_PATH, captureFile, JSON.stringify(requests)], { timeoutMs: 120_000 });
  if (captured.status !== 0) {
    stop();
    throw new Error(`capture failed (status ${captured.status}): ${captured.stderr}`);
  }
  const capture = JSON.parse(fs.readFileSync(captureFile, 'utf8')) as CaptureFile;
  const pids = holder.ready.pids as number[];
  const procRoot = path.join(dir, 'proc');
  fs.mkdirSync(path.join(procRoot, 'net'), { recursive: true });
  for (const [name, content] of Object.entries(capture.proc)) {
    if (content !== null) fs.writeFileSync(path.join(procRoot, 'net', name), Buffer.from(content, 'base64'));
  }
  return { dir, pids, capture, procRoot, stop };
}

function captureError(error: CapturedError): Error {
  return Object.assign(new Error(error.message), { code: error.code, errno: error.errno, syscall: error.syscall });
}

/**
 * A NativeBinding answering dumps from a capture (owner scans and recording
 * are not replayed). The capture is of the scenario's namespace, taken as the
 * caller's own (`netns` null): a dump of any other namespace is refused
 * rather than answered with it.
 */
export function replayBinding(capture: CaptureFile, live: NativeBinding): NativeBinding {
  const ownNamespace = (netns: NetnsPath): void => {
    if (netns !== null) throw new Error(`replayBinding: the capture holds no dump of network namespace ${netns}`);
  };
  const inet = (...request: InetRequest): PackedInet => {
    const entry = capture.inet[JSON.stringify(request)];
    if (entry === undefined) throw new Error(`request not captured: ${JSON.stringify(request)}`);
    if (!entry.ok) throw captureError(entry.error);
    return { fields: Uint32Array.from(entry.packed.fields), addresses: entry.packed.addresses };
  };
  const unix = (): PackedUnix => {
    if (!capture.unix.ok) throw captureError(capture.unix.error);
    return { fields: Uint32Array.from(capture.unix.packed.fields), names: Buffer.from(capture.unix.packed.names, 'base64') };
  };
  // A stream answers with the captured dump in one batch (a capture's error is thrown when it is opened).
  const streams = new WeakMap<object, { packed: PackedInet; taken: boolean }>();
  const whole = (stream: { handle: unknown }, into: Uint32Array | null) => {
    const entry = streams.get(stream);
    if (entry === undefined) throw new Error('replayBinding: not a stream of this binding');
    const packed = entry.taken ? { fields: new Uint32Array(0), addresses: [] } : entry.packed;
    entry.taken = true;
    const fields = into !== null && into.length >= packed.fields.length ? (into.set(packed.fields), into.subarray(0, packed.fields.length)) : packed.fields;
    return { fields, addresses: packed.addresses, addressBase: 0, done: true };
  };
  return {
    ...live,
    openInetStream: (family, protocol, states, withInfo, _bytecode, netns) => {
      ownNamespace(netns);
      const stream = { handle: {} };
      streams.set(stream, { packed: inet(family, protocol, states, withInfo), taken: false });
      return stream;
    },
    readInetStream: (stream) => whole(stream, null),
    receiveInetStreamAsync: async () => ({ done: true }),
    packInetStream: (stream, into) => ({ ...whole(stream, into), done: false }),
    closeInetStream: () => undefined,
    dumpInet: (family, protocol, states, withInfo, _bytecode, netns) => (ownNamespace(netns), inet(family, protocol, states, withInfo)),
    dumpInetAsync: async (family, protocol, states, withInfo, _bytecode, netns) => (ownNamespace(netns), inet(family, protocol, states, withInfo)),
    dumpUnix: (netns) => (ownNamespace(netns), unix()),
    dumpUnixAsync: async (netns) => (ownNamespace(netns), unix()),
  };
}
