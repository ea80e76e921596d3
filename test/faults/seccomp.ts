/**
 * Test support: seccomp-run.c built once per test process into a temporary
 * directory, and the prefix that runs a command under its filter.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type Refusal = 'EPERM' | 'EACCES';
/** sock_diag: NETLINK_SOCK_DIAG only; route: NETLINK_ROUTE only; netlink: every AF_NETLINK socket; bpf: the bpf() system call. */
export type Target = 'sock_diag' | 'route' | 'netlink' | 'bpf';

let built: { path: string } | { reason: string } | undefined;

function build(): { path: string } | { reason: string } {
  if (spawnSync('sh', ['-c', 'command -v cc']).status !== 0) return { reason: 'no C compiler (cc) to build seccomp-run' };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netstat-seccomp-'));
  // Commands run as uid 65534 start it too.
  chmodSync(dir, 0o755);
  const out = path.join(dir, 'seccomp-run');
  const cc = spawnSync('cc', ['-O2', '-Wall', '-Werror', '-o', out, path.join(__dirname, 'seccomp-run.c')], { encoding: 'utf8' });
  if (cc.status !== 0) return { reason: `seccomp-run.c does not build here: ${cc.stderr.trim()}` };
  // The kernel may lack seccomp filters (CONFIG_SECCOMP_FILTER) or refuse them.
  const probe = spawnSync(out, ['EPERM', 'sock_diag', 'true'], { encoding: 'utf8' });
  if (probe.status !== 0) return { reason: `seccomp filters do not work here: ${probe.stderr.trim()}` };
  return { path: out };
}

/** Why seccomp faults cannot be injected here, or undefined when they can. */
export function seccompUnavailable(): string | undefined {
  built ??= build();
  return 'reason' in built ? built.reason : undefined;
}

/** The argv prefix running a command with `target` sockets refused with `errno`. */
export function refused(errno: Refusal, target: Target): string[] {
  built ??= build();
  if ('reason' in built) throw new Error(built.reason);
  return [built.path, errno, target];
}
