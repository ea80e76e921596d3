/**
 * Listing the sockets of other network namespaces through the library
 * (`listSockets({ netns })`, `listSocketsSync`), over real namespaces:
 *
 * - A: named (`ip netns add`), a root python3 inside holding TCP (v4 and v6)
 *   listeners and connections, a UDP socket and a UNIX listener with a connection;
 * - E: named and empty (no process inside);
 * - U: unnamed, owned by an `unshare -n` python3 holding sockets;
 * - B (for the uid 65534 tests): named, its holder running as uid 65534.
 *
 * Every namespace must be listed with exactly the sockets made in it, each
 * record tagged with it, on both backends; the TCP rows must be those `ss`
 * shows when run inside the namespace. As uid 65534 (a child process running
 * the built library, dist/) the netlink backend cannot enter the namespaces
 * while /proc still shows the tables of a namespace holding one of its
 * processes.
 *
 * Sockets of the caller's own namespace (and of namespaces other test files
 * make meanwhile) come and go, so assertions about sockets are limited to the
 * namespaces made here.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listSockets, listSocketsSync, type NamespaceReport, type SocketList } from '../../src/api';
import { NetstatError } from '../../src/errors';
import type { InetSocket, UnixSocket } from '../../src/model';
import type { SocketQuery } from '../../src/query/request';
import { cleanupNamespaces, createNamedNamespace, holdSockets, NAMESPACE_NEEDS, NETNS_DIR, startUnnamedNamespace, uniqueName, type NamedNamespace, type SocketHolder, type UnnamedNamespace } from '../harness/namespaces';
import { skipReason } from '../harness/needs';
import { netstatFailure } from '../harness/errors';

const REPO = path.resolve(__dirname, '../..');
const DIST_INDEX = path.join(REPO, 'dist/index.js');

const unavailable = skipReason('the namespace listing tests', { ...NAMESPACE_NEEDS, commands: [...NAMESPACE_NEEDS.commands!, 'ss', 'setpriv'] });

const BACKENDS = ['netlink', 'procfs'] as const;

/**
 * The tables compared socket by socket. RAW is left out here: where the
 * kernel cannot dump it over sock_diag, it comes from /proc even on the
 * netlink backend, which is the subject of its own test below.
 */
const PROTOCOLS: SocketQuery['protocols'] = ['tcp', 'udp', 'udplite', 'unix'];

// ---------------------------------------------------------------------------
// What was made

let A: NamedNamespace;
let holderA: SocketHolder;
let E: NamedNamespace;
let U: UnnamedNamespace;
let B: NamedNamespace;
let holderB: SocketHolder;
let ownNamespace: string;

/** `proto addr:port addr:port STATE` of one record; a UNIX one: `unix PATH STATE`. */
function key(s: InetSocket | UnixSocket): string {
  if ('localAddress' in s) return `${s.protocol} ${s.localAddress}:${s.localPort} ${s.remoteAddress}:${s.remotePort} ${s.stateName}`;
  return `unix ${s.path} ${s.stateName}`;
}

/** The records a holder's spec makes, as keys, sorted (a multiset). */
function expectedKeys(held: SocketHolder['sockets']): string[] {
  const keys: string[] = [];
  for (const port of held.listening) keys.push(`tcp 127.0.0.1:${port} 0.0.0.0:0 LISTEN`);
  for (const [client, server] of held.connections) {
    keys.push(`tcp 127.0.0.1:${client} 127.0.0.1:${server} ESTABLISHED`);
    keys.push(`tcp 127.0.0.1:${server} 127.0.0.1:${client} ESTABLISHED`);
  }
  for (const port of held.listening6) keys.push(`tcp ::1:${port} :::0 LISTEN`);
  if (held.udp !== null) keys.push(`udp 127.0.0.1:${held.udp} 0.0.0.0:0 CLOSE`);
  for (const name of held.unix) {
    // The listener and the accepted side carry the bound name; the client has none.
    keys.push(`unix ${name} LISTENING`, `unix ${name} CONNECTED`, 'unix  CONNECTED');
  }
  return keys.sort();
}

