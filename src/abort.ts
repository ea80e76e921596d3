/**
 * Cancelling a query with an `AbortSignal`. The signal is mirrored into a
 * shared flag that native work reads between batches (netlink datagrams,
 * `/proc` directories), so an abort stops a dump or walk in progress; the
 * TypeScript readers check the signal between slices.
 */
import { NetstatError } from './errors';

/** The error an aborted call rejects with: `name` `'AbortError'`, `code` `'ABORT_ERR'`, as Node's own. */
export function abortError(signal: AbortSignal | undefined): NetstatError {
  const error = new NetstatError('The operation was aborted', 'ABORT_ERR', { cause: signal?.reason });
  error.name = 'AbortError';
  return error;
}

export class AbortHandle {
  /** Set to 1 when the signal aborts; read by the native engine (`cancel` argument). */
  readonly flag: Int32Array = new Int32Array(new SharedArrayBuffer(4));
  private readonly onAbort = (): void => {
    Atomics.store(this.flag, 0, 1);
  };

  constructor(readonly signal: AbortSignal | undefined) {
    if (signal === undefined) return;
    if (signal.aborted) this.onAbort();
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  get aborted(): boolean {
    return this.signal?.aborted === true;
  }

  /** Throw the AbortError if the signal has aborted. */
  check(): void {
    if (this.aborted) throw abortError(this.signal);
  }

  /** Stop listening to the signal (the query is over). */
  dispose(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}
