/**
 * Churn, CI-sized: churn.js (run by hand for bigger loads, e.g.
 * `node test/watch/churn.js --rate 10000 --seconds 30`) in a private
 * namespace at 2,000 loopback TCP connections a second for a few seconds,
 * with 200 long-lived connections, on each backend. See churn.js for what it
 * checks; here its figures are printed and its verdicts asserted.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipReason } from '../harness/needs';
import { lastJson, requireDist, runChild } from './helpers';

const CHURN = path.join(__dirname, 'churn.js');
const RATE = 2000;
const SECONDS = 6;

// python3: the load generator (test/scenario/churn-load.py).
const unavailable = skipReason('the churn runs', { unshare: ['net'], commands: ['ip', 'python3'] });

interface Churn {
  backend: string;
  intervalMs: number;
  connections: number;
  connectFailures: number;
  rateAchieved: number;
  longLived: number;
  longClosed: number;
  longCatchable: number;
  longMissedUncatchable: number;
  events: { added: number; removed: number; changed: number; destroyed: number; gone: number };
  dumps: number;
  maxDumpGapMs: number;
  notifications: number;
  overflows: number;
  notified: boolean;
  watcherCpuMs: number;
  wallMs: number;
  tasks: { baseline: number; during: number; after: number };
  ended: string;
  violations: string[];
  violationCount: number;
  longProblems: string[];
  longProblemCount: number;
  remnantReadds: string[];
  remnantReaddCount: number;
  overflowRemnants: string[];
  overflowRemnantCount: number;
  endedAt: number;
}

describe.skipIf(unavailable !== undefined)('churn: many short connections, long-lived ones watched exactly', () => {
  it.each(['netlink', 'procfs'])('%s', async (backend) => {
    requireDist();
    // The namespace gets a TCP hash table of its own (--ehash): sharing the host's, every
    // dump walks all of it — up to seconds under load on a big host, which would make
    // what the dumps can catch depend on the machine. The manual runs (churn.js) default
    // to the host's table.
    const interval = backend === 'netlink' ? 100 : 250;
    const args = ['--rate', String(RATE), '--seconds', String(SECONDS), '--backend', backend, '--interval', String(interval), '--ehash', '16384', '--json'];
    const run = await runChild(process.execPath, [CHURN, ...args], {
      netns: false, // churn.js makes its own namespace
      timeoutMs: 90_000,
    });
    const r = lastJson<Churn>(run);
    console.log(
      `churn ${backend} (interval ${r.intervalMs} ms): ${r.connections} connections (${r.rateAchieved}/s), ${r.longLived} long-lived (${r.longCatchable} catchable), ` +
        `events ${r.events.added} added / ${r.events.removed} removed (${r.events.destroyed} destroyed, ${r.events.gone} gone) / ${r.events.changed} changed, ` +
        `${r.dumps} dumps (max gap ${r.maxDumpGapMs} ms), ${r.notifications} notifications, ${r.overflows} overflows, watcher CPU ${r.watcherCpuMs} ms over ${r.wallMs} ms`,
    );
    expect(run.stderr).toBe('');
    // The watch ended cleanly: no error, its thread gone, and the process exited by itself.
    expect(r.ended).toBe('ok');
    expect(r.tasks.after).toBeLessThanOrEqual(r.tasks.baseline);
    expect(r.tasks.during).toBe(r.tasks.baseline + (backend === 'netlink' ? 1 : 0));
    expect(run.exitedAt - r.endedAt).toBeLessThan(3000);
    // The load happened (a loaded CI machine may not keep the full rate).
    expect(r.connectFailures).toBe(0);
    expect(r.rateAchieved).toBeGreaterThan(RATE / 2);
    expect(r.longLived).toBe(200);
    expect(r.longClosed).toBe(200);
    expect(r.notified).toBe(backend === 'netlink');
    // Each connection frees two sockets; notifications dropped in an overflow are not counted.
    if (backend === 'netlink') expect(r.notifications).toBeGreaterThanOrEqual(r.overflows > 0 ? r.connections : 2 * r.connections);
    // The stream's rules held for every key.
    expect(r.violations).toEqual([]);
    // Every long-lived connection: one added, one removed, per side (the check is not
    // vacuous: most of them lived through a whole dump).
    expect(r.longProblems).toEqual([]);
    expect(r.longCatchable).toBeGreaterThanOrEqual(100);
    // KNOWN BUGS (reported), netlink only: watch-race.test.ts has the deterministic cases
    // (a removal notified during a dump; dropped notifications). Printed, not asserted here.
    if (r.remnantReaddCount > 0) {
      console.log(`KNOWN BUG (reported): ${r.remnantReaddCount} TIME_WAIT remnants re-added after their removal, e.g. ${r.remnantReadds[0]}`);
    }
    if (r.overflowRemnantCount > 0) {
      console.log(`KNOWN BUG (reported): after ${r.overflows} overflows, ${r.overflowRemnantCount} closed sockets left "changed to TIME_WAIT", e.g. ${r.overflowRemnants[0]}`);
    }
    if (backend === 'procfs') expect(r.remnantReaddCount + r.overflowRemnantCount).toBe(0);
  }, 120_000);
});
