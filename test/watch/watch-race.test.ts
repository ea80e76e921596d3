/**
 * The netlink watch's two sources meeting: destroy notifications that arrive
 * while a dump is in flight, and notifications the kernel drops (overflow).
 * Made deterministic by wrapping, in this process, the dump (`listSockets`
 * as src/watch.ts imports it: held open after it read the tables) and the
 * notification thread's callback (`watchDestroyed`: batches dropped and an
 * overflow reported instead). Live sockets of this process on 127.0.0.1;
 * the query selects only their ports, so the host's other sockets do not
 * matter (their notifications do arrive, and are ignored).
 */
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SocketList } from '../../src/api';
import { type NativeBinding, loadNative } from '../../src/native';
import { type SocketEvent, type SocketWatch, watchSockets } from '../../src/watch';

type ListSockets = typeof import('../../src/api').listSockets;
type OnBatch = Parameters<NativeBinding['watchDestroyed']>[1];

/** What the test does to the next dump once it has read the tables (then the dump returns). */
let holdNextDump: ((list: SocketList) => Promise<void>) | undefined;
/** When set, notification batches go here instead of to the watch (which gets `deliver`). */
let divertBatches: ((cookies: Uint32Array, overflow: boolean, error: Error | null, deliver: OnBatch) => void) | undefined;

vi.mock('../../src/api', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/api')>();
  const listSockets: ListSockets = async (...args) => {
    const list = await actual.listSockets(...args);
    const hold = holdNextDump;
    holdNextDump = undefined;
    if (hold !== undefined) await hold(list);
    return list;
  };
  return { ...actual, listSockets };
});

vi.mock('../../src/native', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/native')>();
  return {
    ...actual,
    nativeOutcome: () => {
      const outcome = actual.nativeOutcome();
      if (!('binding' in outcome)) return outcome;
      const real = outcome.binding;
      const binding = new Proxy(real, {
        get(target, key) {
          if (key === 'watchDestroyed') {
            return (netns: Parameters<NativeBinding['watchDestroyed']>[0], onBatch: OnBatch) =>
              target.watchDestroyed(netns, (cookies, overflow, error) => {
                if (divertBatches !== undefined) divertBatches(cookies, overflow, error, onBatch);
                else onBatch(cookies, overflow, error);
              });
          }
          const value = Reflect.get(target, key) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      return { binding };
    },
  };
});


const noNative = (() => {
  const outcome = loadNative();
  return 'binding' in outcome ? undefined : `native addon not available: ${outcome.message}`;
})();
if (noNative !== undefined) console.log(`test/watch/watch-race.test.ts: skipped: ${noNative}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Seen {
  type: SocketEvent['type'];
  reason?: string;
  state: string;
  localPort: number;
  remotePort: number;
  dumps: number;
}

/** A watch of the given local ports (netlink), recording its events. */
function watchPorts(ports: number[], intervalMs: number) {
  const watch: SocketWatch = watchSockets({ backend: 'netlink', protocols: ['tcp'], families: ['inet'], localPort: ports }, { intervalMs });
  const events: Seen[] = [];
  const done = (async () => {
    for await (const e of watch) {
      const s = e.socket as { stateName: string; localPort: number; remotePort: number };
      events.push({ type: e.type, reason: e.type === 'removed' ? e.reason : undefined, state: s.stateName, localPort: s.localPort, remotePort: s.remotePort, dumps: watch.stats.dumps });
    }
  })();
  const until = async (what: string, test: () => boolean, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(events)}`);
      await sleep(2);
    }
  };
  const dumpsPass = async (n: number) => {
    const target = watch.stats.dumps + n;
    await until(`${n} dumps`, () => watch.stats.dumps >= target);
  };
  return { watch, events, done, until, dumpsPass };
}

