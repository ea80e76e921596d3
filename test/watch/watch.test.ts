/**
 * `watchSockets` on both backends. The live scenarios run in child processes
 * inside private network namespaces (`unshare -n`, scenario.js), so only the
 * sockets they make exist; the child records every event and the test
 * checks the module's rules on the record:
 *
 * - the first dump reports what exists as `added` (nothing with `initial: false`);
 * - new sockets are `added` once, per side of a connection, however many
 *   dumps they live through; a state or queue change is `changed` with the
 *   previous values; a closed socket is `removed` once — on netlink from the
 *   destroy notifications (reason `destroyed`, before the next dump), on
 *   /proc from the next dump (`gone`); UNIX sockets from the dumps on both;
 * - a socket is never removed without having been added, nor added twice;
 * - every way of stopping ends the iteration, leaves no thread behind, and
 *   lets the process exit by itself;
 * - bad arguments throw NetstatErrors at once; a failing dump ends the
 *   iteration with its error, while a table that disappears is `absent`
 *   (its sockets are then removed), not an error.
 *
 * Notifications racing dumps (netlink) are in watch-race.test.ts; heavy churn
 * in churn.test.ts (churn.js); the CLI's --watch in cli.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetstatError, type SocketEvent, watchSockets } from '../../src/index';
import { skipReason } from '../harness/needs';
import { DIST_INDEX, type Recorded, lastJson, requireDist, runChild, streamViolations } from './helpers';

const SCENARIO = path.join(__dirname, 'scenario.js');
const BACKENDS = ['netlink', 'procfs'] as const;
type Backend = (typeof BACKENDS)[number];

const unavailable = skipReason('the watch namespace scenarios', { unshare: ['net'], commands: ['ip'] });

interface ScenarioResult {
  intervalMs: number;
  events: Recorded[];
  end: { ok: boolean; code?: string; message?: string };
  stats: { dumps: number; notifications: number; overflows: number; notified: boolean };
  endedAt: number;
  [key: string]: unknown;
}

/** Run a scenario in a private namespace; also how long the process took to exit after its result. */
async function runScenario<T extends object = Record<string, unknown>>(name: string, backend: Backend, arg?: string): Promise<ScenarioResult & T & { exitLagMs: number; status: number | null; stderr: string }> {
  const run = await runChild(process.execPath, [SCENARIO, name, backend, ...(arg === undefined ? [] : [arg])], { timeoutMs: 45_000 });
  const result = lastJson<ScenarioResult & T>(run);
  if (run.status !== 0) throw new Error(`scenario ${name} ${backend} exited with ${String(run.status)}: ${run.stderr}`);
  return { ...result, exitLagMs: run.exitedAt - result.endedAt, status: run.status, stderr: run.stderr };
}

/**
 * The scenarios take seconds each, mostly waiting for dumps: they all start
 * at once (a few at a time) when the suite starts, and each test awaits its own.
 */
const CONCURRENCY = 4;
let running = 0;
const queued: Array<() => void> = [];
const memo = new Map<string, Promise<unknown>>();
function scenario<T extends object = Record<string, unknown>>(name: string, backend: Backend, arg?: string) {
  const id = [name, backend, arg ?? ''].join(' ');
  let run = memo.get(id) as ReturnType<typeof runScenario<T>> | undefined;
  if (run === undefined) {
    run = (async () => {
      if (running >= CONCURRENCY) await new Promise<void>((resolve) => queued.push(resolve));
      running++;
      try {
        return await runScenario<T>(name, backend, arg);
      } finally {
        running--;
        queued.shift()?.();
      }
    })();
    run.catch(() => {}); // awaited by its test; not an unhandled rejection meanwhile
    memo.set(id, run);
  }
  return run;
}
const STOP_HOWS = ['break', 'return', 'close', 'signal', 'pre-aborted', 'immediate'] as const;

