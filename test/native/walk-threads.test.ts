/**
 * The native /proc/PID/fd walk shares its processes among `threads` threads
 * (one per core by default: backends/netlink.ts WALK_THREADS) and merges the
 * results back into walk order. Over a generated proc tree of 300 processes
 * (symlinks `socket:[N]` as the kernel shows them, some shared, some not
 * sockets), every thread count — one, a few, more than the processes, out of
 * range — gives the same rows in the same order, with and without wanted
 * inodes, sync and async.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WALK_THREADS } from '../../src/backends/netlink';
import { loadNative } from '../../src/native';

const outcome = loadNative();
const missing = 'binding' in outcome ? undefined : `native addon ${outcome.reason}`;
if (missing !== undefined) console.warn(`walk thread tests skipped: ${missing}`);

const PROCESSES = 300;

describe.skipIf(missing !== undefined)('the /proc walk on many threads', () => {
  const binding = 'binding' in outcome ? outcome.binding : undefined!;
  let root: string;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-walk-threads-'));
    for (let pid = 1; pid <= PROCESSES; pid++) {
      const dir = path.join(root, String(pid));
      fs.mkdirSync(path.join(dir, 'fd'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'cmdline'), `/usr/bin/prog${pid % 7}\0--flag\0`);
      // Own sockets, one shared with the next process, and an fd that is not a socket.
      for (let fd = 0; fd < 5; fd++) fs.symlinkSync(`socket:[${pid * 10 + fd}]`, path.join(dir, 'fd', String(fd)));
      fs.symlinkSync(`socket:[${(pid + 1) * 10}]`, path.join(dir, 'fd', '7'));
      fs.symlinkSync('/dev/null', path.join(dir, 'fd', '9'));
    }
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('every thread count gives the rows of one thread, in walk order', async () => {
    const one = binding.scanOwners(root, null, 1, null, null);
    expect(one.inodes.length).toBe(PROCESSES * 6);
    const wanted = Float64Array.from([10, 11, 1500, 3010, 99999]);
    const oneWanted = binding.scanOwners(root, wanted, 1, null, null);
    expect([...oneWanted.inodes].sort((a, b) => a - b)).toEqual([10, 11, 1500, 1500, 3010]);
    for (const threads of [2, 3, 7, WALK_THREADS, 64, 1000, 0, -5]) {
      expect(binding.scanOwners(root, null, threads, null, null), `${threads} threads`).toEqual(one);
      expect(await binding.scanOwnersAsync(root, null, threads, null, null), `${threads} threads, async`).toEqual(one);
      expect(binding.scanOwners(root, wanted, threads, null, null), `${threads} threads, wanted`).toEqual(oneWanted);
    }
  });

  it('one thread per core by default', () => {
    expect(WALK_THREADS).toBe(os.availableParallelism());
  });
});
