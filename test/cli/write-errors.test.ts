/**
 * Write errors on the CLI's output, as net-tools meets them: it never checks
 * a write, so a full device is silent and leaves the status alone, and a
 * closed pipe kills it with SIGPIPE. Also the order in which standard output
 * reaches a non-terminal when standard error is written in between (stdio's
 * block buffering), which decides what a closed pipe lets through.
 *
 * The process tests compare `dist/cli.js` with /usr/bin/netstat on arguments
 * whose stderr and status do not depend on the host's sockets; the
 * differential suite (test/diff) runs the same cases in its scenario.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Output } from '../../src/cli/output';

const repo = path.resolve(__dirname, '..', '..');
const cli = path.join(repo, 'dist', 'cli.js');
const ORACLE = '/usr/bin/netstat';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'netstat-write-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A pipe whose reading end is closed: a FIFO opened both ways, then the reader closed. */
function closedPipe(): number {
  const fifo = path.join(tmp, `fifo-${Math.random().toString(36).slice(2)}`);
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, constants.O_WRONLY);
  closeSync(reader);
  return writer;
}

describe('Output', () => {
  it('writes to standard error after the whole stdio blocks of standard output queued so far', () => {
    // One file for both streams, as `2>&1` into a file (st_blksize 4096 on the usual file systems).
    const file = path.join(tmp, 'merged');
    const fd = openSync(file, 'w');
    const out = new Output(fd, fd);
    out.out('a'.repeat(4096));
    out.err('E1\n'); // exactly one full block: stdio writes it only when a further byte comes
    out.out('b');
    out.err('E2\n'); // now the first block has gone out
    out.out('c'.repeat(10));
    out.flush(); // fflush: everything, and the next block starts here
    out.out('d'.repeat(4097));
    out.err('E3\n');
    out.flush();
    closeSync(fd);
    expect(readFileSync(file, 'latin1')).toBe(
      'E1\n' + 'a'.repeat(4096) + 'E2\n' + 'b' + 'c'.repeat(10) + 'd'.repeat(4096) + 'E3\n' + 'd',
    );
  });

  it('writes standard output in stdio blocks as it goes (not on a terminal)', () => {
    const file = path.join(tmp, 'blocks');
    const fd = openSync(file, 'w');
    const out = new Output(fd, fd);
    const size = () => readFileSync(file).length;
    out.out('x'.repeat(4096));
    expect(size()).toBe(0); // a full buffer waits for one more byte
    out.out('y');
    expect(size()).toBe(4096);
    out.out('z'.repeat(3 * 4096));
    expect(size()).toBe(4 * 4096);
    out.flush();
    expect(size()).toBe(4 * 4096 + 1);
    closeSync(fd);
  });

  it('drops output to a full device without a word', () => {
    const full = openSync('/dev/full', 'w');
    const out = new Output(full, full);
    out.out('x'.repeat(100_000));
    out.err('message\n');
    out.flush();
    closeSync(full);
    expect(out.closed).toBe(false);
  });

  it('calls onBrokenPipe when the reader has gone, then drops everything', () => {
    const fd = closedPipe();
    let broken = 0;
    const out = new Output(fd, fd, () => broken++);
    out.out('lost\n');
    expect(broken).toBe(0); // still buffered
    out.flush();
    expect([broken, out.closed]).toEqual([1, true]);
    out.out('more\n');
    out.err('and this\n');
    out.flush();
    expect(broken).toBe(1);
    closeSync(fd);
  });
});

interface Ended {
  status: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Run a program with stdout on `stdout` (a descriptor), collecting stderr. */
function run(command: string[], stdout: number, timeoutMs = 10_000): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', stdout, 'pipe'], timeout: timeoutMs });
    let stderr = '';
    child.stderr!.setEncoding('latin1');
    child.stderr!.on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stderr }));
  });
}