const eventsOf = (events: Recorded[], test: (e: Recorded) => boolean) => events.filter(test);
const shape = (events: Recorded[]) => events.map((e) => (e.type === 'removed' ? `removed/${e.reason}` : e.type));

/**
 * The events of one side of a connection, by its ports. /proc knows no
 * cookie: a record with inode 0 there (a not-yet-accepted socket, an
 * orphan, a TIME_WAIT remnant) is a socket of its own, so only the records
 * with the socket's inode are its events.
 */
function sideEvents(events: Recorded[], backend: Backend, localPort: number, remotePort: number): Recorded[] {
  return events.filter((e) => e.kind === 'inet' && e.localPort === localPort && e.remotePort === remotePort && (backend === 'netlink' || e.inode !== 0));
}

describe.skipIf(unavailable !== undefined)('watchSockets in a private namespace', () => {
  beforeAll(() => {
    requireDist();
    for (const name of ['lifecycle', 'short-lived', 'remnant', 'unix', 'initial-false']) for (const backend of BACKENDS) void scenario(name, backend);
    for (const backend of BACKENDS) for (const how of STOP_HOWS) void scenario('stop', backend, how);
  });

  describe.each(BACKENDS)('backend %s', (backend) => {
    // The lifecycle scenario takes ~7 s; run it once and check it piece by piece.
    let life: ScenarioResult & {
      beforePort: number;
      laterPort: number;
      clientPort: number;
      marks: { initialDone: number; laterListening: number; connected: number; wrote: number; halfClosed: number; closeDumps: number; closed: number };
    };
    beforeAll(async () => {
      life = await scenario(`lifecycle`, backend);
    }, 60_000);

    it('the stream is consistent and the watch ended without error', () => {
      expect(life.end).toEqual({ ok: true });
      expect(streamViolations(life.events)).toEqual([]);
      expect(life.stats.notified).toBe(backend === 'netlink');
      if (backend === 'netlink') for (const e of life.events) expect(e.key).toBe(e.cookie);
    });

    it('reports the sockets of the first dump as added', () => {
      const initial = eventsOf(life.events, (e) => e.localPort === life.beforePort && e.remotePort === 0);
      expect(shape(initial)).toEqual(['added']);
      expect(initial[0]).toMatchObject({ state: 'LISTEN', dumps: 1 });
    });

    it('reports a new listener as added, once', () => {
      const later = eventsOf(life.events, (e) => e.localPort === life.laterPort);
      expect(shape(later)).toEqual(['added']);
      expect(later[0]!.state).toBe('LISTEN');
      expect(later[0]!.time).toBeGreaterThanOrEqual(life.marks.laterListening);
    });

    it('a connection kept over many dumps: one added and one removed per side', () => {
      const server = sideEvents(life.events, backend, life.beforePort, life.clientPort);
      const client = sideEvents(life.events, backend, life.clientPort, life.beforePort);
      for (const side of [server, client]) {
        expect(new Set(side.map((e) => e.key)).size).toBe(1);
        expect(side.filter((e) => e.type === 'added')).toHaveLength(1);
        expect(side.filter((e) => e.type === 'removed')).toHaveLength(1);
        expect(side[0]!.type).toBe('added');
        expect(side[side.length - 1]!.type).toBe('removed');
        // It lived through many dumps after being added.
        expect(side[side.length - 1]!.dumps - side[0]!.dumps).toBeGreaterThanOrEqual(5);
      }
    });

    it('unread bytes: changed, with the previous recvQueue', () => {
      const server = sideEvents(life.events, backend, life.beforePort, life.clientPort);
      const queue = server.find((e) => e.type === 'changed' && e.recvQueue === 1000);
      expect(queue).toBeDefined();
      expect(queue!.state).toBe('ESTABLISHED');
      expect(queue!.previous).toMatchObject({ stateName: 'ESTABLISHED', recvQueue: 0 });
      expect(queue!.time).toBeGreaterThanOrEqual(life.marks.wrote);
    });

    it('the peer closes, the socket is kept: changed to CLOSE_WAIT, previous ESTABLISHED', () => {
      const server = sideEvents(life.events, backend, life.beforePort, life.clientPort);
      const closeWait = server.find((e) => e.type === 'changed' && e.state === 'CLOSE_WAIT');
      expect(closeWait).toBeDefined();
      expect(closeWait!.previous).toMatchObject({ state: 1, stateName: 'ESTABLISHED', recvQueue: 1000 });
      expect(closeWait!.time).toBeGreaterThanOrEqual(life.marks.halfClosed);
      // The side that sent the FIN moved on too.
      const client = sideEvents(life.events, backend, life.clientPort, life.beforePort);
      const finWait = client.find((e) => e.type === 'changed');
      expect(finWait?.state).toMatch(/^FIN_WAIT[12]$/);
      expect(finWait?.previous?.stateName).toBe('ESTABLISHED');
    });

    it(backend === 'netlink' ? 'removals are destroy notifications, before the next dump' : 'removals are seen by the next dump', () => {
      const removals = [
        ...sideEvents(life.events, backend, life.beforePort, life.clientPort),
        ...sideEvents(life.events, backend, life.clientPort, life.beforePort),
      ].filter((e) => e.type === 'removed');
      expect(removals).toHaveLength(2);
      for (const r of removals) {
        expect(r.time).toBeGreaterThanOrEqual(life.marks.closed);
        if (backend === 'netlink') {
          expect(r.reason).toBe('destroyed');
          // Closed right after a dump: no dump was applied before the event arrived,
          // and it came well within the interval.
          expect(r.dumps).toBe(life.marks.closeDumps);
          expect(r.time - life.marks.closed).toBeLessThan(life.intervalMs / 2);
        } else {
          expect(r.reason).toBe('gone');
          expect(r.dumps).toBe(life.marks.closeDumps + 1);
          expect(r.time - life.marks.closed).toBeLessThan(life.intervalMs + 1000);
        }
      }
    });

    it('initial: false reports nothing of the first dump, then new sockets', async () => {
      const r = await scenario<{ beforePort: number; laterPort: number }>('initial-false', backend);
      expect(r.end).toEqual({ ok: true });
      expect(eventsOf(r.events, (e) => e.localPort === r.beforePort)).toEqual([]);
      expect(shape(eventsOf(r.events, (e) => e.localPort === r.laterPort))).toEqual(['added']);
      for (const e of r.events) expect(e.dumps).toBeGreaterThanOrEqual(2);
    });

    it("UNIX sockets (protocols ['unix']): added and removed, removals from the dumps", async () => {
      const r = await scenario<{ inodes: Record<'first' | 'second' | 'client' | 'accepted', number> }>('unix', backend);
      expect(r.end).toEqual({ ok: true });
      expect(streamViolations(r.events)).toEqual([]);
      for (const e of r.events) expect(e.kind).toBe('unix');
      const of = (inode: number) => eventsOf(r.events, (e) => e.inode === inode);
      expect(shape(of(r.inodes.first))).toEqual(['added']);
      expect(of(r.inodes.first)[0]).toMatchObject({ dumps: 1, state: 'LISTENING', key: `unix ${r.inodes.first}` });
      expect(of(r.inodes.first)[0]!.path).toMatch(/first\.sock$/);
      for (const which of ['second', 'client', 'accepted'] as const) {
        expect(shape(of(r.inodes[which])), which).toEqual(['added', 'removed/gone']);
      }
      expect(of(r.inodes.client)[0]).toMatchObject({ state: 'CONNECTED', path: '' });
      expect(of(r.inodes.second)[0]!.state).toBe('LISTENING');
    });

    it('sockets opened and closed quickly: never removed without added, never added twice', async () => {
      const r = await scenario<{ made: number; port: number }>('short-lived', backend);
      expect(r.end).toEqual({ ok: true });
      expect(r.made).toBe(400);
      expect(streamViolations(r.events)).toEqual([]);
      // Some of them were caught by a dump (the check is not vacuous) ...
      const caught = r.events.filter((e) => e.type === 'added' && e.state === 'ESTABLISHED');
      expect(caught.length).toBeGreaterThan(0);
      // ... and every caught connection's removal was seen.
      for (const added of caught) expect(r.events.some((e) => e.type === 'removed' && e.key === added.key), added.key).toBe(true);
      // (Removals may be 'gone' on netlink too: a socket reset or closed by the kernel
      // leaves the tables before its owner closes it and the kernel frees it.)
    });

    describe('a connection opened and closed between two dumps', () => {
      let r: ScenarioResult & { port: number; ports: { reset: number; graceful: number }; dumpsAtOpen: number; dumpsAtClose: number };
      beforeAll(async () => {
        r = await scenario('remnant', backend);
        expect(r.end).toEqual({ ok: true });
        // Both were opened and closed within one interval.
        expect(r.dumpsAtClose).toBe(r.dumpsAtOpen);
      }, 60_000);

      it('closed with an RST: never reported', () => {
        expect(eventsOf(r.events, (e) => e.localPort === r.ports.reset || e.remotePort === r.ports.reset)).toEqual([]);
      });

      it('closed gracefully: the sockets themselves are never reported', () => {
        const graceful = eventsOf(r.events, (e) => (e.localPort === r.ports.graceful || e.remotePort === r.ports.graceful) && e.state !== 'TIME_WAIT');
        expect(graceful).toEqual([]);
      });

      // On /proc a TIME_WAIT remnant is a socket of its own. On netlink too, here: the
      // kernel gives a socket its cookie only when something asks for it (a dump), so
      // the remnant of a socket no dump saw gets a cookie of its own, not the socket's.
      it('its TIME_WAIT remnant is a socket of its own: added (later removed when it ends)', () => {
        const remnant = eventsOf(r.events, (e) => e.localPort === r.ports.graceful);
        expect(remnant.map((e) => [e.type, e.state, e.inode])).toEqual([['added', 'TIME_WAIT', 0]]);
      });
    });
  });

  describe('stopping ends the iteration, stops every thread, and the process exits by itself', () => {
    interface Stop {
      how: string;
      baseline: number;
      during?: number;
      after: number;
      count: number;
      loopEnded: boolean;
      endedAfterMs: number;
      nextDone: boolean;
    }
    it.each(BACKENDS.flatMap((b) => STOP_HOWS.map((h) => [b, h] as const)))('%s: %s', async (backend, how) => {
      const r = await scenario<Stop>('stop', backend, how);
      expect(r.stderr).toBe('');
      expect(r.nextDone).toBe(true);
      expect(r.after).toBeLessThanOrEqual(r.baseline);
      // No timer, thread or handle is left: the process exits by itself at once.
      expect(r.exitLagMs).toBeLessThan(2000);
      if (how === 'pre-aborted') {
        expect([r.count, r.stats.dumps, r.stats.notified, r.loopEnded]).toEqual([0, 0, false, true]);
        return;
      }
      if (how === 'immediate') {
        expect([r.count, r.stats.dumps]).toEqual([0, 0]);
      } else {
        expect(r.loopEnded).toBe(true);
        expect(r.count).toBeGreaterThanOrEqual(1);
        expect(r.endedAfterMs).toBeLessThan(5000);
      }
      // While it ran, netlink had its notification thread (the check is not vacuous).
      if (backend === 'netlink') expect(r.during).toBe(r.baseline + 1);
      else expect(r.during).toBe(r.baseline);
    });
  });
});

