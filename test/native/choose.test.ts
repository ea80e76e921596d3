/**
 * chooseSources(): which backend serves each table and the recorded reason,
 * for every policy input (NETSTAT_BACKEND, NETSTAT_REQUIRE_NATIVE,
 * NETSTAT_PROC_ROOT, loader outcome, netlink refusals). Uses a fake binding,
 * so it runs anywhere; the data itself is checked by the contract suite.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AbortHandle } from '../../src/abort';
import { chooseSources } from '../../src/backends/choose';
import type { ChosenOwners } from '../../src/native';
import type { InetQuery } from '../../src/backends/types';
import { NetstatError } from '../../src/errors';
import { COMPACT_STRIDE, INET_STRIDE, NATIVE_LAYOUT_VERSION, type NativeBinding, type NativeLoadOutcome, UNIX_STRIDE } from '../../src/native';

const FIXTURE_PROC = path.join(__dirname, '../../fixtures/netlink/proc');
const TCP: InetQuery = { protocol: 'tcp', family: 'inet', filter: { selection: 'all' }, timers: false };
const notBuilt: NativeLoadOutcome = { reason: 'not-built', message: 'Could not locate the bindings file.' };

function systemError(code: string, errno: number): Error {
  return Object.assign(new Error(`the kernel refused the dump: ${code}`), { code, errno, syscall: 'sock_diag' });
}

/**
 * A binding whose dumps return nothing, or throw `errors[protocol]`; the
 * dump of both families fails as either family's would, or with `bothError`.
 * `calls` counts the dumps of both families.
 */
function fakeBinding(errors: Record<number, Error> = {}, unixError?: Error, bothError?: Error, calls = { both: 0 }): NativeBinding {
  const inet = (_family: number, protocol: number) => {
    const error = errors[protocol];
    if (error !== undefined) throw error;
    return { fields: new Uint32Array(0), addresses: [] };
  };
  const unix = () => {
    if (unixError !== undefined) throw unixError;
    return { fields: new Uint32Array(0), names: Buffer.alloc(0) };
  };
  const owners = () => ({
    inodes: new Float64Array(0),
    pids: new Int32Array(0),
    programOffsets: new Uint32Array(0),
    programLengths: new Uint32Array(0),
    programs: Buffer.alloc(0),
    denied: 0,
    vanished: 0,
    procUnreadable: false,
  });
  return {
    layoutVersion: NATIVE_LAYOUT_VERSION,
    inetStride: INET_STRIDE,
    unixStride: UNIX_STRIDE,
    compactStride: COMPACT_STRIDE,
    dumpInet: inet,
    dumpInetCompact: (_family, protocol) => ({ fields: inet(_family, protocol).fields }),
    dumpInetCompactAsync: async (_family, protocol) => ({ fields: inet(_family, protocol).fields }),
    dumpInetAsync: async (family, protocol) => inet(family, protocol),
    dumpInetBoth: (protocol) => {
      calls.both++;
      if (bothError !== undefined) throw bothError;
      return { inet: inet(2, protocol), inet6: inet(10, protocol) };
    },
    dumpInetBothAsync: async (protocol) => {
      calls.both++;
      if (bothError !== undefined) throw bothError;
      return { inet: inet(2, protocol), inet6: inet(10, protocol) };
    },
    dumpUnix: unix,
    dumpUnixAsync: async () => unix(),
    scanOwners: owners,
    scanOwnersAsync: async () => owners(),
    recordInet: () => Buffer.alloc(0),
    recordUnix: () => Buffer.alloc(0),
    decodeInet: () => ({ fields: new Uint32Array(0), addresses: [] }),
    decodeUnix: () => ({ fields: new Uint32Array(0), names: Buffer.alloc(0) }),
    dumpRoute: () => Buffer.alloc(0),
    readInterfaces: () => ({ names: [], fields: new Uint32Array(0), configured: [] }),
    watchDestroyed: () => ({ close: () => undefined }),
    readProcIn: () => Buffer.alloc(0),
    // A stream fails where the dump would (when it is opened); else it is one empty batch.
    openInetStream: (family, protocol) => {
      inet(family, protocol);
      return { handle: {} };
    },
    readInetStream: () => ({ fields: new Uint32Array(0), addresses: [], addressBase: 0, done: true }),
    receiveInetStreamAsync: async () => ({ done: true }),
    packInetStream: () => ({ fields: new Uint32Array(0), addresses: [], addressBase: 0, done: false }),
    closeInetStream: () => undefined,
  };
}

