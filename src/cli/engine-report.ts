/**
 * What the CLI says about its own engine, and only when that matters: the
 * `--sources` header naming this program and the engine it loaded (`-V` and
 * `--help` are net-tools' own texts, so this is how a user tells which
 * `netstat` ran), and a one-time notice when the native engine is missing.
 *
 * npm hides the output of an install script that succeeds, and the install
 * succeeds on purpose when the engine cannot be built (the /proc backend
 * works). So the first CLI run after such an install is where a user can
 * learn it: once, on stderr, with the fix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type NativeLoadOutcome, PACKAGE_ROOT } from '../native';

/** The marker that the notice was shown, in the package's own directory. */
export const NOTICE_MARKER = '.native-fallback-noticed';

/** `netstat: netstat-native 0.1.0, native engine: prebuild (/…/netstat_native.glibc.node)` and a newline. */
export function engineLine(outcome: NativeLoadOutcome, root: string = PACKAGE_ROOT): string {
  const engine = 'binding' in outcome ? `native engine: ${outcome.kind} (${outcome.file})` : `native engine unavailable: ${outcome.reason}: ${outcome.message}`;
  return `netstat: netstat-native ${packageVersion(root)}, ${engine}\n`;
}

function packageVersion(root: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The notice text when it is due, else null. Due when the engine did not
 * load, the user did not choose /proc (`NETSTAT_BACKEND=procfs`, a fixture
 * `NETSTAT_PROC_ROOT`), and this package has not shown it before — the
 * marker is created atomically, so it is shown once however many run at
 * once. Where the package directory is not writable (a root-owned global
 * install run by another user) it is not shown; `--sources` still tells.
 */
export function fallbackNotice(outcome: NativeLoadOutcome, env: NodeJS.ProcessEnv, root: string = PACKAGE_ROOT): string | null {
  if ('binding' in outcome) return null;
  if (env.NETSTAT_BACKEND === 'procfs' || (env.NETSTAT_PROC_ROOT ?? '') !== '') return null;
  try {
    fs.closeSync(fs.openSync(path.join(root, NOTICE_MARKER), 'wx'));
  } catch {
    return null;
  }
  return (
    `netstat-native: the native engine is not available (${outcome.reason}: ${outcome.message}).\n` +
    'netstat-native: this netstat reads /proc instead: the same output, but -p is slower and -ie cannot show broadcast addresses.\n' +
    'netstat-native: to build the engine, install g++, make and python3, then run: npm rebuild netstat-native\n' +
    'netstat-native: `netstat --sources` shows the backend of each table. This notice is shown once.\n'
  );
}