function recordsOf(list: SocketList, inode: number): Array<InetSocket | UnixSocket> {
  return [...list.inet, ...list.unix].filter((s) => s.netns?.inode === inode);
}

function keysOf(list: SocketList, inode: number): string[] {
  return recordsOf(list, inode).map(key).sort();
}

function reportOf(list: SocketList, inode: number): NamespaceReport | undefined {
  const reports = list.namespaces?.filter((r) => r.netns.inode === inode) ?? [];
  expect(reports.length, `namespace net:[${inode}] reported ${reports.length} times`).toBeLessThanOrEqual(1);
  return reports[0];
}

/** Every record of a namespace shares one frozen `netns` object, the report's. */
function expectTagged(list: SocketList, inode: number, ref: { inode: number; name?: string; pid?: number }): void {
  const report = reportOf(list, inode)!;
  expect(report.netns).toEqual(ref);
  expect(Object.isFrozen(report.netns)).toBe(true);
  for (const s of recordsOf(list, inode)) expect(s.netns, key(s)).toBe(report.netns);
}

/** The list's records without figures that move between two reads (queues, timers, owners' order). */
function stableView(list: SocketList, inodes: number[]): unknown {
  return inodes.map((inode) => ({
    report: reportOf(list, inode),
    records: recordsOf(list, inode)
      .map((s) => ({ key: key(s), inode: s.inode, pid: s.pid, program: s.program, netns: s.netns }))
      .sort((a, b) => a.key.localeCompare(b.key) || a.inode - b.inode),
  }));
}

// ---------------------------------------------------------------------------
// ss, run inside a namespace

const SS_STATES: Readonly<Record<string, string>> = {
  ESTAB: 'ESTABLISHED', 'SYN-SENT': 'SYN_SENT', 'SYN-RECV': 'SYN_RECV', 'FIN-WAIT-1': 'FIN_WAIT1', 'FIN-WAIT-2': 'FIN_WAIT2',
  'TIME-WAIT': 'TIME_WAIT', UNCONN: 'CLOSE', 'CLOSE-WAIT': 'CLOSE_WAIT', 'LAST-ACK': 'LAST_ACK', LISTEN: 'LISTEN', CLOSING: 'CLOSING',
};

/** `ss -tanH` as `local remote STATE` lines (ss's address spelling), sorted. */
function ssTcp(enter: string[]): string[] {
  const run = spawnSync(enter[0]!, [...enter.slice(1), 'ss', '-tanH'], { encoding: 'utf8' });
  expect(run.status, `${enter.join(' ')} ss -tanH: ${run.stderr}`).toBe(0);
  return run.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [state, , , local, remote] = line.trim().split(/\s+/);
      return `${local} ${remote} ${SS_STATES[state!] ?? state}`;
    })
    .sort();
}

/** A record in ss's spelling: `[v6]:port`, a zero remote port as `*`. */
function ssKey(s: InetSocket): string {
  const at = (address: string, port: number | string) => `${s.family === 'inet6' ? `[${address}]` : address}:${port}`;
  return `${at(s.localAddress, s.localPort)} ${at(s.remoteAddress, s.remotePort === 0 ? '*' : s.remotePort)} ${s.stateName}`;
}

function tcpOf(list: SocketList, inode: number): string[] {
  return list.inet.filter((s) => s.protocol === 'tcp' && s.netns?.inode === inode).map(ssKey).sort();
}

// ---------------------------------------------------------------------------
// Errors, and the caller's threads


/** Both variants must fail alike; returns the sync one's error. */
async function failBoth(query: SocketQuery): Promise<NetstatError> {
  const sync = await netstatFailure(() => listSocketsSync(query));
  const async = await netstatFailure(() => listSockets(query));
  expect({ code: async.code, message: async.message }).toEqual({ code: sync.code, message: sync.message });
  return sync;
}

/** Both variants' lists; they must agree on everything that does not move by itself. */
async function listBoth(query: SocketQuery, inodes: number[]): Promise<SocketList> {
  const sync = listSocketsSync(query);
  const async = await listSockets(query);
  expect(stableView(async, inodes)).toEqual(stableView(sync, inodes));
  return sync;
}

