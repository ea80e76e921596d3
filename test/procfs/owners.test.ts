import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OwnerScan } from '../../src/backends/types';
import { walkOwners } from '../../src/procfs/owner-walk';
import { programNameOf } from '../../src/procfs/program-name';
import { runInSlices, runToEnd } from '../../src/procfs/slices';
import { socketInodeOfLink, strtoulWhole } from '../../src/procfs/socket-link';
import { copyTree, fixture, inetRows } from './helpers';
import { oracleOverProc, overProc, runCommand } from '../harness/commands';
import { skipReason } from '../harness/needs';

const link = (text: string) => socketInodeOfLink(Buffer.from(text, 'latin1'));

describe('socket link targets (net-tools rules)', () => {
  it.each([
    ['socket:[12345]', 12345],
    ['socket:[12]', 12],
    ['socket:[0x1F]', 31], // strtoul base 0: hex
    ['socket:[010]', 8], // … and octal
    ['socket:[ 7014]', 7014], // strtoul skips leading blanks
    ['[0000]:7008', 7008],
    ['[0000]:                  7010junk', 7010], // only 29 bytes are read: the junk is cut off
  ])('%s → %d', (text, inode) => {
    expect(link(text)).toBe(inode);
  });

  it.each([
    'socket:[1]', // shorter than "socket:[" + 3
    'socket:[12a]',
    'socket:[12',
    'socket:[]]]',
    'socket:[08]', // 8 is not octal
    'pipe:[12345]',
    'anon_inode:[eventpoll]',
    '/dev/null',
    '[0000]:',
    '[0000]:12x',
    '[0000]:123456789012345678901234567', // cut to 22 digits, which overflow
    'socket:[18446744073709551615]', // ULONG_MAX is rejected
  ])('%s is not a socket', (text) => {
    expect(link(text)).toBeUndefined();
  });

  it('strtoulWhole follows strtoul(…, 0) and needs the whole text', () => {
    const parse = (text: string) => strtoulWhole(Buffer.from(text), 0, text.length);
    expect(parse('42')).toBe(42);
    expect(parse('+42')).toBe(42);
    expect(parse('0')).toBe(0);
    expect(parse('0x')).toBeUndefined(); // strtoul stops after "0"
    expect(parse('')).toBeUndefined();
    expect(parse(' ')).toBeUndefined();
    expect(parse('-0')).toBe(0);
    expect(parse('-2')).toBeUndefined(); // glibc wraps to 2^64-2, not exact in a JS number: refused
  });
});

describe('program names from cmdline', () => {
  const name = (bytes: string) => programNameOf(Buffer.from(bytes, 'utf8'));
  it('takes argv[0], reduced to its base name only when absolute', () => {
    expect(name('/usr/sbin/sshd\0-D\0')).toEqual({ text: 'sshd' });
    expect(name('sshd: root@pts/0\0\0')).toEqual({ text: 'sshd: root@pts/0' });
    expect(name('relative/path/prog\0')).toEqual({ text: 'relative/path/prog' });
    expect(name('/usr/bin/\0')).toEqual({ text: '' });
    expect(name('')).toEqual({ text: '' });
    expect(name('/a/b c/d e\0')).toEqual({ text: 'd e' });
  });
  it('reads at most 511 bytes', () => {
    expect(name(`/${'x'.repeat(600)}`)).toEqual({ text: 'x'.repeat(510) });
    expect(name(`${'y'.repeat(600)}`)).toEqual({ text: 'y'.repeat(511) });
  });
  it('keeps the bytes (base64) only when they are not valid UTF-8', () => {
    expect(name('/opt/café\0')).toEqual({ text: 'café' });
    const latin1 = Buffer.from([0x2f, 0x62, 0x69, 0x6e, 0x2f, 0x63, 0x61, 0x66, 0xe9, 0x00]); // "/bin/caf\xe9"
    expect(programNameOf(latin1)).toEqual({ text: 'caf\ufffd', base64: Buffer.from([0x63, 0x61, 0x66, 0xe9]).toString('base64') });
  });
});

