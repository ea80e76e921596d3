/**
 * Faults in the /proc files themselves, on a tmpfs mounted over /proc in a
 * private mount namespace (test/fakeproc/harness.ts) for the CLI against
 * net-tools, and on a directory given as NETSTAT_PROC_ROOT for the library:
 *
 * - unreadable tables (chmod 000 on `net/tcp` and `net/unix`, then on the
 *   whole `net/` directory), read as uid 65534: net-tools treats EACCES on
 *   an inet table like a missing one, and reports the UNIX table's error;
 *   the library reports the tables absent with code EACCES;
 * - reads that return less than asked: `net/tcp` and `net/unix` are FIFOs
 *   fed a few dozen bytes at a time with pauses (chunked-writer.py), so
 *   every read() is short and lines arrive cut anywhere. The readers must
 *   reassemble the same table (sync in the CLI, async in the library).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeTree, runOverFakeProc } from '../fakeproc/harness';
import { skipReason } from '../harness/needs';
import { realPython } from '../harness/processes';
import { AS_NOBODY, CLI, library, report } from './private-net';

const why = skipReason('/proc file fault tests', { unshare: ['mount'], oracle: true, built: true });

const WRITER = path.join(__dirname, 'chunked-writer.py');
const TCP_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const UDP_HEADER = '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n';
const UNIX_HEADER = 'Num       RefCount Protocol Flags    Type St Inode Path\n';
const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');

/** 60 TCP rows (listeners, connections in several states, timers) — several reads' worth. */
function tcpTable(): string {
  let text = TCP_HEADER;
  for (let i = 0; i < 60; i++) {
    const listening = i % 5 === 0;
    const state = listening ? 0x0a : [1, 6, 8, 4][i % 4]!;
    const remote = listening ? '00000000:0000' : `0${i % 8}00007F:${hex(40000 + i, 4)}`;
    const timer = listening ? '00:00000000' : `0${i % 3}:${hex(100 + i * 7, 8)}`;
    text += `${String(i).padStart(4)}: 0100007F:${hex(7000 + i, 4)} ${remote} ${hex(state, 2)} ${hex(i, 8)}:${hex(i * 3, 8)} ${timer} 00000000 ${String(i % 2 === 0 ? 0 : 65534).padStart(5)}        0 ${9000 + i} 1 0000000000000000 20 4 30 10 -1\n`;
  }
  return text;
}

/** 40 UNIX rows, paths with blanks included. */
function unixTable(): string {
  let text = UNIX_HEADER;
  for (let i = 0; i < 40; i++) {
    const listening = i % 4 === 0;
    const name = i % 3 === 0 ? '' : i % 3 === 1 ? ` /run/fault sock ${i}` : ` @abstract-${i}`;
    text += `0000000000000000: 00000002 00000000 ${listening ? '00010000' : '00000000'} 000${1 + (i % 2)} 0${listening ? 1 : 3} ${8000 + i}${name}\n`;
  }
  return text;
}

const TREE: FakeTree = {
  'net/tcp': tcpTable(),
  'net/tcp6': TCP_HEADER,
  'net/udp': UDP_HEADER + '  100: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5151 2 0000000000000000 0\n',
  'net/udp6': UDP_HEADER,
  'net/raw': UDP_HEADER,
  'net/raw6': UDP_HEADER,
  'net/unix': unixTable(),
};

const candidateCli = [process.execPath, CLI];
const mismatches = (results: ReturnType<typeof runOverFakeProc>) =>
  results
    .filter((r) => r.reference.status !== r.candidate.status || r.reference.stdout !== r.candidate.stdout || r.reference.stderr !== r.candidate.stderr)
    .map((r) => ({ args: r.args.join(' '), reference: r.reference, candidate: r.candidate }));

/** A copy of TREE in a directory every user can read, for NETSTAT_PROC_ROOT. */
function treeDirectory(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-faults-proc-'));
  fs.chmodSync(dir, 0o755);
  for (const [file, content] of Object.entries(TREE)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(dir, file), content as string, { encoding: 'latin1', mode: 0o644 });
  }
  return dir;
}

function runLibrary(root: string, asNobody: boolean, query: object): Record<string, unknown> {
  const argv = [...(asNobody ? AS_NOBODY : []), ...library('list', query)];
  const r = spawnSync(argv[0]!, argv.slice(1), {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NETSTAT_PROC_ROOT: root, NETSTAT_BACKEND: '' },
  });
  return report({ status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr });
}

