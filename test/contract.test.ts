/**
 * Contract suite: the netlink and /proc backends must agree record for record
 * (the socket cookie aside, which only netlink knows) on one namespace, and
 * each must satisfy the same behavioural expectations.
 *
 * A scenario of varied sockets (test/scenario/contract.py) runs in a private
 * network namespace; from inside it capture.js takes every sock_diag dump
 * the netlink backend may request and the /proc/net tables, back to back.
 * Both backends then run here over that capture (netlink through a replaying
 * binding, procfs over a /proc tree of the captured files). Owner walks run
 * live on /proc while the scenario's processes are alive.
 *
 * Needs root, unshare, ip, python3 and the built addon; skipped with the
 * reason otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseSources } from '../src/backends/choose';
import { ERR_UNIX_EMBRYOS, createNativeOwners, createNetlinkBackend, stateMask } from '../src/backends/netlink';
import { createProcfsBackend, createProcfsOwners } from '../src/backends/procfs';
import type { InetQuery, OwnerSource, Selection, SocketBackend } from '../src/backends/types';
import { INET_FAMILIES, INET_PROTOCOLS, type InetSocket, TcpState, UNIX_FLAG_ACCEPTCON, UnixState, type UnixSocket } from '../src/model';
import { type NativeBinding, loadNative } from '../src/native';
import { type InetRequest, type Scenario, namespaceUnavailable, replayBinding, startScenario } from './native/netns';

const SCALE = 1500; // extra TCP connections (3000 sockets) and 750 UNIX pairs: row order at volume
const SELECTIONS: Selection[] = ['connected', 'listening', 'all'];
const PROTOCOL_NUMBERS = { tcp: 6, udp: 17, udplite: 136, raw: 255 } as const;

/** Every request the netlink backend can make for the queries below. */
function allRequests(): InetRequest[] {
  const requests: InetRequest[] = [];
  for (const protocol of INET_PROTOCOLS) {
    for (const family of INET_FAMILIES) {
      for (const selection of SELECTIONS) {
        for (const withInfo of protocol === 'tcp' ? [false, true] : [false]) {
          const request: InetRequest = [family === 'inet' ? 2 : 10, PROTOCOL_NUMBERS[protocol], stateMask(protocol, { selection }), withInfo];
          if (!requests.some((r) => JSON.stringify(r) === JSON.stringify(request))) requests.push(request);
        }
      }
    }
  }
  return requests;
}

/**
 * A record without what only one backend knows or what moves between two
 * reads: the cookie, the expiry, and the probe counter of a zero-window
 * probe timer (kind 4: the scenario's stalled reader keeps the sender
 * probing, and the count goes up between the dump and the /proc read).
 */
function comparable(row: InetSocket, timers: boolean): unknown {
  const { cookie: _cookie, cgroup: _cgroup, timer, ...rest } = row;
  if (!timers) return { ...rest, timerKind: timer.kind };
  return { ...rest, timer: { kind: timer.kind, retransmits: timer.retransmits, probes: timer.kind === 4 ? 'moving' : timer.probes } };
}

