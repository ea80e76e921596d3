/**
 * The metric mapping on fixed collections: library answers → snapshots →
 * exposition, in both formats; address classes; caps; per-process and
 * per-container top N; counts over namespaces split into one labelled
 * snapshot per namespace; content negotiation.
 */
import { describe, expect, it } from 'vitest';
import type { SocketCounts, TableReport } from '../../src/api';
import { negotiateFormat } from '../../src/exporter/accept';
import { METRICS, renderMetrics } from '../../src/exporter/metrics';
import { type Collection, type ListenerRecord, type Snapshot, type SummaryOptions, addressClass, summarize as summarizeAll } from '../../src/exporter/snapshot';
import { samples } from './helpers';

/** The one snapshot of a count in the exporter's own namespace. */
function summarize(counts: SocketCounts, listeners: readonly ListenerRecord[], options: SummaryOptions, duration: number): Snapshot {
  const collection = summarizeAll(counts, listeners, options, duration);
  expect(collection.snapshots).toHaveLength(1);
  expect(collection.namespaces).toBeUndefined();
  expect(collection.durationSeconds).toBe(duration);
  return collection.snapshots[0]!;
}

/** A collection of these snapshots. */
function of(snapshots: Snapshot[], durationSeconds = 0.25, rest: Partial<Collection> = {}): Collection {
  return { snapshots, durationSeconds, ...rest };
}

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

/** Metrics only some options (or a long-running exporter) export. */
const OPTIONAL = new Set<string>([
  METRICS.processes.name, METRICS.processesOmitted.name, METRICS.unowned.name,
  METRICS.containers.name, METRICS.containersOmitted.name, METRICS.unattributed.name,
  METRICS.netnsReadable.name, METRICS.netnsHiddenProcesses.name, METRICS.collectTimeouts.name,
]);

