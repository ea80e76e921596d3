/**
 * Runs `-i` cases in one private network + mount namespace, with the oracle
 * (/usr/bin/netstat) and this project's programs side by side, in batches:
 * a phase is a setup script followed by its cases, and every case runs every
 * program of its phase, as root or as uid 65534. One `unshare` for the whole
 * list keeps the cost to one scenario set-up.
 *
 * Output is kept as latin1 text: net-tools prints some hardware addresses
 * (AX.25 and NET/ROM callsigns, X.25) as raw bytes.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const ORACLE = '/usr/bin/netstat';

const DIST = path.resolve(__dirname, '../../dist');

/** Throws a clear error when dist/ (the CLI and the library the runners load) has not been built. */
export function requireBuilt(): void {
  for (const file of ['cli.js', 'modes/interfaces/index.js']) {
    if (!existsSync(path.join(DIST, file))) throw new Error(`${path.join(DIST, file)} is missing: run \`npm run build\` first`);
  }
}

/** Why these tests cannot run here, or null. */
export function namespaceSkipReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root for unshare -n -m';
  if (!existsSync(ORACLE)) return `the oracle ${ORACLE} is not installed`;
  if (spawnSync('unshare', ['-n', '-m', '--propagation', 'private', 'true']).status !== 0) return 'unshare -n -m is not permitted here';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing';
  return null;
}

export interface Output {
  stdout: string;
  stderr: string;
  status: string;
}

export interface Phase {
  /** Shell run (sourced) before the phase's cases; `$work` is the scratch directory. */
  setup?: string;
  /** The oracle's command, when it needs a wrapper (default: /usr/bin/netstat). */
  oracle?: string;
  /**
   * Programs compared with the oracle: name → shell command line that takes
   * netstat's arguments after it (it may begin with VAR=value assignments and
   * use `$work`).
   */
  programs: Record<string, string>;
  /** netstat argument strings (split into words); a `nobody:` prefix runs every program of the case as uid 65534. */
  cases: string[];
}

/** Per phase, per case: the oracle's output and each program's. */
export type PhaseResults = Array<Array<{ ref: Output } & Record<string, Output>>>;

// `run NAME AS PROGRAM ARGS`: the arguments are split into words, without globbing.
const RUN = `
run() {
  set -f
  $2 $3 $4 >"$out/$1" 2>"$out/$1.err" </dev/null; echo $? >"$out/$1.rc"
  set +f
}
`;

/** Runs every phase in one fresh namespace; the programs run with this process's environment (NETSTAT_* included). */
export function runPhases(phases: Phase[], timeoutMs = 240_000): PhaseResults {
  const work = mkdtempSync(path.join(tmpdir(), 'interfaces-ns-'));
  chmodSync(work, 0o755);
  const out = path.join(work, 'out');
  mkdirSync(out);
  // Cases run as nobody write their output here too.
  chmodSync(out, 0o777);
  let script = `set -u\nexport work=${work}; out=${out}\n${RUN}`;
  phases.forEach((phase, p) => {
    const programs: Record<string, string> = { ref: phase.oracle ?? ORACLE, ...phase.programs };
    // Each program is a script of its own, so that nobody can run it and its words stay quoted.
    for (const [name, command] of Object.entries(programs)) {
      writeFileSync(path.join(work, `${p}-${name}`), `#!/bin/sh\n${command} "$@"\n`, { mode: 0o755 });
    }
    if (phase.setup !== undefined) {
      writeFileSync(path.join(work, `setup${p}.sh`), phase.setup);
      script += `. "$work/setup${p}.sh"\n`;
    }
    phase.cases.forEach((line, c) => {
      const nobody = line.startsWith('nobody:');
      const args = nobody ? line.slice('nobody:'.length) : line;
      const as = nobody ? 'setpriv --reuid=65534 --regid=65534 --clear-groups' : '';
      for (const name of Object.keys(programs)) script += `run ${p}.${c}.${name} '${as}' "$work/${p}-${name}" '${args}'\n`;
    });
  });
  const run = spawnSync('unshare', ['-n', '-m', '--propagation', 'private', 'bash', '-c', script], { encoding: 'latin1', timeout: timeoutMs });
  if (run.status !== 0) throw new Error(`namespace run failed (${run.status ?? run.signal}): ${run.stderr}`);
  const read = (name: string): string => readFileSync(path.join(out, name), 'latin1');
  return phases.map((phase, p) =>
    phase.cases.map((_, c) => {
      const results = {} as { ref: Output } & Record<string, Output>;
      for (const name of ['ref', ...Object.keys(phase.programs)]) {
        const file = `${p}.${c}.${name}`;
        results[name] = { stdout: read(file), stderr: read(`${file}.err`), status: read(`${file}.rc`).trim() };
      }
      return results;
    }),
  );
}
