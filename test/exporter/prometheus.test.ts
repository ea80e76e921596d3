/**
 * Real components: a real Prometheus server (the Debian `prometheus`
 * package) scrapes the built exporter on 127.0.0.1 inside a private network
 * namespace holding known sockets (test/scenario/exporter.py), and what its HTTP API
 * answers for TCP LISTEN and ESTABLISHED must equal what `ss` counts in the
 * same namespace; with `--all-netns`, the namespace's series arrive under
 * its `netns` label. `promtool check metrics` lints the exposition.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMetrics } from '../../src/exporter/metrics';
import { summarize } from '../../src/exporter/snapshot';
import { EXPORTER, type Namespace, Processes, capture, distMissing, hasCommand, namespaceUnavailable, samples, startExporter, startNamespace, waitFor } from './helpers';

const ESTABLISHED = 25;
const LISTENERS = 4;
const EXPORTER_PORT = 9814; // the default, free in the private namespace
const PROMETHEUS_PORT = 9090;

describe('promtool check metrics', () => {
  const reason = distMissing() ?? (hasCommand('promtool') ? undefined : 'promtool not installed (Debian package prometheus)');
  if (reason !== undefined) console.log(`promtool tests skipped: ${reason}`);

  it.skipIf(reason !== undefined).each([
    [['--once']],
    [['--once', '--by-process', '--top-processes', '3']],
    [['--once', '--max-listeners', '1']],
    [['--once', '--by-container']],
    [['--once', '--all-netns', '--by-process', '--by-container', '--collect-timeout', '120']],
  ])(
    'passes on the exposition of %j',
    (args) => {
      const exposition = spawnSync(process.execPath, [EXPORTER, ...args], { encoding: 'utf8', timeout: 150_000, maxBuffer: 256 * 1024 * 1024 });
      expect(exposition.status).toBe(0);
      const lint = spawnSync('promtool', ['check', 'metrics'], { input: exposition.stdout, encoding: 'utf8', timeout: 60_000, maxBuffer: 256 * 1024 * 1024 });
      expect(`${lint.stdout}${lint.stderr}`).toBe('');
      expect(lint.status).toBe(0);
    },
    180_000,
  );

  it.skipIf(reason !== undefined)('passes on every metric at once (fixed input: namespaces, an unreadable one, processes, containers, timeouts)', async () => {
    const table = (name: string, inode: number) => ({ table: name, status: 'ok' as const, backend: 'netlink' as const, reason: 'native engine loaded', rows: 0, malformed: 0, netns: inode });
    const id = 'd'.repeat(64);
    const collection = summarize(
      {
        total: 3,
        groups: [
          { netns: 'blue', protocol: 'tcp', family: 'inet', state: 'LISTEN', program: 'nginx', cgroup: `/system.slice/docker-${id}.scope`, count: 2, recvQueue: 0, sendQueue: 0 },
          { netns: 'net:[4026531840]', protocol: 'unix', family: 'unix', state: 'CONNECTED', program: null, cgroup: null, count: 1, recvQueue: 0, sendQueue: 0 },
        ],
        tables: [table('tcp/inet', 4026531840), table('unix', 4026531840), table('tcp/inet', 4026532300), table('unix', 4026532300)],
        sources: [{ table: 'owners', backend: 'native', reason: 'native engine loaded' }],
        namespaces: [
          { netns: { inode: 4026531840 }, label: 'net:[4026531840]', current: true, status: 'ok', sockets: 0 },
          { netns: { inode: 4026532300, name: 'blue' }, label: 'blue', current: false, status: 'ok', sockets: 0 },
          { netns: { inode: 4026532400, name: 'green' }, label: 'green', current: false, status: 'unreadable', code: 'EPERM', sockets: 0 },
        ],
        hiddenProcesses: 2,
      },
      [{ protocol: 'tcp', family: 'inet', localAddress: '0.0.0.0', localPort: 80, netns: { inode: 4026532300, name: 'blue' } }],
      { maxListeners: 10, byProcess: true, topProcesses: 5, byContainer: true, topContainers: 5 },
      0.5,
    );
    // promtool reads the Prometheus text format (an OpenMetrics counter's family has no _total, which it takes
    // for a missing HELP); the real Prometheus below parses the OpenMetrics form.
    const text = await renderMetrics(collection, 'prometheus', { collectTimeouts: 3 });
    for (const name of ['netstat_netns_readable', 'netstat_netns_hidden_processes', 'netstat_container_sockets', 'netstat_process_sockets', 'netstat_collect_timeouts_total']) {
      expect(text).toContain(`\n${name}`);
    }
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 60_000 });
    expect(`${lint.stdout}${lint.stderr}`).toBe('');
    expect(lint.status).toBe(0);
  });
});

const reason = distMissing() ?? (hasCommand('prometheus') ? undefined : 'prometheus not installed (Debian package prometheus)') ?? namespaceUnavailable();
if (reason !== undefined) console.log(`Prometheus scrape tests skipped: ${reason}`);

interface ApiAnswer {
  t0: number;
  t1: number;
  data: { status: string; data: { resultType: string; result: Array<{ metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> }> } };
}

/** Prometheus' query API, asked from inside the namespace; t0/t1 bound the time its TCP connection existed. */
const QUERY = String.raw`
import json, sys, time, urllib.parse, urllib.request
url = 'http://127.0.0.1:%s/api/v1/query?' % sys.argv[1] + urllib.parse.urlencode({'query': sys.argv[2]})
t0 = time.time()
with urllib.request.urlopen(url, timeout=10) as r:
    body = r.read()
t1 = time.time()
print(json.dumps({'t0': t0, 't1': t1, 'data': json.loads(body)}))
`;

