/**
 * The `netstat-exporter` bin (dist/exporter/main.js) as a process: flags,
 * --once, --textfile (atomic), serving, a port in use, SIGTERM/SIGINT.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LISTEN, UsageError, parseCommandLine, parseListen } from '../../src/exporter/args';
import { EXPORTER, type Namespace, Processes, capture, distMissing, exitOf, namespaceUnavailable, samples, startExporter, startNamespace, tempDir, waitFor } from './helpers';

describe('parseCommandLine', () => {
  it('serves on 127.0.0.1 by default', () => {
    expect(parseCommandLine([])).toEqual({
      kind: 'serve', listen: DEFAULT_LISTEN, host: '127.0.0.1', port: 9814, byProcess: false, topProcesses: 10, maxListeners: 200,
      byContainer: false, topContainers: 10, collectTimeoutSeconds: 10,
    });
    expect(parseCommandLine([])).not.toHaveProperty('netns');
  });

  it('reads the namespace, container and timeout options', () => {
    expect(parseCommandLine(['--once', '--all-netns'])).toMatchObject({ kind: 'once', netns: 'all' });
    expect(parseCommandLine(['--netns', 'blue'])).toMatchObject({ kind: 'serve', netns: 'blue' });
    expect(parseCommandLine(['--netns=/proc/1/ns/net'])).toMatchObject({ netns: '/proc/1/ns/net' });
    expect(parseCommandLine(['--netns', '4242'])).toMatchObject({ netns: 4242 });
    expect(parseCommandLine(['--by-container', '--top-containers', '3'])).toMatchObject({ byContainer: true, topContainers: 3 });
    expect(parseCommandLine(['--collect-timeout', '2.5'])).toMatchObject({ collectTimeoutSeconds: 2.5 });
    expect(parseCommandLine(['--collect-timeout', '0'])).toMatchObject({ collectTimeoutSeconds: 0 });
    expect(parseCommandLine(['--textfile', 'a.prom', '--all-netns', '--by-container'])).toMatchObject({ kind: 'textfile', netns: 'all', byContainer: true });
  });

  it('reads every mode and option', () => {
    expect(parseCommandLine(['--listen', '[::1]:9100', '--by-process', '--top-processes', '5', '--max-listeners', '0'])).toMatchObject({
      kind: 'serve', host: '::1', port: 9100, byProcess: true, topProcesses: 5, maxListeners: 0,
    });
    expect(parseCommandLine(['--once', '--format', 'openmetrics'])).toMatchObject({ kind: 'once', format: 'openmetrics' });
    expect(parseCommandLine(['--textfile', '/x/n.prom', '--interval', '15'])).toMatchObject({ kind: 'textfile', path: '/x/n.prom', intervalSeconds: 15 });
    expect(parseCommandLine(['--textfile=/x/n.prom'])).toMatchObject({ kind: 'textfile', intervalSeconds: undefined });
    expect(parseCommandLine(['-h'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['--version'])).toEqual({ kind: 'version' });
  });

  it('parses listen addresses', () => {
    expect(parseListen('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListen(':9814')).toEqual({ host: undefined, port: 9814 });
    expect(parseListen('localhost:80')).toEqual({ host: 'localhost', port: 80 });
    expect(parseListen('[::]:9814')).toEqual({ host: '::', port: 9814 });
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['extra'], "Unexpected argument 'extra'"],
    [['--listen'], "Option '--listen <value>' argument missing"],
    [['--listen', 'nope'], "option '--listen' needs ADDR:PORT"],
    [['--listen', '::1:80'], 'write an IPv6 address in brackets'],
    [['--listen', '127.0.0.1:70000'], 'out of range'],
    [['--listen', '127.0.0.1:http'], 'needs a port number'],
    [['--once', '--textfile', 'a.prom'], 'cannot be used together'],
    [['--once', '--listen', ':1'], 'cannot be used together'],
    [['--interval', '5'], "'--interval' needs '--textfile'"],
    [['--textfile', 'a.prom', '--interval', '0'], 'from 0.01 to 86400'],
    [['--textfile', 'a.prom', '--interval', 'soon'], 'from 0.01 to 86400'],
    [['--format', 'openmetrics'], "'--format' is for '--once'"],
    [['--once', '--format', 'json'], 'prometheus or openmetrics'],
    [['--max-listeners=-1'], 'needs a whole number'],
    [['--max-listeners', '-1'], 'argument is ambiguous'],
    [['--by-process', '--top-processes', '0'], 'between 1 and 10000'],
    [['--top-processes', '3'], "needs '--by-process'"],
    [['--once=yes'], "Option '--once' does not take an argument"],
    [['--all-netns', '--netns', 'x'], '--all-netns and --netns cannot be used together'],
    [['--netns', ''], "'--netns' needs a namespace name, path or PID"],
    [['--netns', '0'], 'between 1 and 2147483647'],
    [['--all-netns=yes'], "Option '--all-netns' does not take an argument"],
    [['--top-containers', '3'], "needs '--by-container'"],
    [['--by-container', '--top-containers', '0'], 'between 1 and 10000'],
    [['--collect-timeout', 'soon'], 'from 0.001 to 86400, or 0 for no limit'],
    [['--collect-timeout', '0.0001'], 'from 0.001 to 86400'],
    [['--collect-timeout', '100000'], 'from 0.001 to 86400'],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});

const missing = distMissing();
if (missing !== undefined) console.log(`exporter bin tests skipped: ${missing}`);

function run(args: readonly string[], timeout = 60_000) {
  return spawnSync(process.execPath, [EXPORTER, ...args], { encoding: 'utf8', timeout });
}

const processes = new Processes();
afterEach(() => processes.killAll());
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});
function dir(): string {
  const d = tempDir('netstat-exporter-cli-');
  dirs.push(d);
  return d;
}

/** An exposition written in full: it starts with the first metric and ends with the last one's sample. */
function complete(text: string): boolean {
  return text.startsWith('# HELP netstat_sockets ') && /\nnetstat_scrape_duration_seconds [0-9.e+-]+\n$/.test(text);
}

