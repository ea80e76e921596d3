/**
 * `netstat --watch` as a process. In a private namespace (cli-scenario.js): a
 * listener, a connection, bytes left unread, the connection closed, then
 * SIGINT/SIGTERM. Each text line is an ISO time stamp, a space, `+`/`-`/`~`,
 * a space, then exactly the row net-tools prints for that socket (compared
 * with `/usr/bin/netstat` run in the same namespace at the same moment);
 * `--ndjson` lines are JSON events. A signal ends it with status 0 and nothing
 * on stderr; so does a reader going away. Misuse exits 1 with a message, and
 * unknown options behave exactly as net-tools' own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipReason } from '../harness/needs';
import { ORACLE } from '../harness/paths';
import { CLI, lastJson, requireDist, runChild } from './helpers';

const SCENARIO = path.join(__dirname, 'cli-scenario.js');
const NET_TOOLS = ORACLE;
const unavailable = skipReason('the live --watch runs', { unshare: ['net'], commands: ['ip'], oracle: true });

const LINE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z) ([+~-]) (.*)$/;

interface Listing {
  status: number;
  rows: string[];
  stderr: string;
}
interface Events {
  port: number;
  clientPort: number;
  started: number;
  ended: number;
  initialLines: number;
  upListing: Listing;
  queuedListing: Listing;
  exit: { status: number | null; signal: string | null; at?: number };
  stderr: string;
  lines: Array<{ text: string; at: number }>;
}

async function watchRun(backend: string, signal: 'SIGINT' | 'SIGTERM', args: string[]): Promise<Events> {
  // A TCP hash table of its own: six watches dumping every 100 ms would otherwise each walk
  // the host's whole table, which is slow on a big host (the churn test does walk it).
  const run = await runChild(process.execPath, [SCENARIO, 'events', signal, '--watch', '--interval=100', ...args], {
    netns: { tcpHash: 1024 },
    timeoutMs: 60_000,
    env: { ...process.env, NETSTAT_BACKEND: backend },
  });
  if (run.status !== 0) throw new Error(`cli-scenario failed (${String(run.status)}): ${run.stderr}\n${run.stdout}`);
  return lastJson<Events>(run);
}

/** The parsed text lines; every one must have the format. */
function parse(r: Events) {
  return r.lines.map(({ text }) => {
    const m = LINE.exec(text);
    expect(m, `line ${JSON.stringify(text)}`).not.toBeNull();
    const [, stamp, mark, row] = m!;
    expect(new Date(stamp!).toISOString()).toBe(stamp);
    expect(Date.parse(stamp!)).toBeGreaterThanOrEqual(r.started - 1000);
    expect(Date.parse(stamp!)).toBeLessThanOrEqual(r.ended);
    return { mark: mark!, row: row! };
  });
}

const sorted = (rows: Iterable<string>) => [...rows].sort();

