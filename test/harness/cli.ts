/**
 * This netstat, in-process: `run()` of src/cli/main.ts (what `dist/cli.js` calls) with the
 * standard output and error going to files, read back as bytes. The same program, output
 * path and exit status as the built CLI, without a process start; for what needs a process
 * (SIGPIPE, `-c`, other users, other namespaces) the tests run CLI from paths.ts.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { run } from '../../src/cli/main';
import type { Run } from './commands';

export interface CliOptions {
  /** The environment the program sees (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/**
 * `netstat ARGS` in-process; ARGS are bytes, one character per byte, as the CLI reads them.
 * argv[0] is what the CLI started as `node dist/cli.js` names itself: NETSTAT_ARGV0, or
 * `/usr/bin/netstat`.
 */
export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<Run> {
  const env = options.env ?? process.env;
  const dir = mkdtempSync(path.join(tmpdir(), 'netstat-run-'));
  const [outFile, errFile] = [path.join(dir, 'stdout'), path.join(dir, 'stderr')];
  const [stdout, stderr] = [openSync(outFile, 'w'), openSync(errFile, 'w')];
  try {
    const status = await run([env.NETSTAT_ARGV0 || '/usr/bin/netstat', ...args], env, {
      stdout,
      stderr,
      onBrokenPipe: () => undefined, // a file has no reader to lose
    });
    return { stdout: readFileSync(outFile, 'latin1'), stderr: readFileSync(errFile, 'latin1'), status };
  } finally {
    closeSync(stdout);
    closeSync(stderr);
    rmSync(dir, { recursive: true, force: true });
  }
}
