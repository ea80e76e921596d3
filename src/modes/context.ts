/**
 * What every output mode receives. A mode prints one pass and returns the
 * exit status net-tools would have at that point (0 = go on); the CLI owns
 * the `-c` loop and the process exit.
 */
import type { Output } from '../cli/output';
import type { NetnsRef } from '../model';
import type { Options } from '../options';
import type { Resolvers } from '../resolve';

export interface ModeContext {
  options: Options;
  out: Output;
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
