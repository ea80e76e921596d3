/**
 * The CLI's only way to write, with net-tools' treatment of write errors.
 *
 * net-tools writes through stdio and never checks a write: output to a full
 * device (`netstat > /dev/full`) is lost without a word and the status is
 * unchanged; a write to a pipe nobody reads any more kills it with SIGPIPE
 * (status 141 in a shell). Node ignores SIGPIPE, so a write here fails with
 * EPIPE instead; `Output` then restores the signal's default action and
 * sends it to its own process, which ends the same way. Every other write
 * error is ignored, as net-tools ignores it.
 *
 * When net-tools dies depends on when it writes. Its standard output is
 * line-buffered on a terminal and block-buffered elsewhere (blocks of the
 * descriptor's st_blksize, 4096 for a pipe); standard error is unbuffered.
 * Elsewhere than on a terminal, this class writes standard output in the
 * same blocks at the same places in the output; on a terminal it gathers
 * large chunks and writes them out before anything goes to standard error.
 * So a message on standard error is printed, or not, before a death on a
 * closed pipe as net-tools prints it, `2>&1` interleaves the streams as
 * net-tools does, and a reader that leaves early (`| head -n 5`) meets the
 * same writes.
 *
 * What a Node process cannot reproduce exactly: the time between writes.
 * net-tools computes a listing in a few milliseconds, this program in tens
 * to hundreds (start-up, name look-ups done before the rows are printed),
 * so where a reader leaves at a moment of its own (`| head -n 5` exits after
 * its fifth line), whether a later write still finds it is a race in both
 * programs, and their odds differ. Cases whose outcome does not depend on
 * such timing (a reader gone before the start, or one that reads one byte
 * of a 4096-byte pipe and closes it while the output is larger than two
 * pipe buffers) give the same result every time.
 */
import { fstatSync, writeSync } from 'node:fs';
import type * as Tty from 'node:tty';
import { errorCode } from '../errors';
import type { OutputSink } from '../modes/context';

const CHUNK = 1 << 16;
/** glibc's buffer size when fstat gives no st_blksize. */
const BUFSIZ = 8192;

/** End this process by SIGPIPE, the way a C program that writes into a closed pipe ends. */
export function dieOfSigpipe(): void {
  // Node sets SIGPIPE to "ignore" at start-up. Removing the last listener of
  // a signal makes libuv set its action back to the default (terminate), so
  // the signal sent next ends the process.
  const listener = () => undefined;
  process.on('SIGPIPE', listener);
  process.removeListener('SIGPIPE', listener);
  process.kill(process.pid, 'SIGPIPE');
}

export class Output implements OutputSink {
  /**
   * Standard output queued and not yet written: bytes `[0, pendingLength)`
   * of one reused buffer (text is one byte per character), so a large
   * listing is copied once into it and written from it, with no string per
   * chunk to build, join and convert.
   */
  private pending = Buffer.allocUnsafe(CHUNK * 2);
  private pendingLength = 0;
  /** Bytes queued for standard output so far, and how many of them were handed to write(2). */
  private queued = 0;
  private written = 0;
  /** How many of the queued bytes net-tools' stdio would have written by now. */
  private stdioWritten = 0;
  /** Size of net-tools' stdout buffer here, 0 when it would be line-buffered (a terminal). */
  private readonly block: number;
  /**
   * True once a reader has gone away (EPIPE) and the process was not ended
   * by it (an `onBrokenPipe` that returns); everything after is dropped.
   */
  closed = false;

  /**
   * @param onBrokenPipe what to do when a write finds no reader: by default
   *   die of SIGPIPE, as net-tools does.
   */
  constructor(
    private readonly stdoutFd = 1,
    private readonly stderrFd = 2,
    private readonly onBrokenPipe: () => void = dieOfSigpipe,
  ) {
    this.block = isTerminal(stdoutFd) ? 0 : blockSize(stdoutFd);
  }

  /** Queue text (one byte per character) for standard output. */
  out(text: string): void {
    if (this.closed) return;
    this.room(text.length);
    this.pendingLength += this.pending.write(text, this.pendingLength, 'latin1');
    this.queued += text.length;
    this.afterQueue();
  }