describe.skipIf(why !== undefined)('unreadable /proc/net files, read as uid 65534', () => {
  const CASES = [['-tan'], ['-an'], ['-t'], ['-a'], ['-uan'], ['-xa'], ['-x'], ['-tanp'], ['-tn', '-4'], ['-6'], ['-v']];

  it('chmod 000 net/tcp and net/unix: the CLI prints what net-tools prints, message and status included', () => {
    const results = runOverFakeProc(TREE, CASES, candidateCli, { setup: ['chmod 000 /proc/net/tcp /proc/net/unix'], user: 'nobody' });
    expect(results.find((r) => r.args.join(' ') === '-xa')!.reference.status).not.toBe(0); // the fault is felt
    expect(mismatches(results)).toEqual([]);
  });

  it('chmod 000 on the net/ directory: same', () => {
    const results = runOverFakeProc(TREE, [...CASES, ['-s'], ['-r'], ['-i'], ['-g']], candidateCli, { setup: ['chmod 000 /proc/net'], user: 'nobody' });
    expect(mismatches(results)).toEqual([]);
  });

  describe('the library', () => {
    let root: string;
    beforeAll(() => {
      root = treeDirectory();
      fs.chmodSync(path.join(root, 'net/tcp'), 0o000);
    });
    afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

    it('reports the unreadable table absent with code EACCES and lists the others', () => {
      const list = runLibrary(root, true, { protocols: ['tcp', 'udp'] });
      const tables = list.tables as Array<Record<string, unknown>>;
      expect(tables.find((t) => t.table === 'tcp/inet')).toEqual({
        table: 'tcp/inet',
        status: 'absent',
        backend: 'procfs',
        reason: `proc root ${root} is not the live /proc`,
        rows: 0,
        malformed: 0,
        code: 'EACCES',
      });
      expect(list.missing).toEqual(['tcp/inet']);
      expect(list.rows).toEqual(['udp/inet 0.0.0.0:53 CLOSE -']);
    });

    it('as root (which no mode bits stop) the same table is read', () => {
      const list = runLibrary(root, false, { protocols: ['tcp'] });
      expect(list.missing).toEqual([]);
      expect(list.rows as string[]).toHaveLength(60);
    });
  });
});

describe.skipIf(why !== undefined)('short reads: tables served through FIFOs a few bytes at a time', () => {
  let sources: string;
  beforeAll(() => {
    sources = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-faults-fifo-'));
    fs.writeFileSync(path.join(sources, 'tcp'), TREE['net/tcp'] as string, 'latin1');
    fs.writeFileSync(path.join(sources, 'unix'), TREE['net/unix'] as string, 'latin1');
  });
  afterAll(() => fs.rmSync(sources, { recursive: true, force: true }));

  /** Replace a table of the mounted tree with a FIFO fed by the chunked writer. */
  const fifo = (table: 'tcp' | 'unix', chunk: number, delayMs: number) => [
    // (mkfifo -m would need /proc/self/fd, which the fake /proc lacks.)
    `rm /proc/net/${table} && mkfifo /proc/net/${table} && chmod 644 /proc/net/${table}`,
    `${realPython()} ${WRITER} /proc/net/${table} ${path.join(sources, table)} ${chunk} ${delayMs} </dev/null >/dev/null 2>&1 &`,
  ];

  it('the CLI reassembles every line, as net-tools does', () => {
    const cases = [['-tan'], ['-xa'], ['-an'], ['-tanoe'], ['-tn'], ['-xl']];
    const results = runOverFakeProc(TREE, cases, candidateCli, { setup: [...fifo('tcp', 37, 2), ...fifo('unix', 23, 2)] });
    // The FIFOs are what was read: every row came through them.
    expect(results[0]!.reference.stdout.split('\n').filter((l) => l.startsWith('tcp '))).toHaveLength(60);
    expect(mismatches(results)).toEqual([]);
  });

  describe('the library (async reads)', () => {
    let root: string;
    const writers: ChildProcess[] = [];
    beforeAll(() => {
      root = treeDirectory();
      for (const [table, chunk] of [['tcp', 41], ['unix', 19]] as const) {
        const file = path.join(root, 'net', table);
        fs.rmSync(file);
        spawnSync('mkfifo', ['-m', '644', file]);
        writers.push(spawn(realPython(), [WRITER, file, path.join(sources, table), String(chunk), '1'], { stdio: 'ignore' }));
      }
    });
    afterAll(() => {
      for (const w of writers) w.kill('SIGKILL');
      fs.rmSync(root, { recursive: true, force: true });
    });

    it('gives the same rows as from regular files', () => {
      const plain = treeDirectory();
      try {
        const expected = runLibrary(plain, false, { protocols: ['tcp', 'unix'] });
        const got = runLibrary(root, false, { protocols: ['tcp', 'unix'] });
        expect((expected.rows as string[]).length).toBe(100);
        expect(got.rows).toEqual(expected.rows);
        expect(got.tables).toEqual((expected.tables as Array<Record<string, unknown>>).map((t) => ({ ...t, reason: `proc root ${root} is not the live /proc` })));
      } finally {
        fs.rmSync(plain, { recursive: true, force: true });
      }
    });
  });
});