describe('chooseSources()', () => {
  it('uses netlink for every table (and the native fd walk for owners) when the addon loads, and says so', () => {
    const sources = chooseSources({ env: {}, procRoot: '/proc', native: { binding: fakeBinding() } });
    expect(sources.inet('tcp', 'inet').inet(TCP).rows).toEqual([]);
    sources.unix().unix({ filter: { selection: 'all' } });
    sources.owners.scan({});
    expect(sources.owners.name).toBe('native');
    expect(sources.choices()).toEqual([
      { table: 'tcp/inet', backend: 'netlink', reason: 'native engine loaded' },
      { table: 'unix', backend: 'netlink', reason: 'native engine loaded' },
      // This fake engine predates the BPF walk (no scanOwnersBpf): /proc, and it says so.
      { table: 'owners', backend: 'native', reason: 'native engine loaded; fd walk: proc (this native engine has no BPF walk)', walk: 'proc' },
    ]);
  });

  it('falls back to /proc with the loader reason when the addon is absent', () => {
    const sources = chooseSources({ env: {}, procRoot: '/proc', native: notBuilt });
    expect(sources.inet('tcp', 'inet').name).toBe('procfs');
    sources.inet('tcp', 'inet').inet(TCP);
    expect(sources.choices()).toEqual([
      { table: 'tcp/inet', backend: 'procfs', reason: 'native engine not-built: Could not locate the bindings file.' },
    ]);
  });

  it('NETSTAT_REQUIRE_NATIVE=1 and a forced netlink make a missing addon an error', () => {
    const required = () => chooseSources({ env: { NETSTAT_REQUIRE_NATIVE: '1' }, procRoot: '/proc', native: notBuilt });
    expect(required).toThrow(NetstatError);
    expect(required).toThrow(expect.objectContaining({ code: 'ERR_NATIVE_UNAVAILABLE', message: expect.stringContaining('not-built') }));
    const forced = () => chooseSources({ env: { NETSTAT_BACKEND: 'netlink' }, native: { reason: 'failed-to-load', message: 'invalid ELF header' } });
    expect(forced).toThrow(expect.objectContaining({ code: 'ERR_NATIVE_UNAVAILABLE', message: expect.stringContaining('invalid ELF header') }));
  });

  it('NETSTAT_BACKEND=procfs and a fixture NETSTAT_PROC_ROOT choose /proc without loading anything', () => {
    const forced = chooseSources({ env: { NETSTAT_BACKEND: 'procfs', NETSTAT_REQUIRE_NATIVE: '1' }, native: notBuilt });
    forced.inet('tcp', 'inet').inet(TCP);
    expect(forced.choices()[0]).toMatchObject({ backend: 'procfs', reason: 'forced by NETSTAT_BACKEND=procfs' });
    const fixture = chooseSources({ env: { NETSTAT_PROC_ROOT: FIXTURE_PROC }, native: { binding: fakeBinding() } });
    expect(fixture.inet('tcp', 'inet').inet(TCP).rows.length).toBeGreaterThan(0); // read from the fixture tree
    expect(fixture.choices()[0]).toMatchObject({ backend: 'procfs', reason: expect.stringContaining('is not the live /proc') });
  });

  it('rejects an unknown NETSTAT_BACKEND', () => {
    expect(() => chooseSources({ env: { NETSTAT_BACKEND: 'ebpf' } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_BACKEND' }));
  });

  it('sends only the refused table to /proc (ENOENT: no diag module; EPERM: netlink refused)', async () => {
    const binding = fakeBinding({ 255: systemError('ENOENT', 2), 136: systemError('EPERM', 1) });
    const sources = chooseSources({ env: {}, procRoot: '/proc', native: { binding } });
    sources.inet('tcp', 'inet').inet(TCP);
    const raw = sources.inet('raw', 'inet');
    raw.inet({ ...TCP, protocol: 'raw' });
    await sources.inet('udplite', 'inet6').inetAsync({ ...TCP, protocol: 'udplite', family: 'inet6' });
    expect(raw.name).toBe('procfs');
    expect(sources.choices()).toEqual([
      { table: 'tcp/inet', backend: 'netlink', reason: 'native engine loaded' },
      { table: 'raw/inet', backend: 'procfs', code: 'ENOENT', reason: expect.stringContaining('cannot dump this protocol') },
      { table: 'udplite/inet6', backend: 'procfs', code: 'EPERM', reason: expect.stringContaining('netlink refused') },
    ]);
  });

  it('a forced netlink raises refusals (EPERM) but still sends tables the kernel cannot dump (ENOENT) to /proc', () => {
    const binding = fakeBinding({ 6: systemError('EPERM', 1), 255: systemError('ENOENT', 2) });
    const sources = chooseSources({ env: { NETSTAT_BACKEND: 'netlink' }, native: { binding } });
    expect(() => sources.inet('tcp', 'inet').inet(TCP)).toThrow(expect.objectContaining({ code: 'EPERM', syscall: 'sock_diag' }));
    const raw = sources.inet('raw', 'inet');
    expect(Array.isArray(raw.inet({ ...TCP, protocol: 'raw' }).rows)).toBe(true);
    expect(sources.choices()).toEqual([{ table: 'raw/inet', backend: 'procfs', code: 'ENOENT', reason: expect.stringContaining('cannot dump this protocol') }]);
  });

  it('other errors are raised, not hidden by a fallback', () => {
    const binding = fakeBinding({ 6: systemError('ENOBUFS', 105) });
    const sources = chooseSources({ env: {}, procRoot: '/proc', native: { binding } });
    expect(() => sources.inet('tcp', 'inet').inet(TCP)).toThrow(expect.objectContaining({ code: 'ENOBUFS', name: 'NetstatError' }));
  });

  describe('both families of TCP from one dump (inetBoth)', () => {
    const BOTH = { protocol: 'tcp' as const, filter: { selection: 'all' as const }, timers: false };

    it('reads both tables and records each as served by netlink; other protocols and /proc sources have none', async () => {
      const sources = chooseSources({ env: {}, procRoot: '/proc', native: { binding: fakeBinding() } });
      const packed = sources.inetBoth!(BOTH, true);
      expect(packed?.inet.packed?.kept).toBe(0);
      expect(packed?.inet6.packed?.dump.fields).toBeInstanceOf(Uint32Array);
      expect((await sources.inetBothAsync!(BOTH))?.inet6.rows).toEqual([]);
      expect(sources.inetBoth!({ ...BOTH, protocol: 'udp' }, false)).toBeUndefined();
      expect(sources.choices()).toEqual([
        { table: 'tcp/inet', backend: 'netlink', reason: 'native engine loaded' },
        { table: 'tcp/inet6', backend: 'netlink', reason: 'native engine loaded' },
      ]);
      const procfs = chooseSources({ env: { NETSTAT_BACKEND: 'procfs' }, native: notBuilt });
      expect(procfs.inetBoth).toBeUndefined();
    });

    it('a failed combined dump is left to the per-table reads, which decide and record the fallback', async () => {
      const calls = { both: 0 };
      const sources = chooseSources({ env: {}, procRoot: '/proc', native: { binding: fakeBinding({ 6: systemError('EPERM', 1) }, undefined, undefined, calls) } });
      expect(sources.inetBoth!(BOTH, true)).toBeUndefined();
      expect(sources.choices()).toEqual([]); // nothing decided by the combined dump
      sources.inet('tcp', 'inet').inet(TCP);
      expect(sources.choices()).toEqual([{ table: 'tcp/inet', backend: 'procfs', code: 'EPERM', reason: expect.stringContaining('netlink refused') }]);
      // A table on /proc is read there: no combined dump is tried any more.
      expect(sources.inetBoth!(BOTH, true)).toBeUndefined();
      expect(await sources.inetBothAsync!(BOTH)).toBeUndefined();
      expect(calls.both).toBe(1);
      // A kernel without the request (no compat handler): the tables are still read one by one, over netlink.
      const oldCalls = { both: 0 };
      const old = chooseSources({ env: {}, procRoot: '/proc', native: { binding: fakeBinding({}, undefined, systemError('EOPNOTSUPP', 95), oldCalls) } });
      expect(old.inetBoth!(BOTH, false)).toBeUndefined();
      await old.inet('tcp', 'inet6').inetAsync({ ...TCP, family: 'inet6' });
      expect(old.choices()).toEqual([{ table: 'tcp/inet6', backend: 'netlink', reason: 'native engine loaded' }]);
      // Off the main thread both families are two streams, not the combined request.
      expect(await old.inetBothAsync!(BOTH)).toMatchObject({ inet: { rows: [] }, inet6: { rows: [] } });
      expect(oldCalls.both).toBe(1);
    });

    it('an aborted combined dump is thrown, not retried', async () => {
      const controller = new AbortController();
      controller.abort();
      const abort = new AbortHandle(controller.signal);
      const sources = chooseSources({ env: {}, procRoot: '/proc', native: { binding: fakeBinding() } });
      expect(() => sources.inetBoth!({ ...BOTH, abort }, false)).toThrow(expect.objectContaining({ code: 'ABORT_ERR' }));
      const cancelled = fakeBinding({ 6: systemError('ECANCELED', 125) });
      const live = chooseSources({ env: {}, procRoot: '/proc', native: { binding: cancelled } });
      await expect(live.inetBothAsync!({ ...BOTH, abort: new AbortHandle(new AbortController().signal) })).rejects.toMatchObject({ code: 'ABORT_ERR' });
    });
  });

  describe('the fd walk: BPF iterator or /proc (NETSTAT_OWNER_WALK)', () => {
    const chosen = (method: 'bpf' | 'proc', methodReason: string, methodCode?: string): ChosenOwners => ({
      inodes: new Float64Array([7001]),
      pids: new Int32Array([42]),
      programOffsets: new Uint32Array([0]),
      programLengths: new Uint32Array([4]),
      programs: Buffer.from('sshd'),
      denied: 0,
      vanished: 0,
      procUnreadable: false,
      method,
      methodReason,
      ...(methodCode === undefined ? {} : { methodCode }),
    });
    /** A binding with the BPF walk: `answer` gives its result (or throws); `calls` records each call's `forced`. */
    const withBpf = (answer: () => ChosenOwners, calls: boolean[] = []): NativeBinding => ({
      ...fakeBinding(),
      scanOwnersBpf: (_root, _wanted, _threads, _pids, _cancel, forced) => {
        calls.push(forced);
        return answer();
      },
      scanOwnersBpfAsync: async (_root, _wanted, _threads, _pids, _cancel, forced) => {
        calls.push(forced);
        return answer();
      },
    });

    it("records the engine's choice and reason for each scan, and the scan carries its method", async () => {
      const calls: boolean[] = [];
      const sources = chooseSources({ env: {}, procRoot: '/proc', native: { binding: withBpf(() => chosen('bpf', "the kernel's task_file iterator"), calls) } });
      const scan = sources.owners.scan({});
      expect(scan).toMatchObject({ method: 'bpf', methodReason: "the kernel's task_file iterator" });
      expect(scan.owners.get(7001)).toEqual([{ pid: 42, program: 'sshd' }]);
      expect(sources.choices()).toEqual([
        { table: 'owners', backend: 'native', reason: "native engine loaded; fd walk: bpf (the kernel's task_file iterator)", walk: 'bpf' },
      ]);
      expect(await sources.owners.scanAsync({})).toMatchObject({ method: 'bpf' });
      expect(calls).toEqual([false, false]); // auto: the engine may fall back
      const fellBack = chooseSources({ env: {}, procRoot: '/proc', native: { binding: withBpf(() => chosen('proc', 'BPF walk unavailable: BPF_PROG_LOAD: Operation not permitted', 'EPERM')) } });
      expect(fellBack.owners.scan({})).toMatchObject({ method: 'proc' });
      expect(fellBack.choices()).toEqual([
        { table: 'owners', backend: 'native', code: 'EPERM', walk: 'proc', reason: 'native engine loaded; fd walk: proc (BPF walk unavailable: BPF_PROG_LOAD: Operation not permitted)' },
      ]);
    });

    it('NETSTAT_OWNER_WALK=proc: the /proc walk, without asking the engine', () => {
      const calls: boolean[] = [];
      const sources = chooseSources({ env: { NETSTAT_OWNER_WALK: 'proc' }, procRoot: '/proc', native: { binding: withBpf(() => chosen('bpf', ''), calls) } });
      expect(sources.owners.scan({})).toMatchObject({ method: 'proc', methodReason: 'forced by NETSTAT_OWNER_WALK=proc' });
      expect(calls).toEqual([]);
      expect(sources.choices()).toEqual([{ table: 'owners', backend: 'native', walk: 'proc', reason: 'native engine loaded; fd walk: proc (forced by NETSTAT_OWNER_WALK=proc)' }]);
    });

    it('NETSTAT_OWNER_WALK=bpf: forced, and an error naming why when it cannot be had', async () => {
      const calls: boolean[] = [];
      const ok = chooseSources({ env: { NETSTAT_OWNER_WALK: 'bpf' }, procRoot: '/proc', native: { binding: withBpf(() => chosen('bpf', 'x'), calls) } });
      expect(ok.owners.scan({})).toMatchObject({ method: 'bpf' });
      expect(calls).toEqual([true]);
      const refused = Object.assign(new Error('BPF_PROG_LOAD of the task_file program: Operation not permitted'), { code: 'EPERM', errno: 1, syscall: 'bpf' });
      const failing = chooseSources({ env: { NETSTAT_OWNER_WALK: 'bpf' }, procRoot: '/proc', native: { binding: withBpf(() => { throw refused; }) } });
      const expected = {
        code: 'ERR_OWNER_WALK_UNAVAILABLE',
        errno: 1,
        syscall: 'bpf',
        message: 'NETSTAT_OWNER_WALK=bpf but the BPF fd walk is unavailable: scanning /proc: BPF_PROG_LOAD of the task_file program: Operation not permitted',
      };
      expect(() => failing.owners.scan({})).toThrow(expect.objectContaining(expected));
      await expect(failing.owners.scanAsync({})).rejects.toMatchObject(expected);
      expect(failing.choices()).toEqual([]);
      // Where no BPF walk exists at all: an engine without it, the /proc backend, a fixture proc root.
      const unavailable = [
        [chooseSources({ env: { NETSTAT_OWNER_WALK: 'bpf' }, procRoot: '/proc', native: { binding: fakeBinding() } }), 'this native engine has no BPF walk'],
        [chooseSources({ env: { NETSTAT_OWNER_WALK: 'bpf', NETSTAT_BACKEND: 'procfs' } }), 'the owners are read by /proc (forced by NETSTAT_BACKEND=procfs)'],
        [chooseSources({ env: { NETSTAT_OWNER_WALK: 'bpf' }, procRoot: FIXTURE_PROC }), `the owners are read by /proc (proc root ${FIXTURE_PROC} is not the live /proc)`],
      ] as const;
      for (const [sources, why] of unavailable) {
        expect(() => sources.owners.scan({})).toThrow(expect.objectContaining({ code: 'ERR_OWNER_WALK_UNAVAILABLE', message: `NETSTAT_OWNER_WALK=bpf but the BPF fd walk is unavailable: ${why}` }));
        await expect(sources.owners.scanAsync({})).rejects.toMatchObject({ code: 'ERR_OWNER_WALK_UNAVAILABLE' });
      }
    });

    it('an aborted walk is an AbortError, forced or not', async () => {
      const cancelled = Object.assign(new Error('the fd walk was cancelled'), { code: 'ECANCELED', errno: 125, syscall: 'read' });
      for (const env of [{}, { NETSTAT_OWNER_WALK: 'bpf' }]) {
        const sources = chooseSources({ env, procRoot: '/proc', native: { binding: withBpf(() => { throw cancelled; }) } });
        const abort = new AbortHandle(new AbortController().signal);
        expect(() => sources.owners.scan({ abort })).toThrow(expect.objectContaining({ code: 'ABORT_ERR' }));
        await expect(sources.owners.scanAsync({ abort })).rejects.toMatchObject({ code: 'ABORT_ERR' });
      }
    });

    it('rejects an unknown NETSTAT_OWNER_WALK', () => {
      expect(() => chooseSources({ env: { NETSTAT_OWNER_WALK: 'ebpf' }, native: { binding: fakeBinding() } })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OWNER_WALK', message: 'NETSTAT_OWNER_WALK must be proc, bpf or auto (got "ebpf")' }),
      );
    });
  });
});
