/**
 * The exporter over network namespaces, for real: two named namespaces
 * (`ip netns add`) hold known sockets (test/harness/namespaces.ts), and
 * `--all-netns` (one count over every namespace, split per namespace) must
 * give each its exact series, labelled `netns="<name>"`; `--netns NAME|PID`
 * one of them alone; the HTTP server the same, serving from inside one of
 * them; a collection timeout exits 1 / answers 503. `promtool check metrics`
 * lints the output where promtool is installed.
 *
 * Root only (namespaces); other sessions' namespaces on this host show up
 * too and are ignored: only ours are checked exactly.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NamedNamespace, type SocketHolder, cleanupNamespaces, createNamedNamespace, holdSockets, namespaceUnavailable, uniqueName } from '../harness/namespaces';
import { BASELINE_STATES } from '../../src/exporter/snapshot';
import { EXPORTER, Processes, distMissing, exitOf, hasCommand, httpVia, samples, startExporter, waitFor } from './helpers';

const reason = distMissing() ?? namespaceUnavailable();
if (reason !== undefined) console.log(`exporter namespace tests skipped: ${reason}`);
const promtool = hasCommand('promtool');

/** Long enough for --all-netns on a busy host (other suites' namespaces hold many sockets). */
const TIMEOUT = ['--collect-timeout', '120'];

function run(args: readonly string[], prefix: readonly string[] = []): { status: number | null; stdout: string; stderr: string } {
  const [command, ...rest] = [...prefix, process.execPath, EXPORTER, ...args];
  const r = spawnSync(command as string, rest, { encoding: 'utf8', timeout: 150_000, maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lint(exposition: string): void {
  if (!promtool) return;
  const r = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  expect(`${r.stdout}${r.stderr}`).toBe('');
  expect(r.status).toBe(0);
}

/** Every `netstat_sockets` series of one namespace, keyed `protocol/family/state`. */
function socketsOf(values: Map<string, number>, netns: string): Map<string, number> {
  const out = new Map<string, number>();
  const prefix = `netstat_sockets{netns="${netns}",`;
  for (const [key, value] of values) {
    if (!key.startsWith(prefix)) continue;
    const m = /protocol="([^"]+)",family="([^"]+)",state="([^"]+)"/.exec(key);
    if (m !== null) out.set(`${m[1]}/${m[2]}/${m[3]}`, value);
  }
  return out;
}

/** What a namespace's `netstat_sockets` series must be: every state of every table read, these counts, the rest 0. */
function expectSockets(values: Map<string, number>, netns: string, nonZero: Record<string, number>): void {
  const got = socketsOf(values, netns);
  expect(got.size, `no netstat_sockets series for netns="${netns}"`).toBeGreaterThan(0);
  const expected = new Map<string, number>();
  for (const key of got.keys()) expected.set(key, 0);
  for (const [key, count] of Object.entries(nonZero)) expected.set(key, count);
  expect(Object.fromEntries(got)).toEqual(Object.fromEntries(expected));
  // The tables every kernel has are all there, with every state.
  for (const [protocol, family] of [['tcp', 'inet'], ['tcp', 'inet6'], ['udp', 'inet'], ['udp', 'inet6'], ['unix', 'unix']] as const) {
    for (const state of BASELINE_STATES[protocol]!) expect(got.has(`${protocol}/${family}/${state}`), `${netns}: ${protocol}/${family}/${state}`).toBe(true);
  }
}

/** The listening series of one namespace, as `protocol/family/class/port=count`. */
function listenersOf(values: Map<string, number>, netns: string): string[] {
  const prefix = `netstat_listening_sockets{netns="${netns}",`;
  return [...values]
    .filter(([key]) => key.startsWith(prefix))
    .map(([key, value]) => {
      const m = /protocol="([^"]+)",family="([^"]+)",address_class="([^"]+)",port="(\d+)"/.exec(key)!;
      return `${m[1]}/${m[2]}/${m[3]}/${m[4]}=${value}`;
    })
    .sort();
}

