/**
 * The metric mapping on fixed collections: library answers → snapshot →
 * exposition, in both formats; address classes; caps; content negotiation.
 */
import { describe, expect, it } from 'vitest';
import type { SocketCounts, TableReport } from '../../src/api';
import { negotiateFormat } from '../../src/exporter/accept';
import { METRICS, renderMetrics } from '../../src/exporter/metrics';
import { addressClass, summarize, type Snapshot } from '../../src/exporter/snapshot';
import { samples } from './helpers';

function table(name: string, backend: 'netlink' | 'procfs' = 'netlink', status: 'ok' | 'absent' = 'ok'): TableReport {
  return { table: name, status, backend, reason: backend === 'netlink' ? 'native engine loaded' : 'forced by NETSTAT_BACKEND=procfs', rows: 0, malformed: 0 };
}

const TABLES = [
  table('tcp/inet'),
  table('tcp/inet6'),
  table('udp/inet'),
  table('udp/inet6'),
  table('udplite/inet', 'netlink', 'absent'),
  table('udplite/inet6', 'netlink', 'absent'),
  table('raw/inet', 'procfs'),
  table('raw/inet6', 'procfs'),
  table('unix'),
];

const COUNTS: SocketCounts = {
  total: 0,
  groups: [
    { protocol: 'tcp', family: 'inet', state: 'ESTABLISHED', count: 40, recvQueue: 1000, sendQueue: 20 },
    { protocol: 'tcp', family: 'inet', state: 'LISTEN', count: 3, recvQueue: 7, sendQueue: 0 },
    { protocol: 'tcp', family: 'inet', state: 'CLOSE_WAIT', count: 2, recvQueue: 5, sendQueue: 0 },
    { protocol: 'tcp', family: 'inet6', state: 'TIME_WAIT', count: 9, recvQueue: 0, sendQueue: 0 },
    { protocol: 'udp', family: 'inet', state: 'CLOSE', count: 4, recvQueue: 300, sendQueue: 0 },
    { protocol: 'raw', family: 'inet6', state: 'CLOSE', count: 1, recvQueue: 0, sendQueue: 0 },
    { protocol: 'unix', family: 'unix', state: 'CONNECTED', count: 120, recvQueue: 0, sendQueue: 0 },
    { protocol: 'unix', family: 'unix', state: 'LISTENING', count: 12, recvQueue: 0, sendQueue: 0 },
  ],
  tables: TABLES,
  sources: TABLES.map((t) => ({ table: t.table, backend: t.backend, reason: t.reason })),
};

const LISTENERS = [
  { protocol: 'tcp' as const, family: 'inet' as const, localAddress: '0.0.0.0', localPort: 22 },
  { protocol: 'tcp' as const, family: 'inet' as const, localAddress: '127.0.0.1', localPort: 631 },
  { protocol: 'tcp' as const, family: 'inet' as const, localAddress: '10.1.2.3', localPort: 8080 },
  { protocol: 'tcp' as const, family: 'inet6' as const, localAddress: '::', localPort: 22 },
  { protocol: 'tcp' as const, family: 'inet6' as const, localAddress: '::ffff:127.0.0.1', localPort: 5432 },
  { protocol: 'tcp' as const, family: 'inet6' as const, localAddress: '::', localPort: 22 }, // SO_REUSEPORT twin
  { protocol: 'udp' as const, family: 'inet' as const, localAddress: '127.0.0.53', localPort: 53 },
  { protocol: 'raw' as const, family: 'inet6' as const, localAddress: '::', localPort: 58 },
];

const OPTIONS = { maxListeners: 100, byProcess: false, topProcesses: 10 };

describe('addressClass', () => {
  it.each([
    ['0.0.0.0', 'wildcard'],
    ['::', 'wildcard'],
    ['::ffff:0.0.0.0', 'wildcard'],
    ['127.0.0.1', 'loopback'],
    ['127.12.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.0.0.1', 'specific'],
    ['128.0.0.1', 'specific'],
    ['::ffff:10.0.0.1', 'specific'],
    ['fe80::1', 'specific'],
    ['2001:db8::1', 'specific'],
  ])('%s is %s', (address, expected) => {
    expect(addressClass(address)).toBe(expected);
  });
});

