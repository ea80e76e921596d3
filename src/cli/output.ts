/**
 * The CLI's only way to write. Standard output is gathered and written in
 * large chunks (a 200k-row listing is a few syscalls, not 200k); standard
 * error is written at once, after flushing what stdout holds so the two stay
 * in order on a terminal. A closed reader (`netstat | head -1`) is not an
 * error: output stops quietly and `closed` tells the caller to finish.
 */
import { writeSync } from 'node:fs';
import { errorCode } from '../errors';

const CHUNK = 1 << 16;

export class Output {
  private pending: string[] = [];
  private pendingLength = 0;
  /** True once a reader has gone away (EPIPE); everything after is dropped. */
  closed = false;

  constructor(
    private readonly stdoutFd = 1,
    private readonly stderrFd = 2,
  ) {}

  /** Queue text for standard output. */
  out(text: string): void {
    if (this.closed) return;
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= CHUNK) this.flush();
  }

  /** Write text to standard error now (stdout's queue first). */
  err(text: string): void {
    this.flush();
    writeAll(this.stderrFd, text, () => undefined);
  }

  /** Write out everything queued for standard output. */
  flush(): void {
    if (this.pendingLength === 0 && this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingLength = 0;
    if (this.closed) return;
    writeAll(this.stdoutFd, text, () => {
      this.closed = true;
    });
  }
}

/** Write all of `text` to `fd`, retrying short and would-block writes; call onClosed on EPIPE. */
function writeAll(fd: number, text: string, onClosed: () => void): void {
  let buffer = Buffer.from(text, 'latin1');
  while (buffer.length > 0) {
    try {
      const written = writeSync(fd, buffer);
      buffer = buffer.subarray(written);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'EAGAIN') {
        // stdout may be a non-blocking pipe inherited from a Node parent: wait a little.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (code === 'EPIPE') {
        onClosed();
        return;
      }
      throw err;
    }
  }
}
