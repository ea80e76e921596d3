/**
 * Errors raised by the library, shaped like Node's own system errors (`fs`):
 * a stable `code` to branch on, and where a system call failed, `errno`,
 * `syscall` and `path`. Native code raises the same shape (see
 * `native/binding.cc`), so callers never match on message text.
 */
import { constants } from 'node:os';

export class NetstatError extends Error {
  /** `'ENOENT'`, `'EACCES'`, `'EPROTONOSUPPORT'`, … or a library code such as `'ERR_NATIVE_MISSING'`. */
  readonly code: string;
  /** Positive errno value when a system call failed. */
  readonly errno?: number;
  /** The failing system call (`'open'`, `'socket'`, `'recvmsg'`, …). */
  readonly syscall?: string;
  /** The file involved, if any. */
  readonly path?: string;

  constructor(message: string, code: string, details: { errno?: number; syscall?: string; path?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'NetstatError';
    this.code = code;
    if (details.errno !== undefined) this.errno = details.errno;
    if (details.syscall !== undefined) this.syscall = details.syscall;
    if (details.path !== undefined) this.path = details.path;
  }
}

/** Number of a symbolic errno code (`'ENOENT'` → 2), or undefined if unknown. */
export function errnoOf(code: string): number | undefined {
  return (constants.errno as Record<string, number>)[code];
}

/** The `code` of a Node system error or NetstatError, if it has one. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * glibc's `strerror()` text for the errno codes netstat can meet. net-tools
 * prints these through `perror`, and libuv's own wording differs
 * ("no such file or directory"), so the C library's text is kept here.
 */
const GLIBC_STRERROR: Record<string, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EINTR: 'Interrupted system call',
  EIO: 'Input/output error',
  ENXIO: 'No such device or address',
  E2BIG: 'Argument list too long',
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  ENFILE: 'Too many open files in system',
  EMFILE: 'Too many open files',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  EPIPE: 'Broken pipe',
  ENAMETOOLONG: 'File name too long',
  ELOOP: 'Too many levels of symbolic links',
  ENOTSOCK: 'Socket operation on non-socket',
  EPROTONOSUPPORT: 'Protocol not supported',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EOPNOTSUPP: 'Operation not supported',
  ENOBUFS: 'No buffer space available',
  ETIMEDOUT: 'Connection timed out',
  ECONNREFUSED: 'Connection refused',
};

/** The C library's message for an errno code, as `perror` would print it. */
export function strerror(code: string): string {
  const text = GLIBC_STRERROR[code];
  if (text !== undefined) return text;
  const errno = errnoOf(code);
  return errno === undefined ? code : `Unknown error ${errno}`;
}

/** What `perror(what)` writes before its newline: `WHAT: strerror text`. */
export function perrorText(what: string, code: string): string {
  return `${what}: ${strerror(code)}`;
}

/** The failing call a Node system error names (`'open'`, `'read'`, …), if it names one. */
export function syscallOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'syscall' in err ? String((err as { syscall: unknown }).syscall) : undefined;
}

/**
 * A system error (Node's, from `fs`) as a `NetstatError`: its code (`EIO`
 * when it has none) and errno, the failing call, the path, and perror's
 * wording, `WHAT: strerror text` (`what` is the path unless given).
 */
export function systemError(err: unknown, path: string, syscall: string | undefined, what: string = path): NetstatError {
  const code = errorCode(err) ?? 'EIO';
  const errno = errnoOf(code);
  return new NetstatError(perrorText(what, code), code, {
    ...(errno === undefined ? {} : { errno }),
    ...(syscall === undefined ? {} : { syscall }),
    path,
    cause: err,
  });
}