/** PIDs of a tree in readdir order (the order net-tools walks). */
function walkOrder(root: string): number[] {
  const dir = fs.opendirSync(root);
  const pids: number[] = [];
  for (let e = dir.readSync(); e !== null; e = dir.readSync()) if (/^\d+$/.test(e.name)) pids.push(Number(e.name));
  dir.closeSync();
  return pids;
}

/** inode → "pid/program" of every holder, for compact comparisons. */
function holders(scan: OwnerScan): Record<number, string[]> {
  const out: Record<number, string[]> = {};
  for (const [inode, refs] of scan.owners) out[inode] = refs.map((r) => `${r.pid}/${r.program}`);
  return out;
}

/** Runs `fn` with effective uid 65534 (root can always restore it: the real and saved uids stay 0). */
function asNobody<T>(fn: () => T): T {
  process.seteuid!(65534);
  try {
    return fn();
  } finally {
    process.seteuid!(0);
  }
}
const isRoot = process.geteuid?.() === 0;
if (!isRoot) console.warn('skipping non-root owner-walk tests: they switch the effective uid, which needs root');

describe('owner walk over the hand-made tree', () => {
  let root: string;
  beforeAll(() => {
    root = copyTree(fixture('owners'));
    fs.chmodSync(path.join(root, '30/fd'), 0o000);
  });
  afterAll(() => {
    fs.chmodSync(path.join(root, '30/fd'), 0o755);
    fs.rmSync(root, { recursive: true });
  });

  const B510 = 'b'.repeat(510);
  const everyHolder = (order: number[]): Record<number, string[]> => ({
    7001: order.filter((pid) => pid === 1 || pid === 12).map((pid) => (pid === 1 ? '1/init' : '12/nginx: worker process')),
    7002: ['1/init'],
    7003: ['12/nginx: worker process'],
    7004: ['20/relative/path/prog'],
    7005: ['30/secret'],
    7008: [`60/${B510}`],
    7010: [`60/${B510}`],
    7014: [`60/${B510}`],
    12: [`60/${B510}`],
    31: [`60/${B510}`],
    8: [`60/${B510}`],
    7013: ['70/'],
  });

  it('maps every socket fd to its holders in walk order (as root nothing is denied)', () => {
    const scan = runToEnd(walkOwners(root, { isRoot: true }));
    expect(holders(scan)).toEqual(everyHolder(walkOrder(root)));
    // 40 has no fd directory, 50 no cmdline (its sockets are skipped, as net-tools does)
    expect(scan).toMatchObject({ denied: 0, vanished: 2, procUnreadable: false });
  });

  it('lets all sockets of one process share one ProcessRef', () => {
    const scan = runToEnd(walkOwners(root, { isRoot: true }));
    expect(scan.owners.get(12)![0]).toBe(scan.owners.get(31)![0]);
  });

  it.skipIf(!isRoot)('counts an unreadable fd directory as denied for a non-root caller', () => {
    const scan = asNobody(() => runToEnd(walkOwners(root, { isRoot: false })));
    expect(scan.denied).toBe(1);
    expect(scan.owners.has(7005)).toBe(false);
    const expected = everyHolder(walkOrder(root));
    delete expected[7005];
    expect(holders(scan)).toEqual(expected);
  });

  it('stops after the process that gave the last wanted inode its first holder', () => {
    const order = walkOrder(root);
    const scan = runToEnd(walkOwners(root, { wanted: new Set([7002]), isRoot: true }));
    expect(scan.owners.get(7002)!.map((r) => r.pid)).toEqual([1]);
    const walked = order.slice(0, order.indexOf(1) + 1);
    for (const refs of scan.owners.values()) for (const r of refs) expect(walked).toContain(r.pid);
    if (order.indexOf(1) < order.indexOf(60)) expect(scan.owners.has(12)).toBe(false);
  });

  it.skipIf(!isRoot)('after an early stop, still counts denied processes when not root', () => {
    const scan = asNobody(() => runToEnd(walkOwners(root, { wanted: new Set([7002]), isRoot: false })));
    expect(scan.denied).toBe(1);
  });

  it('reports an unreadable proc root', () => {
    const scan = runToEnd(walkOwners(path.join(root, 'no-such-dir'), { isRoot: true }));
    expect(scan).toEqual({ owners: new Map(), denied: 0, vanished: 0, procUnreadable: true });
  });

  it('gives the same result sync and async', async () => {
    const sync = runToEnd(walkOwners(root, { isRoot: true }));
    const async = await runInSlices(walkOwners(root, { isRoot: true }), 0);
    expect(holders(async)).toEqual(holders(sync));
    expect({ ...async, owners: null }).toEqual({ ...sync, owners: null });
  });
});

