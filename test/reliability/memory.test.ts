/**
 * Memory, CI-sized: memory.js (run by hand for 10,000 calls of each kind:
 * `npm run test:memory`) in one process holding 200 TCP sockets, 400 calls
 * of each of listSocketsSync, listSockets, countSocketsSync and countSockets
 * (with owners: every call is the dumps and the fd walk) to warm up, then
 * 800 more of each, sampled every 100 after a full GC; on the backend CI
 * forces through NETSTAT_BACKEND (both when it is unset).
 *
 * The bounds. A call lists ~210 sockets; kept by mistake, that is ~50 KB of
 * records a call, 40 MiB over 800 calls. Measured here (2 loaded cores; V8's
 * young generation fixed, see memory.js), the resident set after warm-up
 * moves by -6 to +3 MiB over the 800 calls (the allocators of the threads
 * the async calls use, settling), and it can swing above a steady floor
 * between samples (array buffers the collector frees on its own schedule:
 * ~25 MiB when each async listing left a batch-sized array per stream, as
 * it did until 2026-12-02); growth is taken between floors (the
 * lowest of the first three samples and of the last three, 600 calls apart
 * for a steady leak), so 8 MiB is clear of the noise and catches any leak
 * of 14 KB a call or more — a listing, a netlink receive buffer (32 KiB), a
 * packed-rows buffer. The JS heap after a full GC is steadier
 * (within 0.1 MiB): 1 MiB catches a JS leak of 1.3 KB a call. Smaller leaks
 * take longer runs: test:memory does 10,000 calls of each. Open fds and
 * threads must not move at all. A window that grew past the bound is
 * followed by a second one, which is judged: a leak grows both, a settling
 * step only one.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipReason } from '../harness/needs';
import { lastJson, requireDist, runChild } from '../watch/helpers';

const MEMORY = path.join(__dirname, 'memory.js');
const CALLS = 800;

const forced = process.env.NETSTAT_BACKEND;
const backends = forced === 'netlink' || forced === 'procfs' ? [forced] : ['netlink', 'procfs'];

const unavailable = skipReason('the memory runs', { unshare: ['net', 'pid', 'mount'], commands: ['ip'] });

interface CallResult {
  call: string;
  dumps: number;
  socketsSeen: number;
  msPerCall: number;
  rssStartMiB: number;
  rssEndMiB: number;
  rssGrowthMiB: number;
  heapGrowthMiB: number;
  externalGrowthMiB: number;
  rssSamplesMiB: number[];
  fds: { before: number; after: number };
  threads: { before: number; after: number };
  /** Present when the first window's resident set grew past the bound and a second was judged. */
  firstWindow?: { rssGrowthMiB: number; rssSamplesMiB: number[]; fds: { before: number; after: number }; threads: { before: number; after: number } };
}

describe.skipIf(unavailable !== undefined)('memory: repeated calls do not grow the process', () => {
  it.each(backends)('%s', async (backend) => {
    requireDist();
    const args = [MEMORY, '--backend', backend, '--sockets', '200', '--warmup', '400', '--dumps', String(CALLS), '--every', '100', '--max-rss-growth', '8', '--max-heap-growth', '1', '--json'];
    const run = await runChild(process.execPath, args, { netns: false, timeoutMs: 100_000 });
    const r = lastJson<{ results: CallResult[] }>(run);
    for (const x of r.results) {
      console.log(
        `memory ${backend} ${x.call}: ${x.dumps} calls of ${x.msPerCall} ms, RSS ${x.rssStartMiB} -> ${x.rssEndMiB} MiB (growth ${x.rssGrowthMiB}, ` +
          `JS heap ${x.heapGrowthMiB}, buffers ${x.externalGrowthMiB} MiB); samples ${x.rssSamplesMiB.join(' ')}` +
          (x.firstWindow === undefined ? '' : `; judged on a second window (the first grew ${x.firstWindow.rssGrowthMiB} MiB: ${x.firstWindow.rssSamplesMiB.join(' ')})`),
      );
    }
    expect(run.stderr).toBe('');
    expect(r.results.map((x) => x.call)).toEqual(['listSocketsSync', 'listSockets', 'countSocketsSync', 'countSockets']);
    for (const x of r.results) {
      // The calls saw the sockets: 200 TCP (the listener and 99 connections, both ends), 4 UDP.
      expect(x.socketsSeen, x.call).toBeGreaterThanOrEqual(203);
      expect(x.rssGrowthMiB, `${x.call}: RSS growth (MiB) over ${x.dumps} calls`).toBeLessThan(8);
      expect(x.heapGrowthMiB, `${x.call}: JS heap growth (MiB) over ${x.dumps} calls`).toBeLessThan(1);
      expect(x.fds.after, `${x.call}: open fds`).toBe(x.fds.before);
      expect(x.threads.after, `${x.call}: threads`).toBe(x.threads.before);
      if (x.firstWindow !== undefined) {
        expect(x.firstWindow.fds.after, `${x.call}: open fds (first window)`).toBe(x.firstWindow.fds.before);
        expect(x.firstWindow.threads.after, `${x.call}: threads (first window)`).toBe(x.firstWindow.threads.before);
      }
    }
    // memory.js judged the same, with the same bounds.
    expect(run.status).toBe(0);
  }, 120_000);
});