describe('summarize', () => {
  const snapshot = summarize(COUNTS, LISTENERS, OPTIONS, 0.25);

  it('reports every state of every table read, zero or not, and none for absent tables', () => {
    const tcp4 = snapshot.sockets.filter((g) => g.protocol === 'tcp' && g.family === 'inet');
    expect(tcp4.map((g) => g.state)).toEqual(['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING']);
    expect(tcp4.find((g) => g.state === 'ESTABLISHED')?.count).toBe(40);
    expect(tcp4.find((g) => g.state === 'SYN_SENT')?.count).toBe(0);
    expect(snapshot.sockets.filter((g) => g.protocol === 'udplite')).toEqual([]);
    expect(snapshot.sockets.filter((g) => g.protocol === 'unix')).toEqual([
      { protocol: 'unix', family: 'unix', state: 'LISTENING', count: 12 },
      { protocol: 'unix', family: 'unix', state: 'CONNECTED', count: 120 },
      { protocol: 'unix', family: 'unix', state: 'UNCONNECTED', count: 0 },
      { protocol: 'unix', family: 'unix', state: 'CONNECTING', count: 0 },
      { protocol: 'unix', family: 'unix', state: 'DISCONNECTING', count: 0 },
    ]);
    const total = snapshot.sockets.reduce((n, g) => n + g.count, 0);
    expect(total).toBe(COUNTS.groups.reduce((n, g) => n + g.count, 0));
  });

  it('adds up TCP queues without listeners (a listener Recv-Q is its accept queue)', () => {
    expect(snapshot.tcpQueues).toEqual([
      { family: 'inet', receive: 1005, send: 20 },
      { family: 'inet6', receive: 0, send: 0 },
    ]);
  });

  it('groups listeners by protocol, family, address class and port, lowest port first', () => {
    expect(snapshot.listeners).toEqual([
      { protocol: 'tcp', family: 'inet', addressClass: 'wildcard', port: 22, count: 1 },
      { protocol: 'tcp', family: 'inet6', addressClass: 'wildcard', port: 22, count: 2 },
      { protocol: 'udp', family: 'inet', addressClass: 'loopback', port: 53, count: 1 },
      { protocol: 'raw', family: 'inet6', addressClass: 'wildcard', port: 58, count: 1 },
      { protocol: 'tcp', family: 'inet', addressClass: 'loopback', port: 631, count: 1 },
      { protocol: 'tcp', family: 'inet6', addressClass: 'loopback', port: 5432, count: 1 },
      { protocol: 'tcp', family: 'inet', addressClass: 'specific', port: 8080, count: 1 },
    ]);
    expect(snapshot.listenersOmitted).toBe(0);
  });

  it('caps the listeners and says how many groups the cap left out', () => {
    const capped = summarize(COUNTS, LISTENERS, { ...OPTIONS, maxListeners: 3 }, 0);
    expect(capped.listeners.map((l) => l.port)).toEqual([22, 22, 53]);
    expect(capped.listenersOmitted).toBe(4);
    expect(summarize(COUNTS, LISTENERS, { ...OPTIONS, maxListeners: 0 }, 0).listenersOmitted).toBe(7);
  });

  it('names each table backend and reason', () => {
    expect(snapshot.tables).toContainEqual({ table: 'raw/inet', status: 'ok', backend: 'procfs', reason: 'forced by NETSTAT_BACKEND=procfs' });
    expect(snapshot.tables).toContainEqual({ table: 'udplite/inet6', status: 'absent', backend: 'netlink', reason: 'native engine loaded' });
    expect(snapshot.processes).toBeUndefined();
  });

  it('by process: the top N programs, the number left out, and the sockets nobody visible holds', () => {
    const counts: SocketCounts = {
      ...COUNTS,
      groups: [
        { protocol: 'tcp', family: 'inet', state: 'ESTABLISHED', program: 'nginx', count: 30, recvQueue: 0, sendQueue: 0 },
        { protocol: 'tcp', family: 'inet', state: 'LISTEN', program: 'nginx', count: 2, recvQueue: 0, sendQueue: 0 },
        { protocol: 'tcp', family: 'inet', state: 'ESTABLISHED', program: 'sshd', count: 5, recvQueue: 0, sendQueue: 0 },
        { protocol: 'unix', family: 'unix', state: 'CONNECTED', program: 'systemd', count: 7, recvQueue: 0, sendQueue: 0 },
        { protocol: 'tcp', family: 'inet', state: 'TIME_WAIT', program: null, count: 11, recvQueue: 0, sendQueue: 0 },
        { protocol: 'udp', family: 'inet', state: 'CLOSE', program: 'chronyd', count: 1, recvQueue: 0, sendQueue: 0 },
      ],
      sources: [...COUNTS.sources, { table: 'owners', backend: 'native', reason: 'native engine loaded' }],
    };
    const s = summarize(counts, [], { ...OPTIONS, byProcess: true, topProcesses: 2 }, 0);
    expect(s.processes).toEqual({ top: [{ program: 'nginx', count: 32 }, { program: 'systemd', count: 7 }], omitted: 2, unowned: 11 });
    expect(s.sockets.find((g) => g.protocol === 'tcp' && g.family === 'inet' && g.state === 'ESTABLISHED')?.count).toBe(35);
    expect(s.tables.at(-1)).toEqual({ table: 'owners', status: 'ok', backend: 'native', reason: 'native engine loaded' });
  });
});

