/**
 * The kernel's resume skip, made to happen (resume-skip.js), and the second
 * read that undoes it (native/dump_check.h; the /proc backend's
 * wantsSecondRead). In a namespace whose TCP hash table has one bucket, a
 * process holding 1,000 "keeper" connections reads the dump a datagram at a
 * time and, after each datagram, resets the "victim" connections it showed:
 * the kernel finds its place again by counting sockets into the bucket, so
 * keepers are skipped — unless the table is read a second time. The same for
 * /proc/net/tcp read a page at a time.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { wantsSecondRead } from '../../src/backends/procfs';
import type { InetSocket } from '../../src/model';
import { DumpCheck } from '../../src/native';
import { inetTuple, parseInetTable } from '../../src/procfs/inet-table';
import { runToEnd } from '../../src/procfs/slices';
import { isolated, runCommand } from '../harness/commands';
import { skipReason } from '../harness/needs';
import { ADDON_PATH } from './netns';

const CHILD = path.join(__dirname, 'resume-skip.js');
const KEEPERS = 1000;
const VICTIMS = 1500;
/** Connections added for a table of more than 16,384 sockets (DumpCheck.Auto's bound). */
const LARGE_EXTRA = 7200;
const MODES = { never: DumpCheck.Never, auto: DumpCheck.Auto, always: DumpCheck.Always };

const unavailable = skipReason('the resume-skip test', {
  unshare: ['net'],
  commands: ['ip'],
  addon: true,
  // A namespace's own TCP hash table (kernels 6.1+): with the host's, buckets hold a socket or two.
  files: ['/proc/sys/net/ipv4/tcp_child_ehash_entries'],
});

interface Outcome {
  keeperRows: string[];
  netlink: Record<keyof typeof MODES, { rows: string[]; batches: number }>;
  procfs: { first: string; reads: number; second: string };
  recorded: Record<'small' | 'large', Record<keyof typeof MODES, { dumps: number; rows: number }>>;
}

const key = (r: Pick<InetSocket, 'localPort' | 'remotePort'>) => `${r.localPort}>${r.remotePort}`;
const missingFrom = (rows: readonly string[], wanted: readonly string[]) => {
  const have = new Set(rows);
  return wanted.filter((k) => !have.has(k));
};
const repeated = (rows: readonly string[]) => rows.length - new Set(rows).size;

describe.skipIf(unavailable !== undefined)('a socket the kernel skips when its place in a bucket moves', () => {
  let outcome: Outcome | undefined;
  const load = (): Outcome => {
    if (outcome !== undefined) return outcome;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-resume-skip-'));
    try {
      const output = path.join(dir, 'out.json');
      const config = JSON.stringify({ keepers: KEEPERS, victims: VICTIMS, largeExtra: LARGE_EXTRA, modes: MODES });
      const argv = isolated([process.execPath, CHILD, ADDON_PATH, config, output], { net: true, loUp: true, tcpHash: 1 });
      const run = runCommand(argv, { encoding: 'utf8', timeoutMs: 120_000 });
      expect(run.status, `child failed: ${run.stderr}`).toBe(0);
      outcome = JSON.parse(fs.readFileSync(output, 'utf8')) as Outcome;
      const figures = Object.entries(outcome.netlink).map(([mode, l]) => `${mode} ${missingFrom(l.rows, outcome!.keeperRows).length}`);
      console.log(`resume skip: keepers missing from a ${outcome.netlink.never.batches}-datagram dump: ${figures.join(', ')}`);
      return outcome;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  it('netlink, one read (check: never): keepers are missing — the skip this guards against happens', () => {
    const { keeperRows, netlink } = load();
    expect(keeperRows).toHaveLength(2 * KEEPERS + 1);
    expect(netlink.never.batches).toBeGreaterThan(5);
    // Each reset ahead of the kernel's place skips one socket after it; about a third of the table is skipped.
    expect(missingFrom(netlink.never.rows, keeperRows).length).toBeGreaterThan(50);
    expect(repeated(netlink.never.rows)).toBe(0);
  }, 150_000);

  for (const mode of ['auto', 'always'] as const) {
    it(`netlink, check: ${mode}: the second read brings every keeper back, each once`, () => {
      const { keeperRows, netlink } = load();
      expect(netlink[mode].batches).toBeGreaterThan(5);
      expect(missingFrom(netlink[mode].rows, keeperRows)).toEqual([]);
      expect(repeated(netlink[mode].rows)).toBe(0);
    }, 150_000);
  }

  it('a whole dump reads twice as `check` says: auto up to 16,384 sockets, always at any size, never not at all', () => {
    const { recorded } = load();
    const dumps = (size: 'small' | 'large') => Object.fromEntries(Object.entries(recorded[size]).map(([mode, r]) => [mode, r.dumps]));
    expect(dumps('small')).toEqual({ never: 1, auto: 2, always: 2 });
    expect(dumps('large')).toEqual({ never: 1, auto: 1, always: 2 });
    // Nothing moved here: each read saw every socket, and the decoded recording has each once.
    expect(recorded.small.auto.rows).toBe(recorded.small.never.rows);
    expect(recorded.large.always.rows).toBe(recorded.large.never.rows);
    expect(recorded.large.never.rows).toBeGreaterThan(16_384);
    expect(recorded.small.never.rows).toBeLessThanOrEqual(16_384);
  }, 150_000);

  it('/proc/net/tcp a page per read: keepers are missing from that read; the second read adds them, each once', () => {
    const { keeperRows, procfs } = load();
    expect(procfs.reads).toBeGreaterThan(5);
    const seen = new Set<number | string>();
    const first = runToEnd(parseInetTable(Buffer.from(procfs.first, 'latin1'), 'tcp', 'inet', { selection: 'all' }, seen));
    const firstRows = first.rows.map(key);
    expect(missingFrom(firstRows, keeperRows).length).toBeGreaterThan(0);
    expect(wantsSecondRead(undefined, procfs.first.length, first.rows.length)).toBe(true);
    const taken = new Set(first.rows.map(inetTuple));
    const second = runToEnd(parseInetTable(Buffer.from(procfs.second, 'latin1'), 'tcp', 'inet', { selection: 'all' }, seen, taken));
    const all = [...firstRows, ...second.rows.map(key)];
    expect(missingFrom(all, keeperRows)).toEqual([]);
    expect(repeated(all)).toBe(0);
    // The second read keeps only what the first lacked.
    expect(second.rows.length).toBeLessThan(KEEPERS * 2 + 1);
  }, 150_000);
});

describe('when a /proc table is read a second time', () => {
  it('only when it came in more than one read (a page), and by default only up to 16,384 rows', () => {
    expect(wantsSecondRead(undefined, 4096, 10)).toBe(false);
    expect(wantsSecondRead(true, 4096, 10)).toBe(false);
    expect(wantsSecondRead(undefined, 4097, 16_384)).toBe(true);
    expect(wantsSecondRead(undefined, 4097, 16_385)).toBe(false);
    expect(wantsSecondRead(true, 4097, 1_000_000)).toBe(true);
    expect(wantsSecondRead(false, 1_000_000, 10)).toBe(false);
  });
});