/** The netns label values of every series. */
function labelValues(values: Map<string, number>): Set<string> {
  return new Set([...values.keys()].flatMap((k) => [...k.matchAll(/netns="([^"]+)"/g)].map((m) => m[1] as string)));
}

describe.skipIf(reason !== undefined)('netstat-exporter over network namespaces', () => {
  let red: NamedNamespace;
  let blue: NamedNamespace;
  let empty: NamedNamespace;
  let redHolder: SocketHolder;
  let blueHolder: SocketHolder;
  const processes = new Processes();

  // red: two TCP listeners, two connections to the first (4 ESTABLISHED), a bound UDP socket,
  // an abstract UNIX listener with one connection (LISTENING 1, CONNECTED 2).
  const RED = {
    'tcp/inet/LISTEN': 2,
    'tcp/inet/ESTABLISHED': 4,
    'udp/inet/CLOSE': 1,
    'unix/unix/LISTENING': 1,
    'unix/unix/CONNECTED': 2,
  };
  // blue: one TCP listener on 127.0.0.1 with three connections, one on ::1.
  const BLUE = {
    'tcp/inet/LISTEN': 1,
    'tcp/inet/ESTABLISHED': 6,
    'tcp/inet6/LISTEN': 1,
  };

  beforeAll(async () => {
    red = createNamedNamespace(uniqueName('nsexp-red'));
    blue = createNamedNamespace(uniqueName('nsexp-blue'));
    // A name and nothing else: no process inside it.
    empty = createNamedNamespace(uniqueName('nsexp-empty'));
    redHolder = await holdSockets(red, { listen: [21000, 21001], connections: 2, udp: 21500, unix: [`@${red.name}`] });
    blueHolder = await holdSockets(blue, { listen: [22000], listen6: [22001], connections: 3 });
  }, 120_000);

  afterAll(async () => {
    processes.killAll();
    await cleanupNamespaces();
  }, 60_000);

  it('--all-netns: every namespace\'s exact series, labelled with its name; promtool passes', () => {
    const r = run(['--once', '--all-netns', ...TIMEOUT]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const values = samples(r.stdout);
    expectSockets(values, red.name, RED);
    expectSockets(values, blue.name, BLUE);
    expect(listenersOf(values, red.name)).toEqual(['tcp/inet/loopback/21000=1', 'tcp/inet/loopback/21001=1', 'udp/inet/loopback/21500=1']);
    expect(listenersOf(values, blue.name)).toEqual(['tcp/inet/loopback/22000=1', 'tcp/inet6/loopback/22001=1']);
    expect(values.get(`netstat_tcp_queue_bytes{netns="${red.name}",family="inet",queue="receive"}`)).toBe(0);
    expect(values.get(`netstat_listening_groups_omitted{netns="${blue.name}"}`)).toBe(0);
    expect(values.get(`netstat_table_info{netns="${red.name}",table="tcp/inet",status="ok",backend="${process.env.NETSTAT_BACKEND === 'procfs' ? 'procfs' : 'netlink'}",reason="${process.env.NETSTAT_BACKEND === 'procfs' || process.env.NETSTAT_BACKEND === 'netlink' ? `forced by NETSTAT_BACKEND=${process.env.NETSTAT_BACKEND}` : 'native engine loaded'}"}`)).toBe(1);
    expect(values.get(`netstat_netns_readable{netns="${red.name}"}`)).toBe(1);
    expect(values.get(`netstat_netns_readable{netns="${blue.name}"}`)).toBe(1);
    // Every namespace covered has a readable series; those not read have no other series.
    const readable = [...values].filter(([k]) => k.startsWith('netstat_netns_readable{'));
    expect(readable.length).toBeGreaterThanOrEqual(3);
    for (const [key, value] of readable) {
      const netns = /netns="([^"]+)"/.exec(key)![1]!;
      expect([0, 1]).toContain(value);
      expect(socketsOf(values, netns).size > 0, `${netns}: readable ${value}`).toBe(value === 1);
    }
    // A namespace with no process cannot be read from /proc (the /proc backend reads /proc/PID/net): 0, not a failed scrape.
    if (process.env.NETSTAT_BACKEND === 'procfs') expect(values.get(`netstat_netns_readable{netns="${empty.name}"}`)).toBe(0);
    // The exporter's own namespace (the host's) is among them, and the series without netns are the collection's.
    expect([...values.keys()].filter((k) => !k.includes('netns="'))).toEqual(['netstat_netns_hidden_processes', 'netstat_scrape_duration_seconds']);
    lint(r.stdout);
  }, 180_000);

  it('--all-netns --by-process: each namespace\'s sockets by program', () => {
    const r = run(['--once', '--all-netns', '--by-process', ...TIMEOUT]);
    expect(r.status).toBe(0);
    const values = samples(r.stdout);
    const programs = (netns: string) => [...values].filter(([k]) => k.startsWith(`netstat_process_sockets{netns="${netns}",`));
    // The holder (python) holds every socket of its namespace.
    expect(programs(red.name).map(([, v]) => v)).toEqual([Object.values(RED).reduce((a, b) => a + b, 0)]);
    expect(programs(blue.name).map(([, v]) => v)).toEqual([Object.values(BLUE).reduce((a, b) => a + b, 0)]);
    expect(values.get(`netstat_unowned_sockets{netns="${red.name}"}`)).toBe(0);
    lint(r.stdout);
  }, 180_000);

  it('--netns NAME and --netns PID: that namespace alone, labelled with its name', () => {
    const byName = run(['--once', '--netns', red.name, ...TIMEOUT]);
    expect(byName.stderr).toBe('');
    expect(byName.status).toBe(0);
    const values = samples(byName.stdout);
    expect([...labelValues(values)]).toEqual([red.name]);
    expectSockets(values, red.name, RED);
    expect(values.get(`netstat_netns_readable{netns="${red.name}"}`)).toBe(1);
    expect(values.has('netstat_netns_hidden_processes')).toBe(false);
    lint(byName.stdout);

    const byPid = run(['--once', '--netns', String(blueHolder.pid), ...TIMEOUT]);
    expect(byPid.status).toBe(0);
    const blueValues = samples(byPid.stdout);
    expect([...labelValues(blueValues)]).toEqual([blue.name]);
    expectSockets(blueValues, blue.name, BLUE);
  }, 180_000);

  it('--netns of a namespace that does not exist fails with exit 1 and the library\'s reason', () => {
    const r = run(['--once', '--netns', `${red.name}-missing`]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^netstat-exporter: .*${red.name}-missing`));
  });

  it('without a netns option the output has no netns label', () => {
    const r = run(['--once'], ['nsenter', `--net=/run/netns/${red.name}`]);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('netns');
    expect(samples(r.stdout).get('netstat_sockets{protocol="tcp",family="inet",state="ESTABLISHED"}')).toBe(4);
  });

  it('serves --all-netns over HTTP from inside a namespace: its own listener and scrape connection under that namespace', async () => {
    const enter = ['nsenter', `--net=/run/netns/${red.name}`];
    const exporter = await startExporter(processes, ['--listen', '127.0.0.1:0', '--all-netns', ...TIMEOUT], { prefix: enter });
    const res = httpVia(enter, exporter.port, '/metrics');
    expect(res.status).toBe(200);
    const values = samples(res.body);
    // The exporter's listener, and both ends of the scrape's connection, are red's.
    expectSockets(values, red.name, { ...RED, 'tcp/inet/LISTEN': 3, 'tcp/inet/ESTABLISHED': 6 });
    expect(listenersOf(values, red.name)).toContain(`tcp/inet/loopback/${exporter.port}=1`);
    expectSockets(values, blue.name, BLUE);
    expect(values.get('netstat_collect_timeouts_total')).toBe(0);
    lint(res.body);
    const om = httpVia(enter, exporter.port, '/metrics', { headers: { accept: 'application/openmetrics-text;version=1.0.0' } });
    expect(om.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.body.endsWith('# EOF\n')).toBe(true);
    expectSockets(samples(om.body), blue.name, BLUE);
    exporter.child.kill('SIGTERM');
    expect(await exitOf(exporter.child, 10_000)).toBe(0);
  }, 180_000);

  it('a collection longer than --collect-timeout: 503 over HTTP (the exporter keeps serving), exit 1 with --once', async () => {
    const enter = ['nsenter', `--net=/run/netns/${red.name}`];
    const exporter = await startExporter(processes, ['--listen', '127.0.0.1:0', '--all-netns', '--collect-timeout', '0.001'], { prefix: enter });
    for (let i = 0; i < 2; i++) {
      const res = httpVia(enter, exporter.port, '/metrics');
      expect(res.status).toBe(503);
      expect(res.body).toBe('collection timed out after 0.001 s (--collect-timeout): the scrape was abandoned and its work stopped; netstat_collect_timeouts_total counts these\n');
    }
    await waitFor('the timeout on stderr', 10_000, () => (exporter.stderr().includes('netstat-exporter: collection timed out after 0.001 s (--collect-timeout)\n') ? true : undefined));
    exporter.child.kill('SIGTERM');
    expect(await exitOf(exporter.child, 10_000)).toBe(0);

    const started = Date.now();
    const r = run(['--once', '--all-netns', '--collect-timeout', '0.001']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('netstat-exporter: collection timed out after 0.001 s (--collect-timeout)\n');
    // The aborted work does not keep the process alive.
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 120_000);

  it('keeps the namespaces\' holders alive throughout (sanity)', () => {
    expect(redHolder.sockets.listening).toEqual([21000, 21001]);
    expect(blueHolder.sockets.listening6).toEqual([22001]);
    expect(empty.name).toMatch(/^nsexp-empty-/);
  });
});
