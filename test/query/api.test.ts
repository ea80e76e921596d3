/**
 * The library API on live sockets of this process: request validation (every
 * error code, naming the field), records that survive JSON, structuredClone
 * and postMessage and match the published schema, abort before and during a
 * call, filters that match nothing, the questions agents ask (who listens on
 * a port, which sockets a process holds, counts), and — property-based — the
 * kernel-side filters against the same filter applied in plain code to a full
 * listing, on every backend that can run here.
 */
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type InetSocket,
  NetstatError,
  type SocketQuery,
  countSockets,
  countSocketsSync,
  findListeners,
  listSockets,
  listSocketsSync,
  socketsOfProcess,
} from '../../src/index';
import { loadNative } from '../../src/native';

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '../../schema/socket.schema.json'), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
const validateList = ajv.compile({ ...schema, oneOf: undefined, $ref: '#/$defs/socketList' });

const nativeLoads = 'binding' in loadNative();
if (!nativeLoads) console.log('netlink backend cases skipped: the native engine does not load here');
/** Backends to compare: /proc always; netlink where the engine loads (CI requires it). */
const BACKENDS = nativeLoads ? (['netlink', 'procfs'] as const) : (['procfs'] as const);

const rejection = (promise: Promise<unknown>): Promise<NetstatError> => netstatFailure(() => promise);

describe('request validation', () => {
  const cases: Array<[string, unknown, string, string]> = [
    ['null', null, 'ERR_INVALID_ARG_TYPE', 'query'],
    ['an array', [], 'ERR_INVALID_ARG_TYPE', 'query'],
    ['a misspelt key', { protocol: ['tcp'] }, 'ERR_UNKNOWN_OPTION', 'query.protocol'],
    ['an unknown protocol', { protocols: ['nope'] }, 'ERR_INVALID_ARG_VALUE', 'query.protocols[0]'],
    ['protocols not a list', { protocols: 'tcp' }, 'ERR_INVALID_ARG_TYPE', 'query.protocols'],
    ['an unknown family', { families: ['inet4'] }, 'ERR_INVALID_ARG_VALUE', 'query.families[0]'],
    ['an unknown selection', { selection: 'x' }, 'ERR_INVALID_ARG_VALUE', 'query.selection'],
    ['an unknown state', { states: ['LISTENING!'] }, 'ERR_INVALID_ARG_VALUE', 'query.states[0]'],
    ['a port above 65535', { localPort: 70000 }, 'ERR_OUT_OF_RANGE', 'query.localPort'],
    ['a negative port', { remotePort: [-1] }, 'ERR_OUT_OF_RANGE', 'query.remotePort[0]'],
    ['a fractional port', { localPort: 1.5 }, 'ERR_OUT_OF_RANGE', 'query.localPort'],
    ['a port as text', { localPort: '80' }, 'ERR_INVALID_ARG_TYPE', 'query.localPort'],
    ['a reversed range', { localPort: [[90, 80]] }, 'ERR_OUT_OF_RANGE', 'query.localPort[0]'],
    ['a range of three', { localPort: [[1, 2, 3]] }, 'ERR_INVALID_ARG_VALUE', 'query.localPort[0]'],
    ['a bad address', { localAddress: '1.2.3' }, 'ERR_INVALID_ARG_VALUE', 'query.localAddress'],
    ['a bad prefix length', { remoteAddress: ['10.0.0.0/33'] }, 'ERR_OUT_OF_RANGE', 'query.remoteAddress[0]'],
    ['a non-numeric prefix', { localAddress: '::1/x' }, 'ERR_INVALID_ARG_VALUE', 'query.localAddress'],
    ['a negative uid', { uid: -1 }, 'ERR_OUT_OF_RANGE', 'query.uid'],
    ['pid 0', { pid: 0 }, 'ERR_OUT_OF_RANGE', 'query.pid'],
    ['a program that is not text', { program: [1] }, 'ERR_INVALID_ARG_TYPE', 'query.program[0]'],
    ['owners not boolean', { owners: 'yes' }, 'ERR_INVALID_ARG_TYPE', 'query.owners'],
    ['timers not boolean', { timers: 1 }, 'ERR_INVALID_ARG_TYPE', 'query.timers'],
    ['verify not boolean', { verify: 'yes' }, 'ERR_INVALID_ARG_TYPE', 'query.verify'],
    ['an unknown backend', { backend: 'bogus' }, 'ERR_INVALID_ARG_VALUE', 'query.backend'],
    ['a proc root that does not exist', { procRoot: '/nonexistent/proc' }, 'ERR_INVALID_ARG_VALUE', 'query.procRoot'],
    ['a proc root that is a file', { procRoot: __filename }, 'ERR_INVALID_ARG_VALUE', 'query.procRoot'],
    ['a signal that is not an AbortSignal', { signal: {} }, 'ERR_INVALID_ARG_TYPE', 'query.signal'],
  ];
  it.each(cases)('rejects %s', async (_name, query, code, field) => {
    const error = await rejection(listSockets(query as SocketQuery));
    expect(error.code).toBe(code);
    expect(error.message.startsWith(`${field}:`)).toBe(true);
    // The sync variant and the counts validate the same way.
    expect(() => listSocketsSync(query as SocketQuery)).toThrow(expect.objectContaining({ code }));
    expect((await rejection(countSockets(query as SocketQuery))).code).toBe(code);
  });

  it('rejects bad count options', async () => {
    expect((await rejection(countSockets({}, { by: 'colour' as never }))).code).toBe('ERR_INVALID_ARG_VALUE');
    expect((await rejection(countSockets({}, { group: 'state' } as never))).code).toBe('ERR_UNKNOWN_OPTION');
    expect((await rejection(countSockets({}, { by: [1] as never }))).code).toBe('ERR_INVALID_ARG_TYPE');
    expect((await rejection(countSockets({}, { sum: 'bytes' as never }))).code).toBe('ERR_INVALID_ARG_VALUE');
  });
});

