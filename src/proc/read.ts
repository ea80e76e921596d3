/**
 * Reading a whole `/proc` text file the way the modes need it: the bytes as
 * a latin1 string (so output stays byte-identical), or the errno code of the
 * failure for the mode to report as net-tools would.
 */
import { readFileSync } from 'node:fs';
import { errorCode } from '../errors';
import { procPath } from '../procfs/root';

/**
 * The text, or why there is none. `opened` tells a file that could be opened
 * but not read (a directory) from one that could not be opened: net-tools
 * reports the two differently.
 */
export type ReadResult = { ok: true; text: string } | { ok: false; code: string; opened: boolean };

/** Read `relative` below the proc root. */
export function readProcText(relative: string, root: string): ReadResult {
  try {
    return { ok: true, text: readFileSync(procPath(relative, root), 'latin1') };
  } catch (err) {
    const opened = typeof err === 'object' && err !== null && (err as { syscall?: unknown }).syscall === 'read';
    return { ok: false, code: errorCode(err) ?? 'EIO', opened };
  }
}