const unavailable = namespaceUnavailable();
if (unavailable !== undefined) console.warn(`contract suite skipped: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('contract: netlink and procfs backends agree', () => {
  let scenario: Scenario;
  let live: NativeBinding;
  let netlink: SocketBackend;
  let procfs: SocketBackend;

  beforeAll(async () => {
    const outcome = loadNative();
    if (!('binding' in outcome)) throw new Error(`addon present but not loadable: ${outcome.message}`);
    live = outcome.binding;
    scenario = await startScenario(SCALE, allRequests());
    netlink = createNetlinkBackend(replayBinding(scenario.capture, live));
    procfs = createProcfsBackend(scenario.procRoot);
  });
  afterAll(() => scenario?.stop());

  for (const protocol of INET_PROTOCOLS) {
    for (const family of INET_FAMILIES) {
      for (const selection of SELECTIONS) {
        for (const timers of [false, true]) {
          const query: InetQuery = { protocol, family, filter: { selection }, timers };
          it(`${protocol}/${family} ${selection}${timers ? ' -o' : ''}: same rows in the same order`, async () => {
            const expected = procfs.inet(query).rows;
            let got: InetSocket[];
            try {
              got = netlink.inet(query).rows;
            } catch (err) {
              // A kernel without that diag module (here: CONFIG_INET_RAW_DIAG
              // unset) must say ENOENT, so the chooser can use /proc instead.
              expect((err as { code?: string }).code).toBe('ENOENT');
              expect((err as { syscall?: string }).syscall).toBe('sock_diag');
              return;
            }
            expect(got.map((r) => comparable(r, timers))).toEqual(expected.map((r) => comparable(r, timers)));
            if (timers) {
              // Expiry moves between the two reads; both say 10 ms steps and close values.
              got.forEach((row, i) => {
                expect(row.timer.expiresMs % 10).toBe(0);
                expect(Math.abs(row.timer.expiresMs - expected[i]!.timer.expiresMs)).toBeLessThanOrEqual(1000);
              });
            }
            const asyncRows = (await netlink.inetAsync(query)).rows;
            expect(asyncRows).toEqual(got);
            if (protocol === 'tcp' && family === 'inet' && selection === 'all') expect(got.length).toBeGreaterThan(SCALE);
          });
        }
      }
    }
  }

  for (const selection of SELECTIONS) {
    it(`unix ${selection}: same rows in the same order (RefCnt, state, flags, paths)`, async () => {
      const expected = procfs.unix({ filter: { selection } }).rows;
      const got = netlink.unix({ filter: { selection } }).rows;
      expect(got).toEqual(expected);
      expect(await netlink.unixAsync({ filter: { selection } })).toEqual({ rows: got, malformed: 0 });
      if (selection === 'all') expect(got.length).toBeGreaterThan(SCALE);
    });
  }

  describe.each([
    ['procfs', () => procfs],
    ['netlink', () => netlink],
  ] as const)('expectations on the %s backend', (_name, backend) => {
    const rowsOf = (protocol: InetQuery['protocol'], family: InetQuery['family']) =>
      backend().inet({ protocol, family, filter: { selection: 'all' }, timers: true }).rows;

    it('TCP listeners, accept queue, unread and unsent data, v4-mapped peers, uids', () => {
      const tcp = rowsOf('tcp', 'inet');
      const listener = tcp.find((r) => r.localPort === 7001 && r.state === TcpState.LISTEN);
      expect(listener).toMatchObject({ localAddress: '127.0.0.1', remoteAddress: '0.0.0.0', remotePort: 0, sendQueue: 0, recvQueue: 0, uid: 0 });
      expect(listener!.inode).toBeGreaterThan(0);
      expect(tcp.find((r) => r.localPort === 7004 && r.state === TcpState.LISTEN)?.recvQueue).toBe(3);
      expect(tcp.filter((r) => r.remotePort === 7004 && r.state === TcpState.ESTABLISHED)).toHaveLength(3);
      expect(tcp.filter((r) => r.localPort === 7004 && r.state === TcpState.ESTABLISHED && r.inode === 0)).toHaveLength(3);
      expect(tcp.some((r) => r.localPort === 7001 && r.recvQueue === 1000)).toBe(true);
      expect(tcp.some((r) => r.localPort === 7001 && r.sendQueue > 0)).toBe(true);
      expect(tcp.find((r) => r.localPort === 7301)).toMatchObject({ state: TcpState.LISTEN, uid: 65534 });
      const tcp6 = rowsOf('tcp', 'inet6');
      expect(tcp6.some((r) => r.localAddress === '::ffff:127.0.0.1' && r.localPort === 7002 && r.state === TcpState.ESTABLISHED)).toBe(true);
      expect(tcp6.find((r) => r.localPort === 7003 && r.state === TcpState.LISTEN)?.localAddress).toBe('::1');
    });

    it('TCP closing states and timers', () => {
      const tcp = rowsOf('tcp', 'inet');
      const timeWait = tcp.find((r) => r.state === TcpState.TIME_WAIT);
      expect(timeWait).toMatchObject({ inode: 0, uid: 0, recvQueue: 0, sendQueue: 0 });
      expect(timeWait!.timer.kind).toBe(3);
      expect(timeWait!.timer.expiresMs).toBeGreaterThan(0);
      const keepalive = tcp.find((r) => r.timer.kind === 2);
      expect(keepalive?.timer.expiresMs).toBeGreaterThan(500_000);
      const tcp6 = rowsOf('tcp', 'inet6');
      expect(tcp6.some((r) => r.state === TcpState.FIN_WAIT2)).toBe(true);
      expect(tcp6.some((r) => r.state === TcpState.CLOSE_WAIT)).toBe(true);
    });

    it('UDP bound, connected and queued', () => {
      const udp = rowsOf('udp', 'inet');
      const bound = udp.find((r) => r.localPort === 7101);
      expect(bound).toMatchObject({ localAddress: '0.0.0.0', state: TcpState.CLOSE });
      expect(bound!.recvQueue).toBeGreaterThan(0);
      expect(udp.find((r) => r.remotePort === 7101)).toMatchObject({ state: TcpState.ESTABLISHED, remoteAddress: '127.0.0.1' });
      expect(udp.find((r) => r.localPort === 7302)?.uid).toBe(65534);
      expect(rowsOf('udp', 'inet6').find((r) => r.remotePort === 7103)?.remoteAddress).toBe('::1');
    });

    it('UNIX types, states, flags, RefCnt and names', () => {
      const unix = backend().unix({ filter: { selection: 'all' } }).rows;
      const byPath = (p: string): UnixSocket[] => unix.filter((r) => r.path === p);
      const dgram = byPath('@contract@dgram');
      expect(dgram).toHaveLength(1);
      // 2 + one reference per connected client. (Its state is CONNECTED on
      // this kernel: a DGRAM connect marks both ends ESTABLISHED.)
      expect(dgram[0]).toMatchObject({ refCount: 5, flags: 0, type: 2 });
      const server = unix.find((r) => r.path.endsWith('/u/stream server') && r.flags === UNIX_FLAG_ACCEPTCON);
      expect(server).toMatchObject({ refCount: 2, state: UnixState.UNCONNECTED, type: 1 });
      expect(unix.find((r) => r.path === '@contract-seq')).toMatchObject({ type: 5, flags: UNIX_FLAG_ACCEPTCON });
      expect(unix.some((r) => r.path.endsWith('/u/café'))).toBe(true);
      expect(unix.some((r) => /^@[0-9a-f]{5}$/.test(r.path))).toBe(true);
      expect(unix.filter((r) => r.state === UnixState.CONNECTED && r.refCount === 3).length).toBeGreaterThan(SCALE);
    });
  });

  describe('owners: the native fd walk agrees with the TypeScript one', () => {
    let wanted: Set<number>;
    let native: OwnerSource;
    let typescript: OwnerSource;
    beforeAll(() => {
      wanted = new Set<number>();
      for (const protocol of INET_PROTOCOLS) {
        for (const family of INET_FAMILIES) {
          for (const row of procfs.inet({ protocol, family, filter: { selection: 'all' }, timers: false }).rows) if (row.inode !== 0) wanted.add(row.inode);
        }
      }
      for (const row of procfs.unix({ filter: { selection: 'all' } }).rows) if (row.inode !== 0) wanted.add(row.inode);
      native = createNativeOwners(live, '/proc');
      typescript = createProcfsOwners('/proc');
      expect(native.name).toBe('native');
      expect(typescript.name).toBe('procfs');
    });

    const holders = (scan: ReturnType<OwnerSource['scan']>) => [...wanted].map((inode) => [inode, scan.owners.get(inode) ?? []]);

    it('with wanted inodes (early exit) and without, sync and async', async () => {
      const expected = holders(typescript.scan({ wanted }));
      expect(holders(native.scan({ wanted }))).toEqual(expected);
      expect(holders(await native.scanAsync({ wanted }))).toEqual(expected);
      expect(holders(native.scan({}))).toEqual(holders(typescript.scan({})));
      const [scenarioPid, nobodyPid] = scenario.pids;
      const owners = new Set(expected.flatMap(([, refs]) => (refs as Array<{ pid: number; program: string }>).map((r) => `${r.pid}/${r.program}`)));
      expect(owners).toEqual(new Set([`${scenarioPid}/python3`, `${nobodyPid}/python3`]));
    });
  });

  it('the chooser: ENOENT from netlink sends just that table to /proc and records why', () => {
    const sources = chooseSources({ backend: 'auto', procRoot: '/proc', env: {}, native: { binding: replayBinding(scenario.capture, live) } });
    sources.inet('tcp', 'inet').inet({ protocol: 'tcp', family: 'inet', filter: { selection: 'all' }, timers: false });
    const raw = sources.inet('raw', 'inet');
    raw.inet({ protocol: 'raw', family: 'inet', filter: { selection: 'all' }, timers: false });
    const choices = sources.choices();
    expect(choices.find((c) => c.table === 'tcp/inet')).toMatchObject({ backend: 'netlink' });
    if (!scenario.capture.inet[JSON.stringify([2, 255, stateMask('raw', { selection: 'all' }), false])]!.ok) {
      expect(choices.find((c) => c.table === 'raw/inet')).toMatchObject({ backend: 'procfs', code: 'ENOENT' });
      expect(raw.name).toBe('procfs');
    }
  });
});

describe.skipIf(unavailable !== undefined)('contract: UNIX connections waiting to be accepted', () => {
  let scenario: Scenario;
  let live: NativeBinding;
  beforeAll(async () => {
    const outcome = loadNative();
    if (!('binding' in outcome)) throw new Error(outcome.message);
    live = outcome.binding;
    scenario = await startScenario(0, [], true);
  });
  afterAll(() => scenario?.stop());

  it('unix_diag cannot list them, so the netlink backend refuses and the chooser reads /proc/net/unix', () => {
    const binding = replayBinding(scenario.capture, live);
    expect(() => createNetlinkBackend(binding).unix({ filter: { selection: 'all' } })).toThrow(expect.objectContaining({ code: ERR_UNIX_EMBRYOS }));
    const sources = chooseSources({ backend: 'netlink', procRoot: scenario.procRoot, env: {}, native: { binding } });
    const rows = sources.unix().unix({ filter: { selection: 'all' } }).rows;
    expect(rows).toEqual(createProcfsBackend(scenario.procRoot).unix({ filter: { selection: 'all' } }).rows);
    expect(rows.some((r) => r.inode === 0 && r.state === UnixState.CONNECTING)).toBe(true);
    expect(sources.choices()).toContainEqual(expect.objectContaining({ table: 'unix', backend: 'procfs', code: ERR_UNIX_EMBRYOS }));
  });
});
