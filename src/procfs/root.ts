/**
 * Where `/proc` is. Tests point every reader at a captured fixture tree with
 * `NETSTAT_PROC_ROOT`; everything that reads `/proc` goes through here.
 */
import * as path from 'node:path';

/** The proc root: `NETSTAT_PROC_ROOT` if set, else `/proc`. */
export function procRoot(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.NETSTAT_PROC_ROOT;
  return root !== undefined && root !== '' ? root : '/proc';
}

/** A path below the proc root, e.g. `procPath('net/tcp')`. */
export function procPath(relative: string, root: string = procRoot()): string {
  return path.join(root, relative);
}
