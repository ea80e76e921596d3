/**
 * The HTTP server in process (src/exporter/server.ts), the shared in-flight
 * collection, and collect() against the library: which calls a collection
 * makes, and that live results agree with a direct count.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { countSockets } from '../../src/api';
import { type CollectApi, CollectTimeoutError, collect, createSharedCollector } from '../../src/exporter/collect';
import { createExporterServer } from '../../src/exporter/server';
import { type Collection, summarize } from '../../src/exporter/snapshot';
import { samples, tempDir } from './helpers';

const OPTIONS = { maxListeners: 100, byProcess: false, topProcesses: 10 };

function fixedSnapshot(duration = 0.125): Collection {
  return summarize(
    {
      total: 3,
      groups: [{ protocol: 'tcp', family: 'inet', state: 'ESTABLISHED', count: 3, recvQueue: 0, sendQueue: 0 }],
      tables: [{ table: 'tcp/inet', status: 'ok', backend: 'netlink', reason: 'native engine loaded', rows: 0, malformed: 0 }],
      sources: [],
    },
    [{ protocol: 'tcp', family: 'inet', localAddress: '127.0.0.1', localPort: 8080 }],
    OPTIONS,
    duration,
  );
}

// The servers listen on UNIX sockets: a TCP listener here, in the host's network
// namespace, would show up in other test files' live listings running beside these.
const socketDir = tempDir('netstat-exporter-http-');
let servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => {
    s.close(resolve);
    s.closeAllConnections();
  })));
  servers = [];
});
afterAll(() => fs.rmSync(socketDir, { recursive: true, force: true }));

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: () => Promise<string>;
}

/** One HTTP request over the server's UNIX socket, on a connection of its own. */
function request(socketPath: string, urlPath: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: urlPath, method: init.method ?? 'GET', headers: init.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: async () => body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Requests the last server started has received. */
let received = 0;

let serial = 0;

/** Start a server on a fresh UNIX socket; returns the socket's path. */
async function serve(options: Parameters<typeof createExporterServer>[0]): Promise<string> {
  const server = createExporterServer(options);
  servers.push(server);
  received = 0;
  server.on('request', () => received++);
  const socketPath = path.join(socketDir, `s${++serial}.sock`);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return socketPath;
}

const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

describe('the exporter server', () => {
  it('/ says what it is and links /metrics', async () => {
    const url = await serve({ collect: async () => fixedSnapshot(), version: '9.9.9' });
    const res = await request(url, '/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const body = await res.text();
    expect(body).toContain('netstat-exporter 9.9.9');
    expect(body).toContain('<a href="/metrics">');
  });

  it('/metrics: the Prometheus text format by default, OpenMetrics when Accept asks for it', async () => {
    const url = await serve({ collect: async () => fixedSnapshot() });
    const text = await request(url, '/metrics');
    expect(text.status).toBe(200);
    expect(text.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = await text.text();
    expect(samples(body).get('netstat_sockets{protocol="tcp",family="inet",state="ESTABLISHED"}')).toBe(3);
    expect(body).not.toContain('# EOF');

    const om = await request(url, '/metrics', { headers: { accept: PROMETHEUS_ACCEPT } });
    expect(om.status).toBe(200);
    expect(om.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const omBody = await om.text();
    expect(omBody.endsWith('# EOF\n')).toBe(true);
    expect(samples(omBody)).toEqual(samples(body));
  });

  it('answers 404 elsewhere, 405 to other methods, and HEAD without a body', async () => {
    const url = await serve({ collect: async () => fixedSnapshot() });
    const missing = await request(url, '/nope');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('/metrics');
    expect((await request(url, '/metrics/extra')).status).toBe(404);
    const post = await request(url, '/metrics', { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
    const head = await request(url, '/metrics', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    // A query string does not change the route.
    expect((await request(url, '/metrics?x=1')).status).toBe(200);
  });

  it('concurrent scrapes share one in-flight collection; the next scrape collects anew', async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    const url = await serve({
      collect: async () => {
        calls++;
        await new Promise<void>((resolve) => (release = resolve));
        return fixedSnapshot(calls);
      },
    });
    const scrapes = [1, 2, 3, 4, 5].map((i) => request(url, '/metrics', i % 2 === 0 ? { headers: { accept: PROMETHEUS_ACCEPT } } : {}).then((r) => r.text()));
    // Every request reaches the server before the collection ends.
    for (let i = 0; i < 1000 && received < 5; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(received).toBe(5);
    release();
    const bodies = await Promise.all(scrapes);
    expect(calls).toBe(1);
    for (const body of bodies) expect(samples(body).get('netstat_scrape_duration_seconds')).toBe(1);

    const next = request(url, '/metrics').then((r) => r.text());
    for (let i = 0; i < 100 && calls === 1; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    expect(samples(await next).get('netstat_scrape_duration_seconds')).toBe(2);
    expect(calls).toBe(2);
  });

  it('a collection that times out answers 503 with a clear body, counted once however many scrapes shared it', async () => {
    const errors: unknown[] = [];
    let timeOut = true;
    let release: () => void = () => undefined;
    const url = await serve({
      collect: async () => {
        if (!timeOut) return fixedSnapshot();
        await new Promise<void>((resolve) => (release = resolve));
        throw new CollectTimeoutError(10);
      },
      onError: (error) => errors.push(error),
    });
    const scrapes = [1, 2, 3].map(() => request(url, '/metrics'));
    for (let i = 0; i < 1000 && received < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    for (const res of await Promise.all(scrapes)) {
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(await res.text()).toBe('collection timed out after 10 s (--collect-timeout): the scrape was abandoned and its work stopped; netstat_collect_timeouts_total counts these\n');
    }
    expect(errors.every((e) => e instanceof CollectTimeoutError)).toBe(true);
    timeOut = false;
    const ok = await request(url, '/metrics');
    expect(ok.status).toBe(200);
    const body = await ok.text();
    expect(body).toContain('# TYPE netstat_collect_timeouts_total counter\n');
    expect(samples(body).get('netstat_collect_timeouts_total')).toBe(1);
    // A later timeout adds one.
    timeOut = true;
    const again = request(url, '/metrics');
    for (let i = 0; i < 1000 && received < 5; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    expect((await again).status).toBe(503);
    timeOut = false;
    expect(samples(await (await request(url, '/metrics')).text()).get('netstat_collect_timeouts_total')).toBe(2);
  });

  it('a failed collection answers 500 with the reason and is reported; the next scrape tries again', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const url = await serve({
      collect: async () => {
        if (fail) throw Object.assign(new Error('tcp/inet: permission denied'), { code: 'EACCES' });
        return fixedSnapshot();
      },
      onError: (error) => errors.push(error),
    });
    const res = await request(url, '/metrics');
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('collection failed: tcp/inet: permission denied\n');
    expect(errors).toHaveLength(1);
    fail = false;
    expect((await request(url, '/metrics')).status).toBe(200);
  });
});

describe('createSharedCollector', () => {
  it('shares a pending promise, rejections included, and starts anew once settled', async () => {
    let calls = 0;
    const shared = createSharedCollector(async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (calls === 2) throw new Error('boom');
      return calls;
    });
    const [a, b] = await Promise.all([shared(), shared()]);
    expect([a, b, calls]).toEqual([1, 1, 1]);
    const failing = [shared(), shared()];
    await expect(failing[0]).rejects.toThrow('boom');
    await expect(failing[1]).rejects.toThrow('boom');
    expect(calls).toBe(2);
    expect(await shared()).toBe(3);
  });

  it('a collector that throws synchronously rejects instead', async () => {
    const shared = createSharedCollector<number>(() => {
      throw new Error('sync');
    });
    await expect(shared()).rejects.toThrow('sync');
  });
});

describe('collect', () => {
  it('uses the counts path for every table (by state alone, one key) and asks only for listening sockets as records', async () => {
    const calls: Array<[string, unknown, unknown?]> = [];
    const api: CollectApi = {
      countSockets: async (query, options) => {
        calls.push(['countSockets', query, options]);
        return { total: 0, groups: [], tables: [], sources: [] };
      },
      listSockets: async (query) => {
        calls.push(['listSockets', query]);
        return { inet: [], unix: [], tables: [], missing: [], sources: [], malformed: 0 };
      },
    };
    const sum = ['recvQueue', 'sendQueue'];
    await collect(OPTIONS, api);
    expect(calls).toEqual([
      ...['tcp', 'udp', 'udplite', 'raw'].flatMap((p) =>
        ['inet', 'inet6'].map((f) => ['countSockets', { protocols: [p], families: [f] }, { by: 'state', sum }]),
      ),
      ['countSockets', { protocols: ['unix'] }, { by: 'state' }],
      ['listSockets', { protocols: ['tcp'], states: ['LISTEN'], timers: false }],
      ['listSockets', { protocols: ['udp', 'udplite', 'raw'], selection: 'listening', timers: false }],
    ]);
    calls.length = 0;
    // By process: one count over every table, so /proc is walked once.
    await collect({ ...OPTIONS, byProcess: true, backend: 'procfs' }, api);
    expect(calls).toEqual([
      ['countSockets', { backend: 'procfs' }, { by: ['protocol', 'family', 'state', 'program'], sum }],
      ['listSockets', { backend: 'procfs', protocols: ['tcp'], states: ['LISTEN'], timers: false }],
      ['listSockets', { backend: 'procfs', protocols: ['udp', 'udplite', 'raw'], selection: 'listening', timers: false }],
    ]);
  });

  it('labels each table count with its protocol and family and joins tables and sources', async () => {
    const api: CollectApi = {
      countSockets: async (query) => {
        const protocol = query?.protocols?.[0] as string;
        const family = query?.families?.[0] ?? 'unix';
        const table = protocol === 'unix' ? 'unix' : `${protocol}/${family}`;
        const report = { table, status: 'ok' as const, backend: 'netlink' as const, reason: 'native engine loaded', rows: 0, malformed: 0 };
        const groups = protocol === 'tcp' ? [{ state: 'ESTABLISHED', count: family === 'inet' ? 3 : 2, recvQueue: 10, sendQueue: 1 }, { state: 'LISTEN', count: 1, recvQueue: 4, sendQueue: 0 }] : protocol === 'unix' ? [{ state: 'CONNECTED', count: 6 }] : [];
        return { total: groups.reduce((n, g) => n + g.count, 0), groups, tables: [report], sources: [{ table, backend: 'netlink', reason: 'native engine loaded' }] };
      },
      listSockets: async () => ({ inet: [], unix: [], tables: [], missing: [], sources: [], malformed: 0 }),
    };
    const [s] = (await collect(OPTIONS, api)).snapshots;
    if (s === undefined) throw new Error('no snapshot');
    const count = (p: string, f: string, st: string) => s.sockets.find((g) => g.protocol === p && g.family === f && g.state === st)?.count;
    expect([count('tcp', 'inet', 'ESTABLISHED'), count('tcp', 'inet6', 'ESTABLISHED'), count('tcp', 'inet6', 'LISTEN'), count('unix', 'unix', 'CONNECTED')]).toEqual([3, 2, 1, 6]);
    expect(count('udp', 'inet', 'CLOSE')).toBe(0);
    expect(s.tcpQueues).toEqual([{ family: 'inet', receive: 10, send: 1 }, { family: 'inet6', receive: 10, send: 1 }]);
    expect(s.tables.map((t) => t.table)).toEqual(['tcp/inet', 'tcp/inet6', 'udp/inet', 'udp/inet6', 'udplite/inet', 'udplite/inet6', 'raw/inet', 'raw/inet6', 'unix']);
  });

  it('live: counts every table of this machine, as countSockets does, and times itself', async () => {
    const [collection, direct] = await Promise.all([collect(OPTIONS), countSockets({}, { by: ['protocol', 'family'] })]);
    expect(collection.snapshots).toHaveLength(1);
    const snapshot = collection.snapshots[0]!;
    expect(snapshot.target).toEqual({});
    expect(snapshot.tables.map((t) => t.table)).toEqual(direct.tables.map((t) => t.table));
    for (const t of snapshot.tables) expect(['netlink', 'procfs']).toContain(t.backend);
    // Sockets come and go between two dumps; unix and the TCP tables are present either way.
    const protocols = new Set(snapshot.sockets.map((g) => g.protocol));
    for (const p of ['tcp', 'udp', 'unix']) expect(protocols).toContain(p);
    expect(collection.durationSeconds).toBeGreaterThan(0);
    expect(collection.durationSeconds).toBeLessThan(30);
  });

  it('live: a timeout shorter than any collection rejects with CollectTimeoutError', async () => {
    const started = Date.now();
    const error = await collect({ ...OPTIONS, timeoutSeconds: 0.001 }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(CollectTimeoutError);
    expect((error as CollectTimeoutError).message).toBe('collection timed out after 0.001 s (--collect-timeout)');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

/** A fake library that records its calls and answers empty results (or never, for `hang`). */
function recordingApi(hang = false): { api: CollectApi; calls: Array<[string, Record<string, unknown>, unknown?]> } {
  const calls: Array<[string, Record<string, unknown>, unknown?]> = [];
  const wait = (query: { signal?: AbortSignal } | undefined): Promise<void> =>
    hang
      ? new Promise((_, reject) => query?.signal?.addEventListener('abort', () => reject(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }))))
      : Promise.resolve();
  const api: CollectApi = {
    countSockets: async (query, options) => {
      calls.push(['countSockets', { ...query }, options]);
      await wait(query);
      return { total: 0, groups: [], tables: [], sources: [] };
    },
    listSockets: async (query) => {
      calls.push(['listSockets', { ...query }]);
      await wait(query);
      return { inet: [], unix: [], tables: [], missing: [], sources: [], malformed: 0 };
    },
  };
  return { api, calls };
}

describe('collect with the new options', () => {
  const sum = ['recvQueue', 'sendQueue'];

  it('--by-container: one count over every table, by cgroup too (its path names the container and the runtime)', async () => {
    const { api, calls } = recordingApi();
    await collect({ ...OPTIONS, byContainer: true }, api);
    expect(calls[0]).toEqual(['countSockets', {}, { by: ['protocol', 'family', 'state', 'cgroup'], sum }]);
    expect(calls).toHaveLength(3);
  });

  it('--all-netns: one count over every namespace by netns too, and the listener listings over every namespace', async () => {
    const { api, calls } = recordingApi();
    await collect({ ...OPTIONS, byProcess: true, netns: 'all' }, api);
    expect(calls).toEqual([
      ['countSockets', { netns: 'all' }, { by: ['netns', 'protocol', 'family', 'state', 'program'], sum }],
      ['listSockets', { netns: 'all', protocols: ['tcp'], states: ['LISTEN'], timers: false }],
      ['listSockets', { netns: 'all', protocols: ['udp', 'udplite', 'raw'], selection: 'listening', timers: false }],
    ]);
    calls.length = 0;
    await collect({ ...OPTIONS, netns: 4242 }, api);
    expect(calls[0]).toEqual(['countSockets', { netns: 4242 }, { by: ['netns', 'protocol', 'family', 'state'], sum }]);
  });

  it('a timeout hands every library call one AbortSignal, aborts it when due, and rejects with CollectTimeoutError', async () => {
    const { api, calls } = recordingApi(true);
    const started = Date.now();
    const error = await collect({ ...OPTIONS, timeoutSeconds: 0.2 }, api).then(() => undefined, (e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(CollectTimeoutError);
    expect((error as CollectTimeoutError).seconds).toBe(0.2);
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(3_000);
    expect(calls).toHaveLength(11);
    const signals = new Set(calls.map(([, query]) => query.signal));
    expect(signals.size).toBe(1);
    const [signal] = [...signals] as [AbortSignal];
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal.aborted).toBe(true);
  });

  it('rejects on time even when the work ignores the abort', async () => {
    const api: CollectApi = {
      countSockets: () => new Promise(() => undefined),
      listSockets: () => new Promise(() => undefined),
    };
    const error = await collect({ ...OPTIONS, timeoutSeconds: 0.05 }, api).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(CollectTimeoutError);
  });

  it('a collection within its timeout is not affected by it', async () => {
    const { api } = recordingApi();
    const collection = await collect({ ...OPTIONS, timeoutSeconds: 5 }, api);
    expect(collection.snapshots).toHaveLength(1);
  });
});
