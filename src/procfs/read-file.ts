/**
 * Reading a whole `/proc` file, with failures as `NetstatError`s carrying the
 * system error's code (`ENOENT` when the kernel lacks the table, `EACCES`,
 * `ELOOP`, …), the path and the failing call.
 */
import * as fs from 'node:fs';
import { errnoOf, errorCode, NetstatError, strerror } from '../errors';

export function readProcFile(path: string): Buffer {
  try {
    return fs.readFileSync(path);
  } catch (err) {
    throw asNetstatError(err, path);
  }
}

export async function readProcFileAsync(path: string): Promise<Buffer> {
  try {
    return await fs.promises.readFile(path);
  } catch (err) {
    throw asNetstatError(err, path);
  }
}

/** The message is perror's: `PATH: strerror text`, which net-tools prints for unexpected open errors. */
function asNetstatError(err: unknown, path: string): NetstatError {
  const code = errorCode(err) ?? 'EIO';
  const syscall = typeof err === 'object' && err !== null && 'syscall' in err ? String((err as { syscall: unknown }).syscall) : 'open';
  const errno = errnoOf(code);
  return new NetstatError(`${path}: ${strerror(code)}`, code, {
    ...(errno === undefined ? {} : { errno }),
    syscall,
    path,
    cause: err,
  });
}
