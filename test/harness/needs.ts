/**
 * The one answer to "can this test run here?": what a test needs (root, namespaces, commands,
 * net-tools, the build, the engine), and why it cannot run when something is missing. Every
 * test that needs more than Node skips through `skipReason`, which prints the reason (a skip
 * is never silent).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import * as path from 'node:path';
import { cgroup2Mount } from '../../src/cgroup/mount';
import { nativeOutcome } from '../../src/native';
import { ADDON_PATH, CLI, ORACLE } from './paths';

export interface Needs {
  root?: boolean;
  /** Namespaces `unshare` must be able to make (implies root). */
  unshare?: ReadonlyArray<'net' | 'mount' | 'pid'>;
  /** Commands that must be on PATH. */
  commands?: readonly string[];
  /** net-tools' netstat, the reference every differential test compares with. */
  oracle?: boolean;
  /** The build (`npm run build`): dist/, the CLI users run. */
  built?: boolean;
  /** The native engine compiled into build/Release. */
  addon?: boolean;
  /** The native engine loads in this process (built is not enough). */
  engine?: boolean;
  /** A cgroup2 mount in which cgroups can be made (its cgroup.procs writable). */
  cgroup?: boolean;
  /** Other files that must exist (a device, a tool's data). */
  files?: readonly string[];
}

const answers = new Map<string, string | undefined>();

/** Checked once per process and question: spawning `unshare` costs a little each time. */
function once(key: string, check: () => string | undefined): string | undefined {
  if (!answers.has(key)) answers.set(key, check());
  return answers.get(key);
}

function unshareReason(kinds: ReadonlyArray<'net' | 'mount' | 'pid'>): string | undefined {
  const flags = [...(kinds.includes('net') ? ['--net'] : []), ...(kinds.includes('mount') ? ['--mount'] : []), ...(kinds.includes('pid') ? ['--pid', '--fork'] : [])];
  return once(`unshare ${flags.join(' ')}`, () => {
    const probe = spawnSync('unshare', [...flags, 'true'], { encoding: 'utf8' });
    if (probe.status === 0) return undefined;
    return `unshare ${flags.join(' ')} refused (${probe.error?.message ?? (probe.stderr.trim() || `status ${String(probe.status)}`)})`;
  });
}

const hasCommand = (command: string): boolean => once(`command ${command}`, () => (spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command]).status === 0 ? undefined : 'missing')) === undefined;

/** Why a test with these needs cannot run here, or undefined when it can. */
export function unavailable(needs: Needs): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if ((needs.root || needs.unshare !== undefined) && process.getuid?.() !== 0) return 'not root';
  for (const command of [...(needs.unshare !== undefined ? ['unshare'] : []), ...(needs.commands ?? [])]) {
    if (!hasCommand(command)) return `${command} is not installed`;
  }
  if (needs.oracle && !existsSync(ORACLE)) return `${ORACLE} (net-tools, the reference) is not installed`;
  if (needs.built && !existsSync(CLI)) return 'dist/ is not built (npm run build)';
  if (needs.addon && !existsSync(ADDON_PATH)) return 'the native engine is not built (npm run build:native)';
  for (const file of needs.files ?? []) if (!existsSync(file)) return `${file} is missing`;
  if (needs.engine) {
    const outcome = nativeOutcome();
    if (!('binding' in outcome)) return `the native engine does not load (${outcome.reason}: ${outcome.message})`;
  }
  if (needs.cgroup) {
    const reason = cgroupReason();
    if (reason !== undefined) return reason;
  }
  if (needs.unshare !== undefined && needs.unshare.length > 0) return unshareReason(needs.unshare);
  return undefined;
}

function cgroupReason(): string | undefined {
  const mount = cgroup2Mount();
  if (mount === undefined) return 'no cgroup2 mount in /proc/self/mountinfo';
  try {
    accessSync(path.join(mount, 'cgroup.procs'), constants.W_OK);
    return undefined;
  } catch {
    return `${mount}/cgroup.procs is not writable`;
  }
}

/** `unavailable(needs)`, printed as `WHAT skipped: REASON` when there is a reason. */
export function skipReason(what: string, needs: Needs): string | undefined {
  const reason = unavailable(needs);
  if (reason !== undefined) console.warn(`${what} skipped: ${reason}`);
  return reason;
}