describe('renderMetrics', () => {
  const snapshot = summarize(COUNTS, LISTENERS, OPTIONS, 0.25);

  it('writes the Prometheus text format with HELP and TYPE for every metric', async () => {
    const text = await renderMetrics(of([snapshot]));
    for (const def of Object.values(METRICS)) {
      if (OPTIONAL.has(def.name)) {
        expect(text).not.toContain(def.name); // only with --by-process, --by-container, the netns options, or a server
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
    const text = await renderMetrics(of([snapshot]));
    const series = text.split('\n').filter((line) => !line.startsWith('#')).join('\n');
    expect(series).not.toMatch(/10\.1\.2\.3|127\.0\.0\.53|remote|peer/);
    const labelNames = new Set([...text.matchAll(/[{,]([a-z_]+)="/g)].map((m) => m[1]));
    expect([...labelNames].sort()).toEqual(['address_class', 'backend', 'family', 'port', 'protocol', 'queue', 'reason', 'state', 'status', 'table']);
    // The options add only program, runtime, container_id and netns.
    const everything = summarizeAll(NS_COUNTS, NS_LISTENERS, { ...OPTIONS, byProcess: true, byContainer: true }, 0);
    const all = await renderMetrics(everything, 'prometheus', { collectTimeouts: 0 });
    const more = new Set([...all.matchAll(/[{,]([a-z_]+)="/g)].map((m) => m[1]));
    expect([...more].filter((l) => !labelNames.has(l)).sort()).toEqual(['netns']);
  });

  it('writes OpenMetrics with the same samples, ending in # EOF', async () => {
    const text = await renderMetrics(of([snapshot]));
    const om = await renderMetrics(of([snapshot]), 'openmetrics');
    expect(om.endsWith('# EOF\n')).toBe(true);
    expect(om).not.toMatch(/\n\n/);
    expect(samples(om)).toEqual(samples(text));
  });

  it('by process: program labels, omitted programs and unowned sockets', async () => {
    const s: Snapshot = { ...snapshot, processes: { top: [{ program: 'nginx "worker"', count: 32 }], omitted: 3, unowned: 11 } };
    const values = samples(await renderMetrics(of([s])));
    expect(values.get('netstat_process_sockets{program="nginx \\"worker\\""}')).toBe(32);
    expect(values.get('netstat_process_programs_omitted')).toBe(3);
    expect(values.get('netstat_unowned_sockets')).toBe(11);
  });

  it('puts target labels on every series of a snapshot; the collection-wide series carry none', async () => {
    const a: Snapshot = { ...snapshot, target: { netns: 'a' } };
    const b: Snapshot = { ...snapshot, target: { netns: 'b' } };
    const values = samples(await renderMetrics(of([a, b], 0.5)));
    expect(values.get('netstat_sockets{netns="a",protocol="tcp",family="inet",state="ESTABLISHED"}')).toBe(40);
    expect(values.get('netstat_sockets{netns="b",protocol="tcp",family="inet",state="ESTABLISHED"}')).toBe(40);
    expect(values.get('netstat_listening_groups_omitted{netns="b"}')).toBe(0);
    expect(values.get('netstat_scrape_duration_seconds')).toBe(0.5);
    expect([...values.keys()].filter((k) => !k.includes('netns="'))).toEqual(['netstat_scrape_duration_seconds']);
  });

  it('does not keep series from one render to the next', async () => {
    await renderMetrics(of([snapshot]));
    const empty = summarize({ ...COUNTS, groups: [] }, [], OPTIONS, 0);
    const text = await renderMetrics(of([empty]));
    expect(text).not.toContain('netstat_listening_sockets{');
    expect(samples(text).get('netstat_sockets{protocol="tcp",family="inet",state="ESTABLISHED"}')).toBe(0);
  });
});

// A count over namespaces (netns: 'all'), as the library answers it: the exporter's own namespace
// (unnamed), 'blue' (named, read) and 'green' (named, EPERM); groups keyed by netns label, tables
// carrying the inode of the namespace they were read in, listeners carrying their namespace.
const OWN = { inode: 4026531840, pid: 1 };
const BLUE = { inode: 4026532300, name: 'blue' };
const GREEN = { inode: 4026532400, name: 'green' };
const nsTables = (inode: number): TableReport[] => TABLES.map((t) => ({ ...t, netns: inode }));
const NS_COUNTS: SocketCounts = {
  total: 0,
  groups: [
    { netns: 'net:[4026531840]', protocol: 'tcp', family: 'inet', state: 'ESTABLISHED', count: 40, recvQueue: 100, sendQueue: 0 },
    { netns: 'net:[4026531840]', protocol: 'tcp', family: 'inet', state: 'LISTEN', count: 2, recvQueue: 9, sendQueue: 0 },
    { netns: 'blue', protocol: 'tcp', family: 'inet', state: 'ESTABLISHED', count: 4, recvQueue: 7, sendQueue: 3 },
    { netns: 'blue', protocol: 'tcp', family: 'inet', state: 'LISTEN', count: 1, recvQueue: 0, sendQueue: 0 },
    { netns: 'blue', protocol: 'unix', family: 'unix', state: 'CONNECTED', count: 6, recvQueue: 0, sendQueue: 0 },
  ],
  tables: [...nsTables(OWN.inode), ...nsTables(BLUE.inode)],
  sources: TABLES.map((t) => ({ table: t.table, backend: t.backend, reason: t.reason })),
  namespaces: [
    { netns: OWN, label: 'net:[4026531840]', current: true, status: 'ok', sockets: 0 },
    { netns: BLUE, label: 'blue', current: false, status: 'ok', sockets: 0 },
    { netns: GREEN, label: 'green', current: false, status: 'unreadable', code: 'EPERM', message: 'cannot read network namespace green: Operation not permitted', sockets: 0 },
  ],
  hiddenProcesses: 0,
};
const NS_LISTENERS: ListenerRecord[] = [
  { protocol: 'tcp', family: 'inet', localAddress: '0.0.0.0', localPort: 22, netns: OWN },
  { protocol: 'tcp', family: 'inet', localAddress: '127.0.0.1', localPort: 631, netns: OWN },
  { protocol: 'tcp', family: 'inet', localAddress: '127.0.0.1', localPort: 8080, netns: BLUE },
  { protocol: 'udp', family: 'inet', localAddress: '0.0.0.0', localPort: 53, netns: BLUE },
];

describe('summarize over namespaces', () => {
  const collection = summarizeAll(NS_COUNTS, NS_LISTENERS, OPTIONS, 1.5);
  const find = (s: Snapshot | undefined, protocol: string, family: string, state: string) =>
    s?.sockets.find((g) => g.protocol === protocol && g.family === family && g.state === state)?.count;

  it('makes one snapshot per namespace read, labelled with its name or net:[INODE], in the library\'s order', () => {
    expect(collection.snapshots.map((s) => s.target)).toEqual([{ netns: 'net:[4026531840]' }, { netns: 'blue' }]);
    expect(collection.durationSeconds).toBe(1.5);
    expect(collection.hiddenProcesses).toBe(0);
  });

  it('gives each namespace its own counts, queues, listeners and tables, with every baseline state', () => {
    const [own, blue] = collection.snapshots;
    expect([find(own, 'tcp', 'inet', 'ESTABLISHED'), find(own, 'tcp', 'inet', 'LISTEN'), find(own, 'unix', 'unix', 'CONNECTED')]).toEqual([40, 2, 0]);
    expect([find(blue, 'tcp', 'inet', 'ESTABLISHED'), find(blue, 'tcp', 'inet', 'LISTEN'), find(blue, 'unix', 'unix', 'CONNECTED')]).toEqual([4, 1, 6]);
    // The same tables were read in each: the same series, zero or not.
    expect(own?.sockets.map((g) => `${g.protocol}/${g.family}/${g.state}`)).toEqual(blue?.sockets.map((g) => `${g.protocol}/${g.family}/${g.state}`));
    expect(blue?.sockets.reduce((n, g) => n + g.count, 0)).toBe(11);
    expect(own?.tcpQueues).toEqual([{ family: 'inet', receive: 100, send: 0 }, { family: 'inet6', receive: 0, send: 0 }]);
    expect(blue?.tcpQueues).toEqual([{ family: 'inet', receive: 7, send: 3 }, { family: 'inet6', receive: 0, send: 0 }]);
    expect(own?.listeners.map((l) => l.port)).toEqual([22, 631]);
    expect(blue?.listeners).toEqual([
      { protocol: 'udp', family: 'inet', addressClass: 'wildcard', port: 53, count: 1 },
      { protocol: 'tcp', family: 'inet', addressClass: 'loopback', port: 8080, count: 1 },
    ]);
    expect(blue?.tables.map((t) => t.table)).toEqual(TABLES.map((t) => t.table));
  });

  it('reports every namespace, read or not, with the reason', () => {
    expect(collection.namespaces).toEqual([
      { netns: 'net:[4026531840]', inode: OWN.inode, current: true, readable: true },
      { netns: 'blue', inode: BLUE.inode, current: false, readable: true },
      { netns: 'green', inode: GREEN.inode, current: false, readable: false, code: 'EPERM', message: 'cannot read network namespace green: Operation not permitted' },
    ]);
  });

  it('one namespace (--netns): one labelled snapshot', () => {
    const one = summarizeAll(
      { ...NS_COUNTS, groups: NS_COUNTS.groups.filter((g) => g.netns === 'blue'), tables: nsTables(BLUE.inode), namespaces: [NS_COUNTS.namespaces![1]!] },
      NS_LISTENERS.filter((l) => l.netns === BLUE),
      OPTIONS,
      0.1,
    );
    expect(one.snapshots).toHaveLength(1);
    expect(one.snapshots[0]?.target).toEqual({ netns: 'blue' });
    expect(find(one.snapshots[0], 'tcp', 'inet', 'ESTABLISHED')).toBe(4);
    expect(one.namespaces).toEqual([{ netns: 'blue', inode: BLUE.inode, current: false, readable: true }]);
  });

  it('renders netns on every namespace series, and netstat_netns_readable for every namespace', async () => {
    const text = await renderMetrics(collection);
    const values = samples(text);
    expect(values.get('netstat_sockets{netns="blue",protocol="unix",family="unix",state="CONNECTED"}')).toBe(6);
    expect(values.get('netstat_sockets{netns="net:[4026531840]",protocol="tcp",family="inet",state="ESTABLISHED"}')).toBe(40);
    expect(values.get('netstat_listening_sockets{netns="blue",protocol="tcp",family="inet",address_class="loopback",port="8080"}')).toBe(1);
    expect(values.get('netstat_tcp_queue_bytes{netns="blue",family="inet",queue="send"}')).toBe(3);
    expect(values.get('netstat_table_info{netns="blue",table="unix",status="ok",backend="netlink",reason="native engine loaded"}')).toBe(1);
    expect([...values.keys()].filter((k) => k.includes('netns="green"'))).toEqual(['netstat_netns_readable{netns="green"}']);
    expect(values.get('netstat_netns_readable{netns="green"}')).toBe(0);
    expect(values.get('netstat_netns_readable{netns="blue"}')).toBe(1);
    expect(values.get('netstat_netns_readable{netns="net:[4026531840]"}')).toBe(1);
    expect(values.get('netstat_netns_hidden_processes')).toBe(0);
    expect(values.get('netstat_scrape_duration_seconds')).toBe(1.5);
    expect(text).toContain('# TYPE netstat_netns_readable gauge\n');
    expect(samples(await renderMetrics(collection, 'openmetrics'))).toEqual(values);
  });

  it('no netns option: the output has no netns label and no namespace metric', async () => {
    const text = await renderMetrics(summarizeAll(COUNTS, LISTENERS, OPTIONS, 0.25));
    expect(text).not.toContain('netns');
  });
});

describe('by container', () => {
  const DOCKER = 'a'.repeat(64);
  const CRIO = 'b'.repeat(64);
  const PODMAN = 'c'.repeat(64);
  const counts: SocketCounts = {
    ...COUNTS,
    groups: [
      { protocol: 'tcp', family: 'inet', state: 'ESTABLISHED', cgroup: `/system.slice/docker-${DOCKER}.scope`, count: 30, recvQueue: 0, sendQueue: 0 },
      { protocol: 'tcp', family: 'inet', state: 'LISTEN', cgroup: `/system.slice/docker-${DOCKER}.scope`, count: 2, recvQueue: 0, sendQueue: 0 },
      // Two cgroups of one container (Podman's payload and its child): one series.
      { protocol: 'tcp', family: 'inet6', state: 'ESTABLISHED', cgroup: `/machine.slice/libpod-${PODMAN}.scope`, count: 3, recvQueue: 0, sendQueue: 0 },
      { protocol: 'tcp', family: 'inet6', state: 'ESTABLISHED', cgroup: `/machine.slice/libpod-${PODMAN}.scope/container`, count: 4, recvQueue: 0, sendQueue: 0 },
      { protocol: 'tcp', family: 'inet', state: 'LISTEN', cgroup: '/system.slice/sshd.service', count: 1, recvQueue: 0, sendQueue: 0 },
      { protocol: 'udp', family: 'inet', state: 'CLOSE', cgroup: `/kubepods.slice/kubepods-pod1.slice/crio-${CRIO}.scope`, count: 1, recvQueue: 0, sendQueue: 0 },
      { protocol: 'tcp', family: 'inet', state: 'TIME_WAIT', cgroup: null, count: 9, recvQueue: 0, sendQueue: 0 },
      { protocol: 'tcp', family: 'inet', state: 'ESTABLISHED', cgroup: '/', count: 5, recvQueue: 0, sendQueue: 0 },
      { protocol: 'unix', family: 'unix', state: 'CONNECTED', cgroup: null, count: 100, recvQueue: 0, sendQueue: 0 },
      // A cgroup removed before its id was looked up: the library leaves the bare id.
      { protocol: 'tcp', family: 'inet', state: 'CLOSE_WAIT', cgroup: '12345', count: 2, recvQueue: 0, sendQueue: 0 },
    ],
  };

  it('the top N containers with their runtime, the number left out, and the sockets in none', () => {
    const s = summarize(counts, [], { ...OPTIONS, byContainer: true, topContainers: 3 }, 0);
    expect(s.containers).toEqual({
      top: [
        { runtime: 'docker', id: DOCKER, count: 32 },
        { runtime: 'podman', id: PODMAN, count: 7 },
        { runtime: 'cri-o', id: CRIO, count: 1 },
      ],
      omitted: 1,
      unattributed: 116,
    });
    expect(s.processes).toBeUndefined();
    const all = summarize(counts, [], { ...OPTIONS, byContainer: true, topContainers: 10 }, 0);
    expect(all.containers?.top.at(-1)).toEqual({ runtime: 'systemd', id: 'sshd.service', count: 1 });
    expect(all.containers?.omitted).toBe(0);
    // The socket counts are those of a count without the cgroup key.
    expect(all.sockets.find((g) => g.protocol === 'tcp' && g.family === 'inet' && g.state === 'ESTABLISHED')?.count).toBe(35);
    // Without the option, the keys are ignored.
    expect(summarize(counts, [], OPTIONS, 0).containers).toBeUndefined();
  });

  it('renders netstat_container_sockets{runtime,container_id}, the omitted count and the unattributed sockets', async () => {
    const s = summarize(counts, [], { ...OPTIONS, byContainer: true, topContainers: 3 }, 0);
    const text = await renderMetrics(of([s]));
    const values = samples(text);
    expect(values.get(`netstat_container_sockets{runtime="docker",container_id="${DOCKER}"}`)).toBe(32);
    expect(values.get(`netstat_container_sockets{runtime="podman",container_id="${PODMAN}"}`)).toBe(7);
    expect(values.get('netstat_containers_omitted')).toBe(1);
    expect(values.get('netstat_container_unattributed_sockets')).toBe(116);
    expect([...values.keys()].filter((k) => k.startsWith('netstat_container_sockets{'))).toHaveLength(3);
    expect(text).not.toContain('netstat_process_');
  });

  it('per namespace with --all-netns', async () => {
    const nsCounts: SocketCounts = {
      ...NS_COUNTS,
      groups: [
        { netns: 'blue', protocol: 'tcp', family: 'inet', state: 'LISTEN', cgroup: `/docker/${DOCKER}`, count: 1, recvQueue: 0, sendQueue: 0 },
        { netns: 'net:[4026531840]', protocol: 'tcp', family: 'inet', state: 'LISTEN', cgroup: '/system.slice/sshd.service', count: 1, recvQueue: 0, sendQueue: 0 },
      ],
    };
    const values = samples(await renderMetrics(summarizeAll(nsCounts, [], { ...OPTIONS, byContainer: true }, 0)));
    expect(values.get(`netstat_container_sockets{netns="blue",runtime="docker",container_id="${DOCKER}"}`)).toBe(1);
    expect(values.get('netstat_container_sockets{netns="net:[4026531840]",runtime="systemd",container_id="sshd.service"}')).toBe(1);
    expect(values.get('netstat_container_unattributed_sockets{netns="blue"}')).toBe(0);
  });
});

describe('netstat_collect_timeouts_total', () => {
  const snapshot = summarize(COUNTS, LISTENERS, OPTIONS, 0.25);

  it('is a counter, exported when the exporter runs on (a server, --textfile --interval), not with --once', async () => {
    const text = await renderMetrics(of([snapshot]), 'prometheus', { collectTimeouts: 2 });
    expect(text).toContain('# TYPE netstat_collect_timeouts_total counter\n');
    expect(samples(text).get('netstat_collect_timeouts_total')).toBe(2);
    // OpenMetrics names the family without the suffix and the sample with it.
    const om = await renderMetrics(of([snapshot]), 'openmetrics', { collectTimeouts: 2 });
    expect(om).toContain('# TYPE netstat_collect_timeouts counter\n');
    expect(samples(om)).toEqual(samples(text));
    expect(samples(await renderMetrics(of([snapshot]), 'prometheus', { collectTimeouts: 0 })).get('netstat_collect_timeouts_total')).toBe(0);
    expect(await renderMetrics(of([snapshot]))).not.toContain('timeouts');
    // The duration stays the last series (the bin tests look for a whole file that way).
    expect(text).toMatch(/\nnetstat_scrape_duration_seconds 0\.25\n$/);
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