describe.skipIf(noNative !== undefined)('netlink watch: notifications against dumps', () => {
  let server: net.Server;
  let port: number;
  beforeAll(async () => {
    // The server side closes when the client does: the client is the active closer (TIME_WAIT).
    server = net.createServer((s) => {
      s.on('error', () => {});
      s.on('end', () => s.end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    holdNextDump = undefined;
    divertBatches = undefined;
    await new Promise((resolve) => server.close(resolve));
  });

  const connect = () =>
    new Promise<net.Socket>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => resolve(c));
    });
  const closeGracefully = (c: net.Socket) =>
    new Promise<void>((resolve) => {
      c.on('close', () => resolve());
      c.end();
    });

  describe('a reported connection closed (gracefully, by the client) while a dump is in flight', () => {
    let events: Seen[];
    let clientPort: number;
    let heldDumps: number;
    beforeAll(async () => {
      const client = await connect();
      clientPort = client.localPort!;
      const w = watchPorts([clientPort], 100);
      events = w.events;
      await w.until('the client added', () => events.some((e) => e.type === 'added'));
      let released!: () => void;
      const release = new Promise<void>((resolve) => (released = resolve));
      let held = false;
      // The next dump has read the tables (the client is in them, ESTABLISHED) when the
      // client closes; it returns only once the removal was delivered.
      holdNextDump = async () => {
        held = true;
        await release;
      };
      await w.until('a dump to hold', () => held);
      heldDumps = w.watch.stats.dumps;
      await closeGracefully(client);
      await w.until('the client removed', () => events.some((e) => e.type === 'removed'));
      released();
      await w.dumpsPass(3); // the held one, then two with the TIME_WAIT remnant listed
      await w.watch.close();
      await w.done;
    }, 30_000);

    it('is removed once, by its notification, while the dump was held', () => {
      expect(events.slice(0, 2).map((e) => [e.type, e.reason ?? '', e.state])).toEqual([
        ['added', '', 'ESTABLISHED'],
        ['removed', 'destroyed', 'ESTABLISHED'],
      ]);
      expect(events[1]!.dumps).toBe(heldDumps); // the held dump had not been applied yet
      expect(events.every((e) => e.localPort === clientPort)).toBe(true);
    });

    // A cookie freed while a dump is in flight stays a remnant: the next dump's
    // TIME_WAIT record (same cookie) is not reported as a new socket.
    it('its TIME_WAIT remnant (same cookie) is never reported afterwards', () => {
      expect(events.map((e) => e.type)).toEqual(['added', 'removed']);
    });
  });

  describe('notifications dropped by the kernel (overflow): a dump resynchronises', () => {
    let events: Seen[];
    let clientPort: number;
    let overflows: number;
    beforeAll(async () => {
      const client = await connect();
      clientPort = client.localPort!;
      const w = watchPorts([clientPort, port], 100);
      events = w.events;
      // The listener, and both sides of the connection.
      await w.until('both sides added', () => events.filter((e) => e.type === 'added').length === 3);
      // From now on the batches are lost, and the loss is reported (as the thread does on ENOBUFS).
      divertBatches = (_cookies, _overflow, error, deliver) => deliver(new Uint32Array(0), true, error);
      await closeGracefully(client);
      await sleep(50);
      // No notification came through: the server side (LAST_ACK, then freed) and the
      // client (freed, leaving its TIME_WAIT remnant) must be found by the dumps.
      await w.dumpsPass(4);
      divertBatches = undefined;
      overflows = w.watch.stats.overflows;
      await w.watch.close();
      await w.done;
    }, 30_000);

    it('the overflow was seen', () => {
      expect(overflows).toBeGreaterThanOrEqual(1);
    });

    it('the passive closer (no remnant) is removed by the resynchronising dump', () => {
      const serverSide = events.filter((e) => e.localPort === port && e.remotePort === clientPort);
      expect(serverSide.filter((e) => e.type !== 'changed').map((e) => [e.type, e.reason ?? ''])).toEqual([
        ['added', ''],
        ['removed', 'gone'],
      ]);
    });

    // The client's TIME_WAIT remnant keeps the socket's cookie: the resynchronising
    // dump reports the socket removed (its notification was lost), not changed.
    it('the active closer is removed by the resynchronising dump, its remnant not reported', () => {
      const clientSide = events.filter((e) => e.localPort === clientPort);
      expect(clientSide.map((e) => [e.type, e.reason ?? ''])).toEqual([
        ['added', ''],
        ['removed', 'gone'],
      ]);
    });
  });
});