const oracleMissing = existsSync(ORACLE) ? null : `${ORACLE} (net-tools, the oracle) is not installed`;
if (oracleMissing) console.warn(`[write-errors] process comparisons skipped: ${oracleMissing}`);

// Arguments whose stderr and status do not depend on the host's sockets.
const ARGS = [['-V'], ['-h'], ['-q'], ['--tcpip', '-V'], ['-A', 'bogus'], ['-tn'], ['-rn'], ['-tnc']];

describe.skipIf(oracleMissing !== null)('netstat on write errors, against net-tools', () => {
  for (const args of ARGS) {
    it(`netstat ${args.join(' ')} > /dev/full: silent, with its usual status`, async () => {
      const full = openSync('/dev/full', 'w');
      try {
        // -c never ends by itself: compare the first seconds (no message, still running).
        const limit = args.includes('-tnc') ? 2500 : 10_000;
        const [reference, ours] = await Promise.all([run([ORACLE, ...args], full, limit), run([process.execPath, cli, ...args], full, limit)]);
        expect(ours).toEqual(reference);
        expect(ours.stderr).not.toContain('ENOSPC');
      } finally {
        closeSync(full);
      }
    });

    it(`netstat ${args.join(' ')} into a closed pipe: killed by SIGPIPE where net-tools is`, async () => {
      const fd = closedPipe();
      try {
        const [reference, ours] = await Promise.all([run([ORACLE, ...args], fd), run([process.execPath, cli, ...args], fd)]);
        expect(ours).toEqual(reference);
      } finally {
        closeSync(fd);
      }
    });
  }

  it('a closed pipe on standard error is SIGPIPE too; a full one is ignored', () => {
    for (const args of [['-q'], ['--tcpip', '-V']]) {
      const full = openSync('/dev/full', 'w');
      const stderrFull = (command: string[]) => spawnSync(command[0]!, [...command.slice(1), ...args], { stdio: ['ignore', 'ignore', full] });
      const [reference, ours] = [stderrFull([ORACLE]), stderrFull([process.execPath, cli])];
      closeSync(full);
      expect([ours.status, ours.signal]).toEqual([reference.status, reference.signal]);
    }
    for (const args of [['-q'], ['-h']]) {
      const fd = closedPipe();
      const stderrClosed = (command: string[]) => spawnSync(command[0]!, [...command.slice(1), ...args], { stdio: ['ignore', 'ignore', fd] });
      const reference = stderrClosed([ORACLE]);
      const ours = stderrClosed([process.execPath, cli]);
      closeSync(fd);
      expect([ours.status, ours.signal]).toEqual([reference.status, reference.signal]);
      expect(reference.signal).toBe('SIGPIPE');
    }
  });
});

describe('--json and --ndjson on write errors (this project\'s own output; net-tools has none)', () => {
  for (const args of [['--json', '-tn'], ['--ndjson', '-a'], ['--json', '-rn'], ['--json', '-s'], ['--ndjson', '-i']]) {
    it(`netstat ${args.join(' ')}: silent with status 0 on /dev/full, killed by SIGPIPE on a closed pipe`, async () => {
      const full = openSync('/dev/full', 'w');
      const onFull = await run([process.execPath, cli, ...args], full);
      closeSync(full);
      expect(onFull).toEqual({ status: 0, signal: null, stderr: '' });
      const fd = closedPipe();
      const onClosed = await run([process.execPath, cli, ...args], fd);
      closeSync(fd);
      expect(onClosed).toEqual({ status: null, signal: 'SIGPIPE', stderr: '' });
    });
  }
});

describe('netstat -c | head -c 1', () => {
  it('dies of SIGPIPE at the first pass written after its reader has gone, as net-tools does', async () => {
    const child = spawn(process.execPath, [cli, '-c', '-an'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const [status, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (code, sig) => resolve([code, sig])));
    expect([status, signal, stderr]).toEqual([null, 'SIGPIPE', '']);
  });
});