  /** Queue bytes for standard output (copied: the caller may reuse its buffer). */
  bytes(chunk: Uint8Array): void {
    if (this.closed) return;
    this.room(chunk.length);
    this.pending.set(chunk, this.pendingLength);
    this.pendingLength += chunk.length;
    this.queued += chunk.length;
    this.afterQueue();
  }

  /** After queueing: write what stdio would have written by now. */
  private afterQueue(): void {
    if (this.block === 0) {
      if (this.pendingLength >= CHUNK) this.writeOut(this.queued);
    } else if (this.queued - this.stdioWritten > this.block) {
      this.writeBlocks();
    }
  }

  /** Make the pending buffer hold `more` bytes beyond what it holds. */
  private room(more: number): void {
    const need = this.pendingLength + more;
    if (need <= this.pending.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, this.pending.length * 2));
    this.pending.copy(grown, 0, 0, this.pendingLength);
    this.pending = grown;
  }

  /** Write text to standard error now, after the standard output net-tools would have written by then. */
  err(text: string): void {
    if (this.block === 0) this.flush();
    else this.writeBlocks();
    if (this.closed) return;
    this.write(this.stderrFd, text);
  }

  /**
   * Write standard output as stdio does into a full buffer: a full buffer is
   * written only when one more byte comes, so of the bytes since the last
   * write, the whole blocks below their count. The writes then fall at the
   * same places in the output as net-tools' own, which decides, for a reader
   * that goes away (`| head`), whether a write still fits in the pipe.
   */
  private writeBlocks(): void {
    const unwritten = this.queued - this.stdioWritten;
    if (unwritten > 0) this.stdioWritten += Math.floor((unwritten - 1) / this.block) * this.block;
    this.writeOut(this.stdioWritten);
  }

  /** Write out everything queued for standard output (net-tools' fflush, done after every pass). */
  flush(): void {
    this.stdioWritten = this.queued;
    this.writeOut(this.queued);
  }

  /** Write queued standard output until `upTo` bytes of it have been written. */
  private writeOut(upTo: number): void {
    if (upTo <= this.written || this.pendingLength === 0) return;
    const bytes = Math.min(upTo - this.written, this.pendingLength);
    this.written += bytes;
    if (!this.closed) this.write(this.stdoutFd, this.pending.subarray(0, bytes));
    if (this.closed) {
      this.pendingLength = 0; // nobody reads any more: drop the rest
      return;
    }
    // The rest moves to the front (less than a block and a chunk: cheap).
    this.pending.copyWithin(0, bytes, this.pendingLength);
    this.pendingLength -= bytes;
  }

  /** Write all of `data` to `fd`; a write error drops the rest of it, as stdio does. */
  private write(fd: number, data: string | Uint8Array): void {
    let buffer = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    while (buffer.length > 0) {
      try {
        buffer = buffer.subarray(writeSync(fd, buffer));
      } catch (err) {
        const code = errorCode(err);
        if (code === 'EAGAIN') {
          // The descriptor may be a non-blocking pipe inherited from a Node parent: wait a little.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
          continue;
        }
        if (code === 'EPIPE') {
          this.closed = true;
          this.pendingLength = 0;
          this.onBrokenPipe();
        }
        // ENOSPC, EIO, EBADF, EFBIG...: net-tools never checks its writes.
        return;
      }
    }
  }
}

/** st_blksize of a descriptor, as glibc sizes a stream's buffer. */
/**
 * Whether fd is a terminal. Only a character device can be one, and node:tty
 * (which loads node:net and streams, ~4 ms of start-up) is asked only then:
 * output to a pipe or a file never loads it.
 */
function isTerminal(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return (require('node:tty') as typeof Tty).isatty(fd);
}

function blockSize(fd: number): number {
  try {
    const size = fstatSync(fd).blksize;
    return size > 0 ? size : BUFSIZ;
  } catch {
    return BUFSIZ;
  }
}