/** Every thread of this process, by the namespace it is in (`net:[N]`). */
function threadNamespaces(): Map<string, string> {
  const found = new Map<string, string>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      found.set(tid, fs.readlinkSync(`/proc/self/task/${tid}/ns/net`));
    } catch {
      // the thread exited meanwhile
    }
  }
  return found;
}

// ---------------------------------------------------------------------------

describe.skipIf(unavailable !== undefined)('listing other network namespaces', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    ownNamespace = fs.readlinkSync('/proc/self/ns/net');
    A = createNamedNamespace(uniqueName('nslist'));
    holderA = await holdSockets(A, { listen: [0], connections: 2, udp: 0, listen6: [0], unix: [`@${A.name}`] });
    E = createNamedNamespace(uniqueName('nslist'));
    U = await startUnnamedNamespace({ listen: [0], connections: 1, udp: 0, unix: [`@${uniqueName('nslist-u')}`] });
    B = createNamedNamespace(uniqueName('nslist'));
    holderB = await holdSockets(B, { listen: [0], connections: 1 }, { user: 'nobody' });
  });

  afterAll(async () => {
    await cleanupNamespaces();
  });

  afterEach(() => {
    // The engine enters namespaces on threads of its own: none may stay there, nor may the caller move.
    expect(fs.readlinkSync('/proc/self/ns/net')).toBe(ownNamespace);
    const elsewhere = [...threadNamespaces()].filter(([, ns]) => ns !== ownNamespace);
    expect(elsewhere, 'threads left in another network namespace').toEqual([]);
  });

  describe.each(BACKENDS)("netns: 'all' on the %s backend", (backend) => {
    it('lists every socket of each namespace exactly once, tagged with it', async () => {
      const list = await listBoth({ netns: 'all', backend, protocols: PROTOCOLS }, [A.inode, E.inode, U.inode]);
      const reports = list.namespaces!;

      // The caller's own namespace first, then by inode; each once.
      expect(reports[0]!.current).toBe(true);
      expect(`net:[${reports[0]!.netns.inode}]`).toBe(ownNamespace);
      expect(reports[0]!.status).toBe('ok');
      expect(reports.filter((r) => r.current)).toHaveLength(1);
      const rest = reports.slice(1).map((r) => r.netns.inode);
      expect(rest).toEqual([...rest].sort((a, b) => a - b));
      expect(new Set(reports.map((r) => r.netns.inode)).size).toBe(reports.length);
      expect(typeof list.hiddenProcesses).toBe('number');

      // No record is tagged with a namespace the list does not report as read.
      const read = new Set(reports.filter((r) => r.status === 'ok').map((r) => r.netns.inode));
      for (const s of [...list.inet, ...list.unix]) expect(read.has(s.netns!.inode), key(s)).toBe(true);
      for (const r of reports) expect(recordsOf(list, r.netns.inode).length, `net:[${r.netns.inode}]`).toBe(r.sockets);

      // A: exactly what its holder made.
      expect(keysOf(list, A.inode)).toEqual(expectedKeys(holderA.sockets));
      expect(reportOf(list, A.inode)).toMatchObject({ current: false, status: 'ok', sockets: expectedKeys(holderA.sockets).length });
      expectTagged(list, A.inode, { inode: A.inode, name: A.name, pid: holderA.pid });

      // U: the same, unnamed.
      expect(keysOf(list, U.inode)).toEqual(expectedKeys(U.sockets));
      expect(reportOf(list, U.inode)).toMatchObject({ current: false, status: 'ok', sockets: expectedKeys(U.sockets).length });
      expectTagged(list, U.inode, { inode: U.inode, pid: U.pid });

      // E: named and empty.
      expect(keysOf(list, E.inode)).toEqual([]);
      if (backend === 'netlink') {
        expect(reportOf(list, E.inode)).toEqual({ netns: { inode: E.inode, name: E.name }, label: E.name, current: false, status: 'ok', sockets: 0 });
      } else {
        const report = reportOf(list, E.inode)!;
        expect(report).toMatchObject({ netns: { inode: E.inode, name: E.name }, current: false, status: 'unreadable', code: 'ERR_NETNS_NO_PROCESS', sockets: 0 });
        expect(report.message).toContain(E.name);
      }
      // The namespaces' own table reports say which namespace they are of.
      expect(list.tables.filter((t) => t.netns === A.inode).map((t) => t.table).sort()).toEqual(
        ['tcp/inet', 'tcp/inet6', 'udp/inet', 'udp/inet6', 'udplite/inet', 'udplite/inet6', 'unix'].sort(),
      );
    });

    it("the TCP rows of each namespace are those of `ss -tanH` run inside it", async () => {
      const list = await listSockets({ netns: 'all', backend, protocols: ['tcp'] });
      expect(tcpOf(list, A.inode)).toEqual(ssTcp(['ip', 'netns', 'exec', A.name]));
      expect(tcpOf(list, U.inode)).toEqual(ssTcp(['nsenter', `--net=/proc/${U.pid}/ns/net`]));
      if (backend === 'netlink') expect(tcpOf(list, E.inode)).toEqual(ssTcp(['ip', 'netns', 'exec', E.name]));
      expect(tcpOf(list, A.inode).length).toBeGreaterThan(0);
    });

    it("owners: the holders' pid and program, from one walk over every namespace", async () => {
      const list = await listBoth({ netns: 'all', backend, protocols: PROTOCOLS, owners: true }, [A.inode, U.inode]);
      for (const [inode, pid] of [[A.inode, holderA.pid], [U.inode, U.pid]] as const) {
        const records = recordsOf(list, inode);
        expect(records.length).toBeGreaterThan(0);
        for (const s of records) expect({ key: key(s), pid: s.pid, program: s.program }).toEqual({ key: key(s), pid, program: 'python3' });
      }
      expect(list.ownerWalk).toBeDefined();
    });

    it('single namespaces by name, by path and by PID: that namespace only', async () => {
      const cases: Array<[SocketQuery['netns'], number, string[], { inode: number; name?: string; pid?: number }]> = [
        [A.name, A.inode, expectedKeys(holderA.sockets), { inode: A.inode, name: A.name, pid: holderA.pid }],
        [`${NETNS_DIR}/${A.name}`, A.inode, expectedKeys(holderA.sockets), { inode: A.inode, name: A.name, pid: holderA.pid }],
        [holderA.pid, A.inode, expectedKeys(holderA.sockets), { inode: A.inode, name: A.name, pid: holderA.pid }],
        [String(holderA.pid), A.inode, expectedKeys(holderA.sockets), { inode: A.inode, name: A.name, pid: holderA.pid }],
        [U.pid, U.inode, expectedKeys(U.sockets), { inode: U.inode, pid: U.pid }],
        [`/proc/${U.pid}/ns/net`, U.inode, expectedKeys(U.sockets), { inode: U.inode, pid: U.pid }],
      ];
      for (const [netns, inode, keys, ref] of cases) {
        const list = await listBoth({ netns, backend, protocols: PROTOCOLS, owners: true }, [inode]);
        expect(list.namespaces, String(netns)).toEqual([{ netns: ref, label: ref.name ?? `net:[${inode}]`, current: false, status: 'ok', sockets: keys.length }]);
        expect([...list.inet, ...list.unix].map(key).sort(), String(netns)).toEqual(keys);
        expectTagged(list, inode, ref);
        for (const s of [...list.inet, ...list.unix]) expect(s.program).toBe('python3');
        expect(list.hiddenProcesses).toBeUndefined();
      }
    });

    it("the caller's own namespace, named by its PID, is the current one", async () => {
      const list = await listBoth({ netns: process.pid, backend, protocols: ['tcp'] }, []);
      expect(list.namespaces).toHaveLength(1);
      expect(list.namespaces![0]).toMatchObject({ current: true, status: 'ok' });
      expect(`net:[${list.namespaces![0]!.netns.inode}]`).toBe(ownNamespace);
      expect(list.namespaces![0]!.label).toBe(ownNamespace);
      for (const s of list.inet) expect(s.netns).toBe(list.namespaces![0]!.netns);
    });

    it('the named-empty namespace on its own', async () => {
      if (backend === 'netlink') {
        const list = await listBoth({ netns: E.name, backend, protocols: PROTOCOLS }, [E.inode]);
        expect(list.namespaces).toEqual([{ netns: { inode: E.inode, name: E.name }, label: E.name, current: false, status: 'ok', sockets: 0 }]);
        expect(list.inet).toEqual([]);
        expect(list.unix).toEqual([]);
      } else {
        const err = await failBoth({ netns: E.name, backend, protocols: PROTOCOLS });
        expect(err.code).toBe('ERR_NETNS_NO_PROCESS');
        expect(err.message).toContain(E.name);
      }
    });
  });

  // Where the kernel has no sock_diag handler for RAW (no raw_diag), the netlink backend reads raw
  // from /proc — inside a namespace no process is in, through a thread moved into it.
  it('netlink, default protocols (RAW included): a named-empty namespace is read, with no sockets', async () => {
    const all = await listSockets({ netns: 'all', backend: 'netlink' });
    expect(reportOf(all, E.inode)).toEqual({ netns: { inode: E.inode, name: E.name }, label: E.name, current: false, status: 'ok', sockets: 0 });
    const one = await listSockets({ netns: E.name, backend: 'netlink' });
    expect(one.namespaces).toEqual([{ netns: { inode: E.inode, name: E.name }, label: E.name, current: false, status: 'ok', sockets: 0 }]);
  });

  describe('errors', () => {
    it('an unknown name', async () => {
      for (const backend of BACKENDS) {
        const err = await failBoth({ netns: `no-such-${process.pid}`, backend });
        expect(err.code).toBe('ERR_NETNS_NOT_FOUND');
        expect(err.message).toContain(`no-such-${process.pid}`);
      }
    });

    it('an unknown PID or path', async () => {
      expect((await failBoth({ netns: 0x7ffffffe })).code).toBe('ERR_NETNS_NOT_FOUND');
      expect((await failBoth({ netns: `/nonexistent/${process.pid}/net` })).code).toBe('ERR_NETNS_NOT_FOUND');
    });

    it('bad values, as validateQuery reports them', async () => {
      const cases: Array<[unknown, string]> = [
        ['', 'ERR_INVALID_ARG_VALUE'],
        ['a\0b', 'ERR_INVALID_ARG_VALUE'],
        [0, 'ERR_OUT_OF_RANGE'],
        [-1, 'ERR_OUT_OF_RANGE'],
        [1.5, 'ERR_OUT_OF_RANGE'],
        [{}, 'ERR_INVALID_ARG_TYPE'],
        [null, 'ERR_INVALID_ARG_TYPE'],
        [true, 'ERR_INVALID_ARG_TYPE'],
        [['all'], 'ERR_INVALID_ARG_TYPE'],
      ];
      for (const [netns, code] of cases) {
        const err = await failBoth({ netns: netns as SocketQuery['netns'] });
        expect({ netns, code: err.code }).toEqual({ netns, code });
        expect(err.message).toMatch(/^query\.netns: /);
      }
    });
  });

  describe('as uid 65534', () => {
    /** Run `body` (an async function body; `n` is the built library) as nobody; its return value, as JSON. */
    function asNobody(body: string): unknown {
      const script = `const n = require(${JSON.stringify(DIST_INDEX)});
        const outcome = (p) => p.then((v) => ({ ok: v }), (e) => ({ code: e.code, message: e.message, netstat: e instanceof n.NetstatError }));
        (async () => { ${body} })().then((r) => process.stdout.write(JSON.stringify(r)), (e) => { console.error(e); process.exit(2); });`;
      const run = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script], {
        encoding: 'utf8',
        cwd: '/',
        timeout: 60_000,
      });
      expect(run.status, `${run.stderr}${run.error?.message ?? ''}`).toBe(0);
      return JSON.parse(run.stdout);
    }

    beforeAll(() => {
      if (!fs.existsSync(DIST_INDEX)) throw new Error(`${DIST_INDEX} is missing: run \`npm run build\` first`);
    });

    it('netlink: an explicit named namespace rejects with EPERM, naming it', () => {
      const result = asNobody(`
        const q = { netns: ${JSON.stringify(A.name)}, backend: 'netlink', protocols: ['tcp'] };
        let sync;
        try { n.listSocketsSync(q); sync = { ok: true }; } catch (e) { sync = { code: e.code, message: e.message, netstat: e instanceof n.NetstatError }; }
        return { async: await outcome(n.listSockets(q)), sync };`) as Record<'async' | 'sync', { code: string; message: string; netstat: boolean }>;
      for (const variant of ['async', 'sync'] as const) {
        expect(result[variant]).toMatchObject({ code: 'EPERM', netstat: true });
        expect(result[variant].message).toContain(A.name);
      }
    });

    it("netlink, 'all': the caller's namespace read, the named ones unreadable with EPERM", () => {
      const { ok: list } = asNobody(`return outcome(n.listSockets({ netns: 'all', backend: 'netlink', protocols: ['tcp'] }));`) as { ok: SocketList };
      const reports = list.namespaces!;
      expect(reports[0]).toMatchObject({ current: true, status: 'ok' });
      expect(`net:[${reports[0]!.netns.inode}]`).toBe(ownNamespace);
      for (const ns of [A, E, B]) {
        const report = reports.find((r) => r.netns.inode === ns.inode);
        expect(report, ns.name).toMatchObject({ netns: { inode: ns.inode, name: ns.name }, status: 'unreadable', code: 'EPERM', sockets: 0 });
        expect(report!.message).toContain(ns.name);
      }
      // Root's processes (U's holder among them) cannot be looked into, and are counted.
      expect(list.hiddenProcesses).toBeGreaterThan(0);
      expect(list.inet.every((s) => s.netns!.inode === reports[0]!.netns.inode)).toBe(true);
    });

    it("procfs: a namespace holding one of the caller's processes is read through /proc/PID/net", () => {
      const result = asNobody(`
        const q = { backend: 'procfs', protocols: ['tcp'] };
        return {
          byName: await outcome(n.listSockets({ ...q, netns: ${JSON.stringify(B.name)} })),
          byPid: await outcome(n.listSockets({ ...q, netns: ${holderB.pid} })),
          sync: (() => { try { return { ok: n.listSocketsSync({ ...q, netns: ${JSON.stringify(B.name)} }) }; } catch (e) { return { code: e.code, message: e.message }; } })(),
          all: await outcome(n.listSockets({ ...q, netns: 'all' })),
          netlink: await outcome(n.listSockets({ backend: 'netlink', protocols: ['tcp'], netns: ${JSON.stringify(B.name)} })),
        };`) as Record<'byName' | 'byPid' | 'sync' | 'all' | 'netlink', { ok?: SocketList; code?: string }>;
      const held = expectedKeys({ ...holderB.sockets, udp: null, listening6: [], unix: [] });
      const ref = { inode: B.inode, name: B.name, pid: holderB.pid };
      for (const variant of ['byName', 'byPid', 'sync'] as const) {
        const list = result[variant].ok;
        expect(list, `${variant}: ${JSON.stringify(result[variant])}`).toBeDefined();
        expect(list!.namespaces).toEqual([{ netns: ref, label: B.name, current: false, status: 'ok', sockets: held.length }]);
        expect(list!.inet.map(key).sort()).toEqual(held);
        for (const s of list!.inet) expect(s.netns).toEqual(ref);
      }
      const all = result.all.ok!;
      expect(all.namespaces!.find((r) => r.netns.inode === B.inode)).toEqual({ netns: ref, label: B.name, current: false, status: 'ok', sockets: held.length });
      expect(keysOf(all, B.inode)).toEqual(held);
      // No process of the caller's in A or E: /proc shows nothing of them.
      for (const ns of [A, E]) expect(all.namespaces!.find((r) => r.netns.inode === ns.inode)).toMatchObject({ status: 'unreadable', code: 'ERR_NETNS_NO_PROCESS' });
      // The netlink backend still cannot enter it.
      expect(result.netlink.code).toBe('EPERM');
    });
  });
});