const oracleSkip = skipReason('net-tools oracle tests', { unshare: ['mount'], oracle: true });

describe.skipIf(oracleSkip !== undefined)('against net-tools netstat -p over the same tree', () => {
  /** The PID/Program column net-tools prints for each row of the tree's net/tcp, from our scan. */
  function labels(scan: OwnerScan): string[] {
    const inodes = fs
      .readFileSync(fixture('owners/net/tcp'), 'utf8')
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((line) => Number(line.trim().split(/\s+/)[9]));
    return inodes.map((inode) => {
      const first = scan.owners.get(inode)?.[0];
      return first === undefined ? '-' : `${first.pid}/${first.program}`.slice(0, 19);
    });
  }
  /** The label column, cut from the fixed-width line (labels may contain blanks). */
  const printedLabels = (stdout: string) =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('tcp '))
      .map((line) => line.slice(80, 99).trimEnd());

  let root: string;
  let tmpfsOrder: number[];
  beforeAll(() => {
    root = copyTree(fixture('owners'));
    fs.chmodSync(path.join(root, '30/fd'), 0o000);
    tmpfsOrder = walkOrderOnTmpfs();
  });
  afterAll(() => {
    fs.chmodSync(path.join(root, '30/fd'), 0o755);
    fs.rmSync(root, { recursive: true });
  });

  // netstat walks a tmpfs copy, whose readdir order differs from ours; first
  // holders are compared after putting our holders in that order.
  it('names the same first holder for every socket (root)', () => {
    const run = oracleOverProc(fixture('owners'), ['-antp'], { setup: 'chmod 000 /proc/30/fd', encoding: 'utf8' });
    const scan = reorder(runToEnd(walkOwners(root, { isRoot: true })), tmpfsOrder);
    expect(inetRows(run.stdout)).toHaveLength(18);
    expect(printedLabels(run.stdout)).toEqual(labels(scan));
    expect(run.stderr).toBe('');
  });

  it.skipIf(!isRoot)('agrees as uid 65534: same labels, and the notice exactly when we count a denial', () => {
    const run = oracleOverProc(fixture('owners'), ['-antp'], { setup: 'chmod 000 /proc/30/fd', user: 'nobody', encoding: 'utf8' });
    const scan = reorder(asNobody(() => runToEnd(walkOwners(root, { isRoot: false }))), tmpfsOrder);
    expect(printedLabels(run.stdout)).toEqual(labels(scan));
    expect(printedLabels(run.stdout)[4]).toBe('-'); // inode 7005 belongs to 30
    expect(scan.denied).toBe(1);
    expect(run.stderr).toContain('(Not all processes could be identified');
  });
});

/** The readdir order of the owners tree when copied onto a tmpfs (what netstat walks above). */
function walkOrderOnTmpfs(): number[] {
  const out = runCommand(overProc(fixture('owners'), ['ls', '-f', '/proc']), { encoding: 'utf8' });
  return out.stdout.split('\n').filter((n) => /^\d+$/.test(n)).map(Number);
}

/** The scan with each inode's holders in the given process order. */
function reorder(scan: OwnerScan, order: number[]): OwnerScan {
  const owners = new Map([...scan.owners].map(([inode, refs]) => [inode, [...refs].sort((a, b) => order.indexOf(a.pid) - order.indexOf(b.pid))]));
  return { ...scan, owners };
}
