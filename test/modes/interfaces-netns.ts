/**
 * Runs `-i` cases in one private network + mount namespace (a batch of test/harness), with the
 * oracle (/usr/bin/netstat) and this project's CLI side by side, in phases: a phase is a setup
 * script followed by its cases, and every case runs every program of its phase, as root or as
 * uid 65534. One namespace for the whole list keeps the cost to one scenario set-up.
 *
 * Output is kept as latin1 text: net-tools prints some hardware addresses
 * (AX.25 and NET/ROM callsigns, X.25) as raw bytes.
 */
import { asRun, type BatchStep, runBatch } from '../harness/batch';
import { ORACLE_ENV, type Run } from '../harness/commands';
import { skipReason } from '../harness/needs';
import { CLI, ORACLE } from '../harness/paths';

/** What these tests need: namespaces, a tun device, net-tools and the build. */
export function namespaceSkipReason(what: string): string | undefined {
  return skipReason(what, { unshare: ['net', 'mount'], commands: ['ip', 'python3'], oracle: true, built: true, files: ['/dev/net/tun'] });
}

/** A program of a phase: its command line (netstat's arguments follow) and environment. */
export interface Program {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
}

/** The CLI as built, with whatever facts it picks (rtnetlink through the engine when it loads). */
export const THE_CLI: Program = { argv: [process.execPath, CLI], env: process.env };

/**
 * The CLI with its engine and no backend asked for: `-i` then takes its facts from rtnetlink
 * (src/backends/interfaces/choose.ts), whatever backend the suite runs under.
 */
export const WITH_RTNETLINK: Program = { argv: [process.execPath, CLI], env: withoutBackend(process.env) };

function withoutBackend(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const rest = { ...env };
  delete rest.NETSTAT_BACKEND;
  return rest;
}

/**
 * The CLI without its engine: `-i` then takes its facts from sysfs and getifaddrs, in
 * TypeScript alone (NETSTAT_BACKEND=procfs: no notice about the missing engine).
 */
export const WITHOUT_ENGINE: Program = {
  argv: [process.execPath, CLI],
  env: { ...process.env, NETSTAT_NATIVE_PATH: '/nonexistent/netstat_native.node', NETSTAT_BACKEND: 'procfs', NETSTAT_REQUIRE_NATIVE: '' },
};

export interface Phase {
  /** Shell run (as root) before the phase's cases. */
  setup?: string;
  /** The oracle's command, when it needs a wrapper (default: /usr/bin/netstat). */
  oracle?: Program;
  /** Programs compared with the oracle, by name. */
  programs: Record<string, Program>;
  /** netstat argument strings (split into words); a `nobody:` prefix runs every program of the case as uid 65534. */
  cases: string[];
}

/** Per phase, per case: the oracle's output and each program's. */
export type PhaseResults = Array<Array<{ ref: Run } & Record<string, Run>>>;

/** Runs every phase in one fresh namespace. */
export async function runPhases(phases: Phase[]): Promise<PhaseResults> {
  const steps: BatchStep[] = [];
  for (const phase of phases) {
    if (phase.setup !== undefined) steps.push({ shell: phase.setup });
    const programs: Record<string, Program> = { ref: phase.oracle ?? { argv: [ORACLE], env: ORACLE_ENV }, ...phase.programs };
    for (const line of phase.cases) {
      const nobody = line.startsWith('nobody:');
      const args = (nobody ? line.slice('nobody:'.length) : line).split(' ').filter((word) => word !== '');
      steps.push({ runs: Object.values(programs).map((program) => ({ argv: [...program.argv, ...args], env: program.env, user: nobody ? 'nobody' : 'root' })) });
    }
  }
  const results = await runBatch({ steps }, { net: true, mount: true });
  let next = 0;
  return phases.map((phase) =>
    phase.cases.map(() => {
      const runs = results[next++]!.runs.map(asRun);
      const names = ['ref', ...Object.keys(phase.programs)];
      return Object.fromEntries(names.map((name, k) => [name, runs[k]!])) as { ref: Run } & Record<string, Run>;
    }),
  );
}