/** Why the exporter cannot run as uid 65534 here, or undefined. */
function nobodyUnavailable(): string | undefined {
  if (!hasCommand('setpriv')) return 'setpriv not installed';
  const probe = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, EXPORTER, '--version']);
  return probe.status === 0 ? undefined : 'uid 65534 cannot run the checkout (not world-readable)';
}
const nobodyReason = reason ?? nobodyUnavailable();
if (reason === undefined && nobodyReason !== undefined) console.log(`--by-process privilege test skipped: ${nobodyReason}`);

describe.skipIf(reason !== undefined)('a real Prometheus scraping the exporter in a private network namespace', () => {
  const processes = new Processes();
  let ns: Namespace;
  let prometheusLog: () => string = () => '';
  /** When each API connection of ours existed (it is an ESTABLISHED pair while it does). */
  const windows: Array<{ t0: number; t1: number }> = [];

  const query = (promql: string): ApiAnswer => {
    const answer = JSON.parse(ns.run('python3', ['-c', QUERY, String(PROMETHEUS_PORT), promql])) as ApiAnswer;
    windows.push({ t0: answer.t0 - 0.2, t1: answer.t1 + 0.2 });
    if (answer.data.status !== 'success') throw new Error(`query ${promql} failed: ${JSON.stringify(answer.data)}`);
    return answer;
  };
  const ssCount = (args: readonly string[]): number => ns.run('ss', ['-H', ...args]).split('\n').filter((l) => l.trim() !== '').length;

  beforeAll(async () => {
    ns = await startNamespace(processes, ESTABLISHED, LISTENERS);
    await startExporter(processes, [], { prefix: ns.enter });
    const config = path.join(ns.dir, 'prometheus.yml');
    fs.writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: netstat',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${EXPORTER_PORT}']`,
        '',
      ].join('\n'),
    );
    const prometheus = processes.spawn(ns.enter[0] as string, [
      ...ns.enter.slice(1),
      'prometheus',
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(ns.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`,
      '--log.level=warn',
    ]);
    prometheusLog = capture(prometheus.stderr).text;
    await waitFor('Prometheus to scrape the exporter (up == 1)', 60_000, () => {
      if (prometheus.exitCode !== null) throw new Error(`prometheus exited with ${prometheus.exitCode}: ${prometheusLog()}`);
      const up = query('up{job="netstat"}').data.data.result[0]?.value?.[1];
      return up === '1' ? true : undefined;
    }, 500);
  }, 120_000);

  afterAll(() => {
    processes.killAll();
    if (ns !== undefined) fs.rmSync(ns.dir, { recursive: true, force: true });
  });

  it('Prometheus\' TCP LISTEN and ESTABLISHED series equal what ss counts in the namespace', async () => {
    // Quiet: no connection of ours exists during the next scrapes.
    const quietFrom = Date.now() / 1000;
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    const answer = query('netstat_sockets{protocol="tcp",state=~"ESTABLISHED|LISTEN"}[20s]');
    expect(answer.data.data.resultType).toBe('matrix');
    // Per scrape (timestamp) and state, the sum over both families.
    const byScrape = new Map<number, Record<string, number>>();
    for (const series of answer.data.data.result) {
      for (const [ts, value] of series.values ?? []) {
        const entry = byScrape.get(ts) ?? {};
        const state = series.metric.state as string;
        entry[state] = (entry[state] ?? 0) + Number(value);
        byScrape.set(ts, entry);
      }
    }
    // Scrapes no API connection of ours overlapped (a scrape's collection ends well within 1 s of its timestamp).
    const clean = [...byScrape].filter(([ts]) => ts > quietFrom && windows.every((w) => ts + 1 < w.t0 || ts > w.t1));
    expect(clean.length, `no clean scrape among ${[...byScrape.keys()].join(', ')}`).toBeGreaterThanOrEqual(2);

    // What ss counts, less our own API connections to Prometheus (none are open now, but be exact).
    const ssListen = ssCount(['-tln']);
    const ssEstablished = ssCount(['-tn', 'state', 'established', `( not sport = :${PROMETHEUS_PORT} and not dport = :${PROMETHEUS_PORT} )`]);
    // exporter.py's listeners (LISTENERS + 2), the exporter's and Prometheus': all seen by both.
    expect(ssListen).toBe(LISTENERS + 2 + 2);
    // exporter.py's connections (both ends) and Prometheus' keep-alive scrape connection (both ends).
    const scrapeConnection = ssCount(['-tn', 'state', 'established', `( sport = :${EXPORTER_PORT} or dport = :${EXPORTER_PORT} )`]);
    expect(scrapeConnection).toBe(2);
    expect(ssEstablished).toBe(2 * ESTABLISHED + 2);
    for (const [ts, counts] of clean) {
      expect({ ts, ...counts }).toEqual({ ts, LISTEN: ssListen, ESTABLISHED: ssEstablished });
    }
  }, 60_000);

  it('the listening, queue, info and duration series arrive in Prometheus', () => {
    const listeners = query('netstat_listening_sockets').data.data.result.map((r) => `${r.metric.protocol}/${r.metric.family}/${r.metric.address_class}/${r.metric.port}=${r.value?.[1]}`);
    expect(listeners.sort()).toEqual(
      [
        ...Array.from({ length: LISTENERS }, (_, i) => `tcp/inet/loopback/${21000 + i}=1`),
        'tcp/inet/wildcard/21999=1',
        'tcp/inet6/loopback/21998=1',
        'udp/inet/loopback/21500=1',
        'udp/inet/wildcard/21501=1',
        `tcp/inet/loopback/${EXPORTER_PORT}=1`,
        `tcp/inet/loopback/${PROMETHEUS_PORT}=1`,
      ].sort(),
    );
    // exporter.py leaves 1000 bytes unread at one end; nothing else queues between scrapes.
    const receive = query('sum(netstat_tcp_queue_bytes{queue="receive"})').data.data.result[0]?.value?.[1];
    expect(receive).toBe('1000');
    const tables = query('netstat_table_info').data.data.result.map((r) => r.metric.table);
    expect(tables).toContain('tcp/inet');
    expect(tables).toContain('unix');
    const duration = Number(query('netstat_scrape_duration_seconds').data.data.result[0]?.value?.[1]);
    expect(duration).toBeGreaterThan(0);
    expect(duration).toBeLessThan(1);
    // Prometheus 2.x asks for OpenMetrics first (Accept); had the answer not parsed, up would be 0.
    expect(query('up{job="netstat"}').data.data.result[0]?.value?.[1]).toBe('1');
  }, 60_000);

  it('--by-process counts the holder\'s sockets under its program name (root sees every process)', () => {
    const out = ns.run(process.execPath, [EXPORTER, '--once', '--by-process']);
    const values = samples(out);
    // LISTENERS + 2 listeners, both ends of each connection, three UDP sockets.
    expect(values.get('netstat_process_sockets{program="python3"}')).toBe(LISTENERS + 2 + 2 * ESTABLISHED + 3);
    expect(values.get('netstat_process_sockets{program="prometheus"}')).toBeGreaterThanOrEqual(2);
  });

  it.skipIf(nobodyReason !== undefined)('--by-process as another user: nothing attributed without privileges, everything with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH', () => {
    const asNobody = (caps: string[]): Map<string, number> => {
      const capArgs = caps.length === 0 ? [] : [`--inh-caps=${caps.map((c) => `+${c}`).join(',')}`, `--ambient-caps=${caps.map((c) => `+${c}`).join(',')}`];
      return samples(ns.run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...capArgs, process.execPath, EXPORTER, '--once', '--by-process']));
    };
    const holderSockets = LISTENERS + 2 + 2 * ESTABLISHED + 3;
    const bare = asNobody([]);
    expect([...bare.keys()].filter((k) => k.startsWith('netstat_process_sockets{'))).toEqual([]);
    expect(bare.get('netstat_unowned_sockets')).toBeGreaterThanOrEqual(holderSockets);
    // Either capability alone is not enough: listing /proc/PID/fd needs the one, reading its links the other.
    expect(asNobody(['sys_ptrace']).get('netstat_process_sockets{program="python3"}')).toBeUndefined();
    expect(asNobody(['dac_read_search']).get('netstat_process_sockets{program="python3"}')).toBeUndefined();
    const privileged = asNobody(['sys_ptrace', 'dac_read_search']);
    expect(privileged.get('netstat_process_sockets{program="python3"}')).toBe(holderSockets);
  });
});