describe('renderMetrics', () => {
  const snapshot = summarize(COUNTS, LISTENERS, OPTIONS, 0.25);

  it('writes the Prometheus text format with HELP and TYPE for every metric', async () => {
    const text = await renderMetrics([snapshot]);
    for (const def of Object.values(METRICS)) {
      if (def.name.startsWith('netstat_process_') || def.name === 'netstat_unowned_sockets') {
        expect(text).not.toContain(def.name); // only with --by-process
        continue;
      }
      expect(text).toContain(`# HELP ${def.name} `);
      expect(text).toContain(`# TYPE ${def.name} gauge\n`);
    }
    const s = samples(text);
    expect(s.get('netstat_sockets{protocol="tcp",family="inet",state="ESTABLISHED"}')).toBe(40);
    expect(s.get('netstat_sockets{protocol="tcp",family="inet6",state="LISTEN"}')).toBe(0);
    expect(s.get('netstat_sockets{protocol="unix",family="unix",state="LISTENING"}')).toBe(12);
    expect(s.get('netstat_tcp_queue_bytes{family="inet",queue="receive"}')).toBe(1005);
    expect(s.get('netstat_tcp_queue_bytes{family="inet",queue="send"}')).toBe(20);
    expect(s.get('netstat_listening_sockets{protocol="tcp",family="inet6",address_class="wildcard",port="22"}')).toBe(2);
    expect(s.get('netstat_listening_sockets{protocol="tcp",family="inet6",address_class="loopback",port="5432"}')).toBe(1);
    expect(s.get('netstat_listening_groups_omitted')).toBe(0);
    expect(s.get('netstat_table_info{table="raw/inet",status="ok",backend="procfs",reason="forced by NETSTAT_BACKEND=procfs"}')).toBe(1);
    expect(s.get('netstat_scrape_duration_seconds')).toBe(0.25);
    expect(text.endsWith('\n')).toBe(true);
    expect(text).not.toContain('# EOF');
  });

  it('never puts an address or a remote port in a label', async () => {
    const text = await renderMetrics([snapshot]);
    const series = text.split('\n').filter((line) => !line.startsWith('#')).join('\n');
    expect(series).not.toMatch(/10\.1\.2\.3|127\.0\.0\.53|remote|peer/);
    const labelNames = new Set([...text.matchAll(/[{,]([a-z_]+)="/g)].map((m) => m[1]));
    expect([...labelNames].sort()).toEqual(['address_class', 'backend', 'family', 'port', 'protocol', 'queue', 'reason', 'state', 'status', 'table']);
  });

  it('writes OpenMetrics with the same samples, ending in # EOF', async () => {
    const text = await renderMetrics([snapshot]);
    const om = await renderMetrics([snapshot], 'openmetrics');
    expect(om.endsWith('# EOF\n')).toBe(true);
    expect(om).not.toMatch(/\n\n/);
    expect(samples(om)).toEqual(samples(text));
  });

  it('by process: program labels, omitted programs and unowned sockets', async () => {
    const s: Snapshot = { ...snapshot, processes: { top: [{ program: 'nginx "worker"', count: 32 }], omitted: 3, unowned: 11 } };
    const values = samples(await renderMetrics([s]));
    expect(values.get('netstat_process_sockets{program="nginx \\"worker\\""}')).toBe(32);
    expect(values.get('netstat_process_programs_omitted')).toBe(3);
    expect(values.get('netstat_unowned_sockets')).toBe(11);
  });

  it('puts target labels on every series (how namespaces will slot in)', async () => {
    const a: Snapshot = { ...snapshot, target: { netns: 'a' } };
    const b: Snapshot = { ...snapshot, target: { netns: 'b' }, durationSeconds: 0.5 };
    const values = samples(await renderMetrics([a, b]));
    expect(values.get('netstat_sockets{netns="a",protocol="tcp",family="inet",state="ESTABLISHED"}')).toBe(40);
    expect(values.get('netstat_scrape_duration_seconds{netns="b"}')).toBe(0.5);
    expect([...values.keys()].every((k) => k.includes('netns="'))).toBe(true);
  });

  it('does not keep series from one render to the next', async () => {
    await renderMetrics([snapshot]);
    const empty = summarize({ ...COUNTS, groups: [] }, [], OPTIONS, 0);
    const text = await renderMetrics([empty]);
    expect(text).not.toContain('netstat_listening_sockets{');
    expect(samples(text).get('netstat_sockets{protocol="tcp",family="inet",state="ESTABLISHED"}')).toBe(0);
  });
});

describe('negotiateFormat', () => {
  it.each([
    [undefined, 'prometheus'],
    ['', 'prometheus'],
    ['*/*', 'prometheus'],
    ['text/plain', 'prometheus'],
    ['text/plain;version=0.0.4;q=1,*/*;q=0.1', 'prometheus'],
    // What Prometheus 2.x sends.
    ['application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', 'openmetrics'],
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics'],
    ['application/openmetrics-text', 'openmetrics'],
    ['application/openmetrics-text;version=0.0.1', 'prometheus'],
    ['application/openmetrics-text;q=0.2,text/plain;q=0.9', 'prometheus'],
    ['application/openmetrics-text;q=0', 'prometheus'],
    ['application/json', 'prometheus'],
  ])('%s → %s', (accept, expected) => {
    expect(negotiateFormat(accept)).toBe(expected);
  });
});