describe.skipIf(missing !== undefined)('netstat-exporter', () => {
  it('--help and --version print to stdout and exit 0', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: netstat-exporter [options]');
    expect(help.stdout).toContain('--textfile PATH');
    expect(help.stderr).toBe('');
    const version = run(['-V']);
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^netstat-exporter \(netstat-native\) \d+\.\d+\.\d+\n$/);
  });

  it.each([[['--bogus']], [['--listen', 'nope']], [['--once', '--textfile', 'x.prom']], [['--interval', '1']], [['positional']]])(
    'bad flags %j: a clear message on stderr, nothing on stdout, exit 2',
    (argv) => {
      const r = run(argv);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^netstat-exporter: .+\nTry 'netstat-exporter --help' for more information\.\n$/);
    },
  );

  it('--once prints the exposition and exits 0', () => {
    const r = run(['--once']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(complete(r.stdout)).toBe(true);
    expect(samples(r.stdout).get('netstat_sockets{protocol="tcp",family="inet",state="LISTEN"}')).toBeGreaterThanOrEqual(0);
    const om = run(['--once', '--format', 'openmetrics']);
    expect(om.status).toBe(0);
    expect(om.stdout.endsWith('# EOF\n')).toBe(true);
  });

  it('--once under a closed pipe ends quietly', () => {
    const r = spawnSync('bash', ['-c', 'set -o pipefail; "$0" "$1" --once --max-listeners 100000 | head -c 1 >/dev/null', process.execPath, EXPORTER], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('--textfile writes the file and exits, leaving no temporary file', () => {
    const d = dir();
    const target = path.join(d, 'netstat.prom');
    const r = run(['--textfile', target]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(complete(fs.readFileSync(target, 'utf8'))).toBe(true);
    expect(fs.readdirSync(d)).toEqual(['netstat.prom']);
    expect(fs.statSync(target).mode & 0o777).toBe(0o644 & ~process.umask());
  });

  it('--textfile into a missing directory fails with exit 1 and a message', () => {
    const d = dir();
    const r = run(['--textfile', path.join(d, 'nope', 'netstat.prom')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^netstat-exporter: .*ENOENT/);
    expect(fs.readdirSync(d)).toEqual([]);
  });

  it('--textfile without .prom warns that node_exporter will not read it', () => {
    const d = dir();
    const r = run(['--textfile', path.join(d, 'netstat.txt')]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('reads only files ending in .prom');
  });

  it('--textfile --interval replaces the file atomically (temporary file + rename) until SIGTERM', async () => {
    const d = dir();
    const target = path.join(d, 'netstat.prom');
    const child = processes.spawn(process.execPath, [EXPORTER, '--textfile', target, '--interval', '0.05']);
    const stderr = capture(child.stderr);
    await waitFor('the first textfile', 20_000, () => (fs.existsSync(target) ? true : undefined), 10);
    const inodes = new Set<number>();
    let reads = 0;
    const deadline = Date.now() + 30_000;
    while ((inodes.size < 5 || reads < 300) && Date.now() < deadline) {
      // Every read sees a whole file: the old one or the new one.
      const fd = fs.openSync(target, 'r');
      try {
        inodes.add(fs.fstatSync(fd).ino);
        const text = fs.readFileSync(fd, 'utf8');
        if (!complete(text)) throw new Error(`partial textfile read (${text.length} bytes): ${JSON.stringify(text.slice(-200))}`);
      } finally {
        fs.closeSync(fd);
      }
      reads++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    // A new inode per write: each is a rename of a new file over the old one, never a rewrite in place.
    expect(inodes.size).toBeGreaterThanOrEqual(5);
    expect(fs.readdirSync(d).filter((f) => f !== 'netstat.prom').every((f) => /^\.netstat\.prom\.\d+\.tmp$/.test(f))).toBe(true);
    child.kill('SIGTERM');
    expect(await exitOf(child, 10_000)).toBe(0);
    expect(stderr.text()).toBe('');
    expect(fs.readdirSync(d)).toEqual(['netstat.prom']);
  });

});

// Serving needs TCP listeners; they live in a private network namespace (exporter.py's, with
// listeners on 127.0.0.1:21000…), never in the host's, where other test files list live sockets.
const nsMissing = missing ?? namespaceUnavailable();
if (missing === undefined && nsMissing !== undefined) console.log(`exporter serving tests skipped: ${nsMissing}`);

/** Holds a keep-alive connection to the exporter open after one scrape; prints the status, then waits. */
const KEEP_ALIVE_CLIENT = String.raw`
import http.client, sys, time
c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]), timeout=20)
c.request('GET', '/metrics')
r = c.getresponse()
r.read()
print(r.status, flush=True)
time.sleep(60)
`;

describe.skipIf(nsMissing !== undefined)('netstat-exporter serving, in a private network namespace', () => {
  let ns: Namespace;
  const serving = new Processes();
  beforeAll(async () => {
    ns = await startNamespace(serving, 2, 2);
  }, 120_000);
  afterAll(() => {
    serving.killAll();
    if (ns !== undefined) fs.rmSync(ns.dir, { recursive: true, force: true });
  });

  it('--once sees the namespace\'s listeners', () => {
    const values = samples(ns.run(process.execPath, [EXPORTER, '--once']));
    expect(values.get('netstat_listening_sockets{protocol="tcp",family="inet",address_class="loopback",port="21000"}')).toBe(1);
    expect(values.get('netstat_listening_sockets{protocol="tcp",family="inet",address_class="wildcard",port="21999"}')).toBe(1);
    expect(values.get('netstat_sockets{protocol="tcp",family="inet",state="ESTABLISHED"}')).toBe(4);
  });

  it('serves / and /metrics (seeing its own listener), 404 elsewhere, and closes cleanly on SIGTERM with a connection open', async () => {
    const exporter = await startExporter(processes, ['--listen', '127.0.0.1:0'], { prefix: ns.enter });
    const root = ns.http(exporter.port, '/');
    expect(root.status).toBe(200);
    expect(root.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(root.body).toContain('<a href="/metrics">');
    const res = ns.http(exporter.port, '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const values = samples(res.body);
    expect(values.get(`netstat_listening_sockets{protocol="tcp",family="inet",address_class="loopback",port="${exporter.port}"}`)).toBe(1);
    const om = ns.http(exporter.port, '/metrics', { headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' } });
    expect(om.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.body.endsWith('# EOF\n')).toBe(true);
    expect(ns.http(exporter.port, '/other').status).toBe(404);
    // A keep-alive connection stays open: SIGTERM must not wait for it.
    const client = processes.spawn(ns.enter[0] as string, [...ns.enter.slice(1), 'python3', '-c', KEEP_ALIVE_CLIENT, String(exporter.port)]);
    const out = capture(client.stdout);
    await waitFor('the keep-alive client to be served', 20_000, () => (out.text().startsWith('200') ? true : undefined), 25);
    exporter.child.kill('SIGTERM');
    expect(await exitOf(exporter.child, 10_000)).toBe(0);
    expect(exporter.stderr()).toContain('netstat-exporter: SIGTERM: closing');
  });

  it('exits 0 on SIGINT too', async () => {
    const exporter = await startExporter(processes, ['--listen', '127.0.0.1:0'], { prefix: ns.enter });
    exporter.child.kill('SIGINT');
    expect(await exitOf(exporter.child, 10_000)).toBe(0);
  });

  it('a port in use: a clear message and exit 1', () => {
    // exporter.py listens on 127.0.0.1:21000.
    const r = ns.runRaw(process.execPath, [EXPORTER, '--listen', '127.0.0.1:21000'], 20_000);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('netstat-exporter: cannot listen on 127.0.0.1:21000: the address is already in use (another exporter?)\n');
  });
});
