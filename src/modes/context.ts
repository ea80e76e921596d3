/**
 * What every output mode receives. A mode prints one pass and returns the
 * exit status net-tools would have at that point (0 = go on); the CLI owns
 * the `-c` loop and the process exit.
 */
import type { NetnsRef } from '../model';
import type { Options } from './options';
import type { Resolvers } from '../resolve';

/**
 * Where a mode writes. The CLI's `Output` (cli/output.ts) is the real one,
 * with net-tools' buffering and write-error semantics; a mode needs only
 * this much of it, so it does not depend on the CLI.
 */
export interface OutputSink {
  /** Queue text (one byte per character) for standard output. */
  out(text: string): void;
  /** Queue bytes for standard output (copied: the caller may reuse its buffer). */
  bytes(chunk: Uint8Array): void;
  /** Write text to standard error now, after the standard output that is due by then. */
  err(text: string): void;
  /** Write out what is queued for standard output. */
  flush(): void;
  /** True once the reader has gone away; what is written after is dropped, so a loop may stop. */
  readonly closed: boolean;
}

export interface ModeContext {
  options: Options;
  out: OutputSink;
  /** Name databases with their caches; shared by all passes of a run. */
  resolvers: Resolvers;
  /** The proc root (`/proc`, or a fixture tree from NETSTAT_PROC_ROOT). */
  procRoot: string;
  /** 0 for the first pass, then 1, 2, … under `-c`. */
  pass: number;
  /** `--all-netns --json`: the namespace a listing document is about. */
  jsonNetns?: NetnsRef;
}

/** A mode's single pass. */
export type ModePass = (ctx: ModeContext) => Promise<number>;
