/**
 * `run(argv, env, io)` (src/cli/main.ts), the program the entry point calls: in-process it
 * prints what the built CLI prints, byte for byte, with the same status, on argument errors,
 * help and version texts, a failure of its own, and listings of a fixture /proc; it takes its
 * arguments as bytes and its settings from the environment it is given, not the process's.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli';
import type { Run } from '../harness/commands';
import { skipReason } from '../harness/needs';
import { CLI, REPO } from '../harness/paths';

const TREE = path.join(REPO, 'fixtures/proc/ns-capture');
/** A fixture tree is only files: the /proc backend reads it, whichever backend the suite runs under. */
const OVER_TREE = { NETSTAT_PROC_ROOT: TREE, NETSTAT_BACKEND: 'procfs' };

function built(args: string[], env: NodeJS.ProcessEnv): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'latin1' });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
}

const CASES: Array<[args: string[], env: Record<string, string>]> = [
  [['-V'], {}],
  [['-h'], {}],
  [['--bogus'], {}],
  [['-q'], { NETSTAT_ARGV0: 'netstat' }],
  [['-A', 'inet,nosuch'], {}],
  [['-r', '--netns', 'x'], {}],
  [['-an'], OVER_TREE],
  [['-tanoe'], OVER_TREE],
  [['-xap'], OVER_TREE],
  [['-an', '--json'], OVER_TREE],
  [['-tn'], { NETSTAT_PROC_ROOT: path.join(REPO, 'fixtures/proc/odd-files'), NETSTAT_BACKEND: 'procfs' }],
];

const unbuilt = skipReason('run() against the built CLI', { built: true });

describe.skipIf(unbuilt !== undefined)('run() in-process prints what the built CLI prints', () => {
  for (const [args, extra] of CASES) {
    const settings = Object.entries(extra).map(([k, v]) => `${k}=${path.basename(v)} `).join('');
    it(`${settings}netstat ${args.join(' ')}`, async () => {
      const env = { ...process.env, LC_ALL: 'C', ...extra };
      const mine = await runCli(args, { env });
      expect(mine).toEqual(built(args, env));
    });
  }
});

describe('run()', () => {
  it('takes its arguments as bytes: a byte that is not UTF-8 is echoed as it is', async () => {
    const result = await runCli(['-A', 'inet,\xff\xfe']);
    expect(result).toEqual({ stdout: '', stderr: "Unknown address family `\xff\xfe'.\n", status: 1 });
  });

  it('reads its settings from the environment it is given', async () => {
    const mine = await runCli(['-q'], { env: { NETSTAT_ARGV0: 'mynetstat' } });
    expect([mine.status, mine.stderr.split('\n')[0]]).toEqual([3, "mynetstat: invalid option -- 'q'"]);
    const listing = await runCli(['-tn'], { env: { NETSTAT_PROC_ROOT: path.join(REPO, 'fixtures/proc/ns-capture'), NETSTAT_BACKEND: 'procfs' } });
    expect(listing.status).toBe(0);
    expect(listing.stdout).toContain('tcp      777      0 127.0.0.1:8080          127.0.0.1:41308         ESTABLISHED\n');
  });

  it('ends a failure of its own with one line on stderr and status 1, never a rejection', async () => {
    const result = await runCli(['--netns', path.join(REPO, 'no-such-namespace'), '-tn']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^netstat: .*no-such-namespace.*\n$/);
  });
});