describe.skipIf(reason !== undefined)('a real Prometheus scraping an --all-netns exporter', () => {
  const processes = new Processes();
  let ns: Namespace;
  let label = '';

  const query = (promql: string): ApiAnswer['data']['data']['result'] => {
    const answer = JSON.parse(ns.run('python3', ['-c', QUERY, String(PROMETHEUS_PORT), promql])) as ApiAnswer;
    if (answer.data.status !== 'success') throw new Error(`query ${promql} failed: ${JSON.stringify(answer.data)}`);
    return answer.data.data.result;
  };

  beforeAll(async () => {
    ns = await startNamespace(processes, 3, LISTENERS);
    label = fs.readlinkSync(`/proc/${ns.pid}/ns/net`);
    // Every namespace of the host is collected: allow for a busy one.
    await startExporter(processes, ['--all-netns', '--collect-timeout', '25'], { prefix: ns.enter });
    const config = path.join(ns.dir, 'prometheus.yml');
    fs.writeFileSync(
      config,
      ['global:', '  scrape_interval: 2s', '  scrape_timeout: 2s', 'scrape_configs:', '  - job_name: netstat', '    scrape_interval: 30s', '    scrape_timeout: 30s',
        '    static_configs:', `      - targets: ['127.0.0.1:${EXPORTER_PORT}']`, ''].join('\n'),
    );
    const prometheus = processes.spawn(ns.enter[0] as string, [
      ...ns.enter.slice(1), 'prometheus', `--config.file=${config}`, `--storage.tsdb.path=${path.join(ns.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`, '--log.level=warn',
    ]);
    const log = capture(prometheus.stderr).text;
    await waitFor('Prometheus to scrape the --all-netns exporter (up == 1)', 90_000, () => {
      if (prometheus.exitCode !== null) throw new Error(`prometheus exited with ${prometheus.exitCode}: ${log()}`);
      return query('up{job="netstat"}')[0]?.value?.[1] === '1' ? true : undefined;
    }, 500);
  }, 150_000);

  afterAll(() => {
    processes.killAll();
    if (ns !== undefined) fs.rmSync(ns.dir, { recursive: true, force: true });
  });

  it('the namespace\'s series arrive under netns="net:[INODE]", with its readable status', () => {
    expect(label).toMatch(/^net:\[\d+\]$/);
    // exporter.py's listeners (LISTENERS + 2), the exporter's and Prometheus'.
    const listen = query(`sum(netstat_sockets{netns="${label}",protocol="tcp",state="LISTEN"})`)[0]?.value?.[1];
    expect(listen).toBe(String(LISTENERS + 2 + 2));
    const listeners = query(`netstat_listening_sockets{netns="${label}",protocol="tcp",family="inet",address_class="loopback"}`).map((r) => r.metric.port).sort();
    expect(listeners).toEqual([...Array.from({ length: LISTENERS }, (_, i) => String(21000 + i)), String(EXPORTER_PORT), String(PROMETHEUS_PORT)].sort());
    expect(query(`netstat_netns_readable{netns="${label}"}`)[0]?.value?.[1]).toBe('1');
    // The host's own namespace (and any other) is there too, each series under its label.
    expect(Number(query('count(netstat_netns_readable)')[0]?.value?.[1])).toBeGreaterThanOrEqual(2);
    expect(query('netstat_sockets{netns=""}')).toEqual([]);
    expect(query('netstat_collect_timeouts_total')[0]?.value?.[1]).toBe('0');
  }, 60_000);
});
