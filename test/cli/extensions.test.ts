/**
 * The extension options (`--json`, `--ndjson`, `--sources`) never change how
 * a net-tools argument list parses: they are recognised only when spelled in
 * full, take no part in abbreviations or ambiguity messages, and an argument
 * that net-tools would consume (`-A --json`) is still consumed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args';

const parse = (...args: string[]) => parseArgs(args, 'netstat', {});

describe('extension options', () => {
  it('are recognised when spelled in full, anywhere a net-tools long option may stand', () => {
    const json = parse('-tln', '--json');
    expect(json.kind === 'run' && json.options.json && !json.options.ndjson).toBe(true);
    const ndjson = parse('--ndjson', '-a', '--sources');
    expect(ndjson.kind === 'run' && ndjson.options.ndjson && ndjson.options.sources).toBe(true);
    // The later of --json/--ndjson wins.
    const last = parse('--ndjson', '--json');
    expect(last.kind === 'run' && last.options.json && !last.options.ndjson).toBe(true);
  });

  it('are not abbreviations: a prefix is what net-tools says it is', () => {
    for (const prefix of ['--js', '--jso', '--ndj', '--sou']) {
      const outcome = parse(prefix);
      expect(outcome.kind).toBe('exit');
      expect(outcome.kind === 'exit' && outcome.stderr.split('\n')[0]).toBe(`netstat: unrecognized option '${prefix}'`);
    }
  });

  it('do not make net-tools abbreviations ambiguous or change what they mean', () => {
    // `--s` is ambiguous among net-tools' own options only (sctp, statistics, symbolic); `--source` is not one of them.
    const outcome = parse('--s');
    expect(outcome.kind === 'exit' && outcome.stderr.split('\n')[0]).toBe(
      "netstat: option '--s' is ambiguous; possibilities: '--sctp' '--statistics' '--symbolic'",
    );
  });

  it('are consumed as the argument of an option that takes one, as net-tools consumes them', () => {
    const outcome = parse('-A', '--json');
    expect(outcome).toMatchObject({ kind: 'exit', status: 1, stderr: "Unknown address family `--json'.\n" });
    const afterDashes = parse('--', '--json');
    expect(afterDashes.kind === 'run' && afterDashes.options.json).toBe(false);
  });

  it('with an argument they do not take, are what net-tools says they are', () => {
    const outcome = parse('--json=1');
    expect(outcome.kind === 'exit' && outcome.stderr.split('\n')[0]).toBe("netstat: unrecognized option '--json=1'");
  });
});

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const oracle = fs.existsSync('/usr/bin/netstat') ? undefined : 'net-tools netstat not installed';
if (oracle !== undefined) console.log(`net-tools comparisons skipped: ${oracle}`);

describe.skipIf(oracle !== undefined || !fs.existsSync(CLI))('the same parse as net-tools, end to end', () => {
  const run = (program: string, args: string[]) => {
    const r = spawnSync(program, args, { encoding: 'latin1', env: { ...process.env, NETSTAT_ARGV0: '/usr/bin/netstat' } });
    return { stdout: r.stdout, stderr: r.stderr, status: r.status };
  };
  it.each([['--js'], ['--jso', '-t'], ['-A', '--json'], ['--ndj'], ['-t', '--sou'], ['--json=x']])('netstat %s', (...args) => {
    expect(run('node', [CLI, ...args])).toEqual(run('/usr/bin/netstat', args));
  });
});