describe('argument validation: NetstatErrors thrown synchronously', () => {
  /** A /proc root with no tables: every table is absent, the watch finds nothing. */
  let emptyRoot: string;
  beforeAll(() => {
    emptyRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'watch-empty-'));
  });
  afterAll(() => fs.rmSync(emptyRoot, { recursive: true, force: true }));

  const cases: Array<[string, unknown, unknown, string]> = [
    ['intervalMs 5', {}, { intervalMs: 5 }, 'ERR_OUT_OF_RANGE'],
    ["intervalMs 'x'", {}, { intervalMs: 'x' }, 'ERR_INVALID_ARG_TYPE'],
    ['intervalMs NaN', {}, { intervalMs: NaN }, 'ERR_OUT_OF_RANGE'],
    ['intervalMs Infinity', {}, { intervalMs: Infinity }, 'ERR_OUT_OF_RANGE'],
    ['intervalMs 2**31', {}, { intervalMs: 2 ** 31 }, 'ERR_OUT_OF_RANGE'],
    ['an unknown option', {}, { interval: 100 }, 'ERR_UNKNOWN_OPTION'],
    ['options not an object', {}, 'fast', 'ERR_INVALID_ARG_TYPE'],
    ['options null', {}, null, 'ERR_INVALID_ARG_TYPE'],
    ["initial 'no'", {}, { initial: 'no' }, 'ERR_INVALID_ARG_TYPE'],
    ['signal not an AbortSignal', {}, { signal: {} }, 'ERR_INVALID_ARG_TYPE'],
    ['query.signal (it belongs in options)', { signal: new AbortController().signal }, { intervalMs: 100 }, 'ERR_INVALID_ARG_VALUE'],
    ['an unknown protocol', { protocols: ['tcpx'] }, undefined, 'ERR_INVALID_ARG_VALUE'],
    ['an unknown query key', { protocol: ['tcp'] }, undefined, 'ERR_UNKNOWN_OPTION'],
    ['a port out of range', { localPort: 70000 }, undefined, 'ERR_OUT_OF_RANGE'],
    ['a query that is not an object', 'tcp', undefined, 'ERR_INVALID_ARG_TYPE'],
  ];
  it.each(cases)('%s', (_, query, options, code) => {
    let thrown: unknown;
    try {
      // Synchronously: the call itself throws, no iterator is returned.
      (watchSockets as (q: unknown, o: unknown) => unknown)(query, options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NetstatError);
    expect((thrown as NetstatError).code).toBe(code);
  });

  it('a signal aborted before the call: the watch is over at once, nothing started', async () => {
    const controller = new AbortController();
    controller.abort();
    const w = watchSockets({ procRoot: emptyRoot, backend: 'procfs', protocols: ['tcp'] }, { signal: controller.signal });
    expect(await w.next()).toEqual({ value: undefined, done: true });
    expect(w.stats).toEqual({ dumps: 0, notifications: 0, overflows: 0, notified: false });
  });

  // A signal already aborted gets no listener: reusing it must not leak one per call.
  it('a signal aborted before the call keeps no listener of the watch', async () => {
    const controller = new AbortController();
    controller.abort();
    const w = watchSockets({ procRoot: emptyRoot, backend: 'procfs', protocols: ['tcp'] }, { signal: controller.signal });
    await w.close();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('a watch that ends removes its listener from the signal', async () => {
    const controller = new AbortController();
    const w = watchSockets({ procRoot: emptyRoot, backend: 'procfs', protocols: ['tcp'] }, { signal: controller.signal, intervalMs: 10_000 });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    await w.close();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('accepts the limits (10 ms, 2**31 - 1) and stops at once', async () => {
    for (const intervalMs of [10, 2 ** 31 - 1]) {
      const w = watchSockets({ procRoot: emptyRoot, backend: 'procfs', protocols: ['tcp'] }, { intervalMs, initial: false });
      await w.close();
      expect(await w.next()).toEqual({ value: undefined, done: true });
    }
  });
});

describe('a failing dump ends the iteration with its error; a missing table is absent', () => {
  const TCP_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  const TCP_ROWS =
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 100 0 0 10 0\n' +
    '   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0 20 4 30 10 -1\n';
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'watch-fail-'));
    fs.chmodSync(tmp, 0o755);
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function procTree(name: string): { root: string; tcp: string } {
    const root = path.join(tmp, name);
    fs.mkdirSync(path.join(root, 'net'), { recursive: true });
    const tcp = path.join(root, 'net', 'tcp');
    fs.writeFileSync(tcp, TCP_HEADER + TCP_ROWS);
    return { root, tcp };
  }
  const query = (root: string) => ({ procRoot: root, backend: 'procfs' as const, protocols: ['tcp' as const], families: ['inet' as const] });

  it('net/tcp becomes a directory after the first dump: queued events first, then EISDIR, then done', async () => {
    const { root, tcp } = procTree('eisdir');
    const w = watchSockets(query(root), { intervalMs: 20 });
    const first = await w.next();
    expect(first.value).toMatchObject({ type: 'added', kind: 'inet' });
    fs.rmSync(tcp);
    fs.mkdirSync(tcp);
    const second = await w.next();
    expect(second.value).toMatchObject({ type: 'added' });
    const failure = await w.next().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(NetstatError);
    expect((failure as NetstatError).code).toBe('EISDIR');
    expect(await w.next()).toEqual({ value: undefined, done: true });
    expect(w.stats).toMatchObject({ dumps: 1, notified: false });
  });

  it('for await rethrows the error of the first dump', async () => {
    const { root, tcp } = procTree('eisdir-first');
    fs.rmSync(tcp);
    fs.mkdirSync(tcp);
    const seen: SocketEvent[] = [];
    const run = async () => {
      for await (const e of watchSockets(query(root), { intervalMs: 20 })) seen.push(e);
    };
    await expect(run()).rejects.toMatchObject({ code: 'EISDIR' });
    expect(seen).toEqual([]);
  });

  it('net/tcp deleted after the first dump: absent, not an error — its sockets are removed (gone) and the watch goes on', async () => {
    const { root, tcp } = procTree('enoent');
    const w = watchSockets(query(root), { intervalMs: 20 });
    const events: SocketEvent[] = [];
    for (let i = 0; i < 2; i++) events.push((await w.next()).value as SocketEvent);
    fs.rmSync(tcp);
    for (let i = 0; i < 2; i++) events.push((await w.next()).value as SocketEvent);
    expect(events.map((e) => [e.type, e.type === 'removed' ? e.reason : '', e.socket.inode])).toEqual([
      ['added', '', 4242],
      ['added', '', 4343],
      ['removed', 'gone', 4242],
      ['removed', 'gone', 4343],
    ]);
    // Still running: further dumps succeed (and find nothing new).
    const dumps = w.stats.dumps;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(w.stats.dumps).toBeGreaterThan(dumps);
    await w.close();
  });

  it.skipIf(skipReason('the watch as uid 65534', { root: true }) !== undefined)('as uid 65534, net/tcp made unreadable (EACCES): absent too, not an error', () => {
    const { root, tcp } = procTree('eacces');
    fs.chownSync(path.join(root, 'net'), 65534, 65534);
    fs.chownSync(tcp, 65534, 65534);
    const script = `
      const fs = require('fs');
      const { watchSockets } = require(${JSON.stringify(DIST_INDEX)});
      (async () => {
        const w = watchSockets({ procRoot: ${JSON.stringify(root)}, backend: 'procfs', protocols: ['tcp'], families: ['inet'] }, { intervalMs: 20 });
        const out = [];
        try {
          for await (const e of w) {
            out.push(e.type + '/' + (e.reason || '') + '/' + e.socket.inode);
            if (out.length === 2) fs.chmodSync(${JSON.stringify(tcp)}, 0);
            if (out.length === 4) break;
          }
          console.log(JSON.stringify({ out, dumps: w.stats.dumps }));
        } catch (error) { console.log(JSON.stringify({ out, error: error.code })); }
      })();`;
    const r = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ out: ['added//4242', 'added//4343', 'removed/gone/4242', 'removed/gone/4343'] });
  });
});