describe('on live sockets of this process', () => {
  const servers: net.Server[] = [];
  const clients: net.Socket[] = [];
  const udp: dgram.Socket[] = [];
  let v4Port = 0;
  let v6Port = 0;
  let dualPort = 0;
  /** Inodes are not visible from Node: our sockets are recognised by their ports. */
  const ours = new Set<number>();

  const listen = async (host: string, port = 0): Promise<number> => {
    const server = net.createServer((socket) => clients.push(socket));
    await new Promise<void>((resolve) => server.listen({ host, port, ipv6Only: host === '::1' }, resolve));
    servers.push(server);
    return (server.address() as net.AddressInfo).port;
  };
  const connect = async (host: string, port: number): Promise<number> => {
    const socket = net.connect({ host, port });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    clients.push(socket);
    return socket.localPort!;
  };

  beforeAll(async () => {
    v4Port = await listen('127.0.0.1');
    v6Port = await listen('::1');
    dualPort = await listen('::'); // accepts v4 as ::ffff:127.0.0.1
    for (const port of [v4Port, v6Port, dualPort]) ours.add(port);
    ours.add(await connect('127.0.0.1', v4Port));
    ours.add(await connect('::1', v6Port));
    ours.add(await connect('127.0.0.1', dualPort));
    for (const type of ['udp4', 'udp6'] as const) {
      const socket = dgram.createSocket(type);
      await new Promise<void>((resolve) => socket.bind(0, type === 'udp4' ? '127.0.0.1' : '::1', resolve));
      ours.add(socket.address().port);
      udp.push(socket);
    }
    // Accepted sockets arrive asynchronously.
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    for (const s of udp) s.close();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  const isOurs = (s: InetSocket) => ours.has(s.localPort) || ours.has(s.remotePort);

  describe.each(BACKENDS)('backend %s', (backend) => {
    it('records survive JSON, structuredClone and postMessage, and match the schema', async () => {
      const list = await listSockets({ backend, owners: true });
      expect(validateList(list), JSON.stringify(validateList.errors)).toBe(true);
      const viaJson = JSON.parse(JSON.stringify(list));
      expect(viaJson).toEqual(list);
      expect(structuredClone(list)).toEqual(list);
      const { port1, port2 } = new MessageChannel();
      const received = new Promise((resolve) => port2.once('message', resolve));
      port1.postMessage(list);
      expect(await received).toEqual(list);
      port1.close();
      port2.close();
      const listener = list.inet.find((s) => s.localPort === v4Port && s.stateName === 'LISTEN');
      expect(listener).toMatchObject({ protocol: 'tcp', family: 'inet', localAddress: '127.0.0.1', state: 10, pid: process.pid });
      expect(listener?.owners?.[0]?.pid).toBe(process.pid);
      if (backend === 'netlink') expect(listener?.cookie).toMatch(/^\d+$/);
      else expect(listener?.cookie).toBeUndefined();
      expect(list.tables.find((t) => t.table === 'tcp/inet')).toMatchObject({ status: 'ok', backend });
    });

    it('filters that match nothing give empty lists, not errors', async () => {
      const free = await listSockets({ backend, localPort: [[1, 1]], localAddress: '192.0.2.1' });
      expect(free.inet).toEqual([]);
      expect(free.unix).toEqual([]);
      expect((await listSockets({ backend, protocols: [], owners: true })).inet).toEqual([]);
      expect((await listSockets({ backend, states: ['SYN_SENT'], localPort: v4Port })).inet).toEqual([]);
      expect((await countSockets({ backend, localPort: [] })).total).toBe(0);
    });

    it('who listens on a port: the listener only, with its owner, both families', async () => {
      const v4 = await findListeners(v4Port, { backend });
      expect(v4.map((s) => [s.protocol, s.localAddress, s.stateName, s.pid])).toEqual([['tcp', '127.0.0.1', 'LISTEN', process.pid]]);
      const dual = await findListeners(dualPort, { backend });
      expect(dual.map((s) => [s.family, s.localAddress])).toEqual([['inet6', '::']]);
      // A v4 question finds the dual-stack listener through its v4-mapped form only if it is bound to one; '::' is not.
      expect(await findListeners([v6Port], { backend, families: ['inet'] })).toEqual([]);
      const udpPort = udp[0]!.address().port;
      expect((await findListeners(udpPort, { backend })).map((s) => s.protocol)).toEqual(['udp']);
    });

    it("owners: 'all' lists every holder of a shared listener, in /proc order", async () => {
      // A Python server that forks: parent and child hold the same listening socket.
      const child = spawn('python3', ['-c', SHARED_LISTENER], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
      try {
        const line = await new Promise<string>((resolve, reject) => {
          let text = '';
          child.stdout.on('data', (d: Buffer) => {
            text += d.toString();
            if (text.includes('\n')) resolve(text);
          });
          child.once('exit', (code) => reject(new Error(`the listener exited (${code}) after printing ${JSON.stringify(text)}`)));
        });
        const [port, parent, forked] = line.trim().split(' ').map(Number) as [number, number, number];
        const [all] = await findListeners(port, { backend, owners: 'all' });
        expect(all?.owners?.map((o) => o.pid).sort()).toEqual([parent, forked].sort());
        const [first] = await findListeners(port, { backend });
        expect(first?.pid).toBe(all?.pid);
        expect(first?.owners?.[0]).toEqual(all?.owners?.[0]);
      } finally {
        process.kill(-child.pid!, 'SIGKILL'); // both processes (their own process group)
      }
    });

    it('which sockets a process holds', async () => {
      const mine = await socketsOfProcess(process.pid, { backend });
      for (const port of [v4Port, v6Port, dualPort]) expect(mine.some((s) => s.localPort === port && s.stateName === 'LISTEN')).toBe(true);
      expect(mine.every((s) => s.owners!.some((o) => o.pid === process.pid))).toBe(true);
      expect(await socketsOfProcess(0x7ffffffe, { backend })).toEqual([]);
    });

    it('counts equal the grouped listing, sync and async', async () => {
      const query: SocketQuery = { backend, protocols: ['tcp', 'udp'], localPort: [...ours] };
      const list = await listSockets(query);
      const expected = new Map<string, number>();
      for (const s of list.inet) {
        const key = `${s.protocol} ${s.stateName}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
      const counts = await countSockets(query, { by: ['protocol', 'state'] });
      expect(counts.total).toBe(list.inet.length);
      expect(new Map(counts.groups.map((g) => [`${g.protocol} ${g.state}`, g.count]))).toEqual(expected);
      expect(countSocketsSync(query, { by: ['protocol', 'state'] }).groups).toEqual(counts.groups);
      // Queue sums per group equal the records' (our sockets are idle: both lists see the same queues).
      const sums = await countSockets(query, { by: 'state', sum: ['recvQueue', 'sendQueue'] });
      const expectedSums = new Map<string, [number, number, number]>();
      for (const s of list.inet) {
        const [n, r, w] = expectedSums.get(s.stateName) ?? [0, 0, 0];
        expectedSums.set(s.stateName, [n + 1, r + s.recvQueue, w + s.sendQueue]);
      }
      expect(new Map(sums.groups.map((g) => [g.state, [g.count, g.recvQueue, g.sendQueue]]))).toEqual(expectedSums);
      expect((await countSockets(query, { sum: 'sendQueue' })).groups).toEqual([
        { count: list.inet.length, sendQueue: list.inet.reduce((n, s) => n + s.sendQueue, 0) },
      ]);
      const byPid = await countSockets({ ...query, pid: process.pid }, { by: 'pid' });
      expect(byPid.groups).toEqual([{ pid: process.pid, count: byPid.total }]);
      expect(byPid.total).toBeGreaterThanOrEqual(list.inet.filter((s) => ours.has(s.localPort) && s.stateName === 'LISTEN').length);
    });

    it('verify true, false or unset: the same sockets, each once, when none come and go', async () => {
      const query: SocketQuery = { backend, protocols: ['tcp', 'udp'] };
      const keys = (list: { inet: InetSocket[] }) => list.inet.filter(isOurs).map((s) => `${s.protocol} ${s.localAddress}:${s.localPort} ${s.remoteAddress}:${s.remotePort} ${s.state}`).sort();
      const plain = keys(await listSockets(query));
      expect(plain.length).toBeGreaterThanOrEqual(11); // 3 listeners, 3 clients, 3 accepted, 2 UDP
      expect(new Set(plain).size).toBe(plain.length);
      for (const verify of [true, false]) {
        expect(keys(await listSockets({ ...query, verify }))).toEqual(plain);
        expect(keys(listSocketsSync({ ...query, verify }))).toEqual(plain);
        expect((await countSockets({ ...query, verify, localPort: [...ours] })).total).toBe(plain.length);
      }
    });

    it('kernel-side filters give what the same filter gives applied to a full listing', async () => {
      const portOf = fc.constantFrom(...ours, 0, 1, 65535);
      const portSpec = fc.oneof(
        portOf,
        fc.array(fc.oneof(portOf, fc.tuple(portOf, portOf).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number])), { maxLength: 3 }),
      );
      const address = fc.constantFrom('127.0.0.1', '127.0.0.0/8', '::1', '::', '::/0', '0.0.0.0/0', '::ffff:127.0.0.1', '::ffff:0:0/96', '10.0.0.0/8', '127.0.0.1/32');
      const addressSpec = fc.oneof(address, fc.array(address, { maxLength: 2 }));
      const filter = fc.record(
        {
          protocols: fc.subarray(['tcp', 'udp'] as const, { minLength: 1 }),
          selection: fc.constantFrom('all', 'listening', 'connected') as fc.Arbitrary<'all' | 'listening' | 'connected'>,
          states: fc.subarray(['LISTEN', 'ESTABLISHED', 'CLOSE', 'TIME_WAIT'] as const, { minLength: 1 }),
          localPort: portSpec,
          remotePort: portSpec,
          localAddress: addressSpec,
          remoteAddress: addressSpec,
          uid: fc.constantFrom(process.getuid?.() ?? 0, 12345),
        },
        { requiredKeys: ['protocols'] },
      );
      const full = (await listSockets({ backend, protocols: ['tcp', 'udp'] })).inet.filter(isOurs);
      const key = (s: InetSocket) => `${s.protocol} ${s.localAddress}:${s.localPort} ${s.remoteAddress}:${s.remotePort} ${s.state}`;
      await fc.assert(
        fc.asyncProperty(filter, async (query) => {
          const got = (await listSockets({ backend, ...query })).inet.filter(isOurs).map(key).sort();
          const expected = full.filter((s) => reference(query, s)).map(key).sort();
          expect(got).toEqual(expected);
        }),
        { numRuns: 150 },
      );
    });

    it('aborts: before the call, and while it runs', async () => {
      const aborted = AbortSignal.abort(new Error('no longer needed'));
      const before = await rejection(listSockets({ backend, signal: aborted }));
      expect(before.name).toBe('AbortError');
      expect(before.code).toBe('ABORT_ERR');
      expect((await rejection(countSockets({ backend, signal: aborted }))).code).toBe('ABORT_ERR');
      expect(() => listSocketsSync({ backend, signal: aborted })).toThrow(expect.objectContaining({ code: 'ABORT_ERR' }));
      // During: abort as soon as the call has started (the reads are under way off the main thread).
      const controller = new AbortController();
      const running = listSockets({ backend, owners: true, signal: controller.signal });
      controller.abort();
      expect((await rejection(running)).code).toBe('ABORT_ERR');
      // A signal that never fires changes nothing.
      expect((await listSockets({ backend, signal: new AbortController().signal })).inet.some(isOurs)).toBe(true);
    });
  });
});

const SHARED_LISTENER = `
import os, socket, sys, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()
parent = os.getpid()
pid = os.fork()
if pid == 0:
    os.close(1)  # the test reads the parent's line only; this end must not keep the pipe open
    time.sleep(60); sys.exit(0)
print(s.getsockname()[1], parent, pid, flush=True)
try:
    time.sleep(60)
finally:
    os.kill(pid, 9)
`;
import { netstatFailure } from '../harness/errors';

/** The query's meaning, written plainly over a record (what the backends must agree with). */
function reference(query: SocketQuery, s: InetSocket): boolean {
  if (query.protocols !== undefined && !query.protocols.includes(s.protocol)) return false;
  if (query.selection !== undefined && query.selection !== 'all') {
    const server = s.protocol === 'tcp' ? s.remotePort === 0 : s.remoteAddress === '0.0.0.0' || s.remoteAddress === '::';
    if (server !== (query.selection === 'listening')) return false;
  }
  if (query.states !== undefined && !query.states.includes(s.stateName as never)) return false;
  const portOk = (spec: SocketQuery['localPort'], port: number) => {
    if (spec === undefined) return true;
    if (typeof spec === 'number') return port === spec;
    return spec.some((item) => (typeof item === 'number' ? port === item : port >= item[0] && port <= item[1]));
  };
  const addressOk = (spec: SocketQuery['localAddress'], text: string) => {
    if (spec === undefined) return true;
    return (typeof spec === 'string' ? [spec] : spec).some((entry) => {
      const [host, length] = entry.split('/') as [string, string | undefined];
      const v4 = net.isIPv4(host);
      const bits = length === undefined ? (v4 ? 32 : 128) : Number(length);
      let candidate = text;
      if (v4 && net.isIPv6(text)) {
        // A v4 prefix matches the v4-mapped form of an IPv6 address.
        if (!/^::ffff:\d+\.\d+\.\d+\.\d+$/.test(text)) return false;
        candidate = text.slice(7);
      }
      if (net.isIPv4(candidate) !== v4) return false;
      const width = v4 ? 32 : 128;
      const shift = BigInt(width - bits);
      return bits === 0 || addressValue(candidate) >> shift === addressValue(host) >> shift;
    });
  };
  if (!portOk(query.localPort, s.localPort) || !portOk(query.remotePort, s.remotePort)) return false;
  if (!addressOk(query.localAddress, s.localAddress) || !addressOk(query.remoteAddress, s.remoteAddress)) return false;
  if (query.uid !== undefined && s.uid !== query.uid) return false;
  return true;
}

/** An address as one big number, via the socket address parser Node itself uses (independent of src/). */
function addressValue(text: string): bigint {
  if (net.isIPv4(text)) return text.split('.').reduce((v, part) => (v << 8n) | BigInt(part), 0n);
  // Expand '::' and an embedded dotted quad by hand.
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const groups = (part: string | undefined): number[] =>
    !part ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ((n) => [n >>> 16, n & 0xffff])(Number(addressValue(g))) : [parseInt(g, 16)]));
  const first = groups(head);
  const last = text.includes('::') ? groups(tail) : [];
  const all = text.includes('::') ? [...first, ...Array<number>(8 - first.length - last.length).fill(0), ...last] : first;
  return all.reduce((v, g) => (v << 16n) | BigInt(g), 0n);
}
