/**
 * The CI-sized run of the native decoders' libFuzzer harness
 * (native/fuzz/fuzz_decode.cc, scripts/fuzz.sh): build it with ASan and
 * UBSan, replay the seeds (the recorded dumps of fixtures/netlink/, cut at
 * every message boundary) and the committed regression inputs, then fuzz for
 * a few seconds. Any crash, sanitizer report or broken contract fails the
 * script and so this test. Needs clang and libFuzzer; without them it skips
 * with the script's reason.
 *
 * One backend only: the fuzzer is a C++ program of its own that reads no
 * NETSTAT_* variable, so CI's procfs pass would fuzz the same code a second
 * time (8 s and a replay), not check anything else. It runs when
 * NETSTAT_BACKEND is netlink or unset, and says why it skips under procfs.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runs } from './runs';

const repo = path.join(__dirname, '../..');
const script = path.join(repo, 'scripts/fuzz.sh');

function skipReason(): string | null {
  if (process.env.NETSTAT_BACKEND === 'procfs') return 'backend-independent, run in the netlink (or default) pass only';
  const check = spawnSync('bash', [script, '--check'], { encoding: 'utf8' });
  return check.status === 0 ? null : check.stdout.trim() || check.stderr.trim();
}
const missing = skipReason();
if (missing !== null) console.warn(`native fuzz test skipped: ${missing}`);

/** Seconds of fuzzing after the corpus replay (scaled like the properties' runs); `npm run fuzz` runs longer. */
const FUZZ_SECONDS = runs(8);

describe('native decoders under libFuzzer', () => {
  it.skipIf(missing !== null)(
    'build, replay the corpus and fuzz for a few seconds without a finding',
    () => {
      const run = spawnSync('bash', [script], {
        cwd: repo,
        encoding: 'utf8',
        env: { ...process.env, FUZZ_SECONDS: String(FUZZ_SECONDS) },
        timeout: 240_000,
      });
      const output = `${run.stdout}\n${run.stderr}`;
      expect(run.status, output.slice(-4000)).toBe(0);
      // libFuzzer really ran inputs: the corpus at least (every seed), then mutations.
      const executed = Number(/stat::number_of_executed_units:\s*(\d+)/.exec(output)?.[1] ?? 0);
      expect(executed).toBeGreaterThan(1000);
      expect(output).toContain('=== fuzz_decode: clean');
    },
    300_000,
  );
});