describe.skipIf(unavailable !== undefined)('--watch in a private namespace', () => {
  describe.each(['netlink', 'procfs'])('NETSTAT_BACKEND=%s', (backend) => {
    it.concurrent('-tn: + - ~ lines carry net-tools rows; SIGINT ends it with status 0, stderr empty', async () => {
      requireDist();
      const r = await watchRun(backend, 'SIGINT', ['-tn']);
      expect(r.exit).toMatchObject({ status: 0, signal: null });
      expect(r.stderr).toBe('');
      expect(r.initialLines).toBe(0); // -tn: the listener is not shown, nothing else exists
      const lines = parse(r);
      expect(r.upListing.status).toBe(0);
      expect(r.upListing.rows).toHaveLength(2);
      const added = lines.filter((l) => l.mark === '+').map((l) => l.row);
      const changed = lines.filter((l) => l.mark === '~').map((l) => l.row);
      const removed = lines.filter((l) => l.mark === '-').map((l) => l.row);
      // Added: exactly the rows net-tools printed while the connection was up.
      expect(sorted(new Set(added))).toEqual(sorted(r.upListing.rows));
      // Changed: the server side with its 10 unread bytes, as net-tools printed it then.
      const queuedServer = r.queuedListing.rows.find((row) => row.startsWith('tcp       10 '));
      expect(queuedServer).toBeDefined();
      expect(changed).toContain(queuedServer);
      for (const row of changed) expect([...r.upListing.rows, ...r.queuedListing.rows]).toContain(row);
      // Removed: the last rows seen, i.e. what net-tools printed last.
      expect(sorted(new Set(removed))).toEqual(sorted(r.queuedListing.rows));
      if (backend === 'netlink') {
        // (On /proc a dump that catches the server side before accept() sees an inode-0
        // socket of its own, which makes one more +/- pair with the same row text.)
        expect([added.length, removed.length]).toEqual([2, 2]);
      }
      // The removals come after the change, the change after the additions.
      const marks = lines.map((l) => l.mark).join('');
      expect(marks).toMatch(/^\++~+-+$/);
    });

    it.concurrent('-tan: the listener is added by the first dump; SIGTERM ends it with status 0', async () => {
      requireDist();
      const r = await watchRun(backend, 'SIGTERM', ['-tan']);
      expect(r.exit).toMatchObject({ status: 0, signal: null });
      expect(r.stderr).toBe('');
      expect(r.initialLines).toBe(1);
      const lines = parse(r);
      const listener = r.upListing.rows.find((row) => / LISTEN\s*$/.test(row));
      expect(listener).toBeDefined();
      expect(lines[0]).toEqual({ mark: '+', row: listener });
      expect(r.upListing.rows).toHaveLength(3);
      expect(sorted(new Set(lines.filter((l) => l.mark === '+').map((l) => l.row)))).toEqual(sorted(r.upListing.rows));
      // The listener is never removed.
      expect(lines.filter((l) => l.mark === '-').map((l) => l.row)).not.toContain(listener);
    });

    it.concurrent('--ndjson: one JSON event a line ({time, event, kind, previous?, socket}); SIGINT ends it with status 0', async () => {
      requireDist();
      const r = await watchRun(backend, 'SIGINT', ['-tn', '--ndjson']);
      expect(r.exit).toMatchObject({ status: 0, signal: null });
      expect(r.stderr).toBe('');
      const events = r.lines.map((l) => JSON.parse(l.text) as Record<string, unknown> & { socket: Record<string, unknown> });
      expect(events.length).toBeGreaterThanOrEqual(5);
      for (const e of events) {
        expect(Object.keys(e).sort()).toEqual(e.event === 'changed' ? ['event', 'kind', 'previous', 'socket', 'time'] : ['event', 'kind', 'socket', 'time']);
        expect(new Date(e.time as string).toISOString()).toBe(e.time);
        expect(['added', 'removed', 'changed']).toContain(e.event);
        expect(e.kind).toBe('inet');
        expect(e.socket).toMatchObject({ protocol: 'tcp', family: 'inet', localAddress: '127.0.0.1', remoteAddress: '127.0.0.1' });
      }
      const server = (e: (typeof events)[number]) => e.socket.localPort === r.port && e.socket.remotePort === r.clientPort;
      const change = events.find((e) => e.event === 'changed' && server(e));
      expect(change).toBeDefined();
      expect(change!.previous).toMatchObject({ stateName: 'ESTABLISHED', recvQueue: 0 });
      expect(change!.socket).toMatchObject({ recvQueue: 10, stateName: 'ESTABLISHED' });
      expect(events.filter((e) => e.event === 'added').length).toBeGreaterThanOrEqual(2);
      expect(events.filter((e) => e.event === 'removed').length).toBeGreaterThanOrEqual(2);
    });
  });

  // As every mode of this netstat, and as net-tools: a closed pipe ends the process by SIGPIPE (the shell's 141), silently.
  it('a reader going away ends it by SIGPIPE, silently, at the next event', async () => {
    requireDist();
    const run = await runChild(process.execPath, [SCENARIO, 'pipe-close', 'SIGINT', '--watch', '--interval=100', '-tn'], { netns: { tcpHash: 1024 }, timeoutMs: 60_000 });
    const r = lastJson<{ exitedByItself: boolean; exit: { status: number | null; signal: string | null }; stderr: string; lines: unknown[] }>(run);
    expect(r.exitedByItself).toBe(true);
    expect(r.exit).toMatchObject({ status: null, signal: 'SIGPIPE' });
    expect(r.stderr).toBe('');
    expect(r.lines.length).toBeGreaterThanOrEqual(1);
  });
});

describe('--watch misuse', () => {
  const run = async (args: string[], file = process.execPath) => {
    const r = await runChild(file, file === process.execPath ? [CLI, ...args] : args, { netns: false, timeoutMs: 20_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
  };

  it.concurrent.each([
    [['--watch', '-s'], /--watch applies to the socket listing only/],
    [['--watch', '--json'], /--watch applies to the socket listing only, as text or --ndjson/],
    [['--watch', '-r'], /--watch applies to the socket listing only/],
    [['--watch', '--interval=5'], /--interval takes milliseconds from 10 to 2147483647 \(got '5'\)/],
    [['--watch', '--interval=x'], /--interval takes milliseconds from 10 to 2147483647 \(got 'x'\)/],
    [['--watch', '--interval='], /--interval takes milliseconds/],
    [['--watch', '--interval=2147483648'], /--interval takes milliseconds/],
  ])('%j exits 1 with a one-line message and prints nothing', async (args, message) => {
    requireDist();
    const r = await run(args);
    expect(r.signal).toBeNull(); // it did not hang (a watch would)
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it.skipIf(!fs.existsSync(NET_TOOLS)).concurrent.each([[['--watc']], [['--interva=5']], [['--watc', '-tn']], [['-tn', '--interva=5', '--watch']]])(
    '%j: an unknown option, exactly as net-tools reports it',
    async (args) => {
      requireDist();
      const ours = await run(args);
      const theirs = await run(args, NET_TOOLS);
      expect(theirs.status).not.toBe(0);
      expect(ours).toEqual(theirs);
    },
  );
});
