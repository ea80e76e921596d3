/**
 * Reading a whole `/proc` file: the one way the readers and modes of src/ do
 * it, with one rule for failures and one for a table that is not there.
 *
 * - A failure is a `NetstatError` with the system error's code (`ENOENT`
 *   when the kernel lacks the table, `EACCES`, `ELOOP`, …), perror's message
 *   (`PATH: strerror text`, which net-tools prints for an unexpected open
 *   error), the failing call and the path.
 * - A table is absent when its file is missing or may not be read (ENOENT,
 *   EACCES): net-tools then says "no support" instead of failing.
 *
 * Text is latin1, one char per byte, so what is printed from it stays
 * byte-identical to the file.
 */
import * as fs from 'node:fs';
import { type NetstatError, syscallOf, systemError } from '../errors';
import { procPath } from './root';

export function readProcFile(path: string): Buffer {
  try {
    return fs.readFileSync(path);
  } catch (err) {
    throw readFailure(err, path);
  }
}

export async function readProcFileAsync(path: string): Promise<Buffer> {
  try {
    return await fs.promises.readFile(path);
  } catch (err) {
    throw readFailure(err, path);
  }
}

/**
 * The text of a file, or why there is none. `opened` tells a file that could
 * be opened but not read (a directory) from one that could not be opened:
 * net-tools reports the two differently.
 */
export type ProcText = { ok: true; text: string } | { ok: false; code: string; opened: boolean };

/** The text of `relative` below the proc root (`net/route`, `self/fdinfo/2`). */
export function readProcText(relative: string, root: string): ProcText {
  try {
    return { ok: true, text: readProcFile(procPath(relative, root)).toString('latin1') };
  } catch (err) {
    const failure = err as NetstatError;
    return { ok: false, code: failure.code, opened: failure.syscall === 'read' };
  }
}

/** Whether a read failed because the table is absent (missing, or not ours to read), not broken. */
export function isAbsent(code: string | undefined): boolean {
  return code === 'ENOENT' || code === 'EACCES';
}

function readFailure(err: unknown, path: string): NetstatError {
  return systemError(err, path, syscallOf(err) ?? 'open');
}
