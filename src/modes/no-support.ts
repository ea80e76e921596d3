/**
 * net-tools' report of a table or family the kernel does not have (its
 * ESYSNOT): `netstat: no support for `NAME' on this system.` on standard
 * error when the table was asked for (or under `-v`), and status 1 when it
 * was asked for. Said in one place because every table and family follows
 * the same rule; only what counts as "asked for" differs between them.
 */
import type { ModeContext } from './context';

export interface Asked {
  /**
   * The table was named (`-t`, `-x`, `-g`, `-M`, …) rather than listed
   * because nothing was named. Default: any socket kind was named.
   */
  explicit?: boolean;
  /**
   * It was only implied by a family choice (`-4`, `-A inet`): net-tools then
   * says nothing. Default: the options' `protocolsImplied`.
   */
  implied?: boolean;
}

/** Report `name` as unsupported; returns net-tools' status for it (0 or 1). */
export function noSupport(ctx: ModeContext, name: string, asked: Asked = {}): number {
  const o = ctx.options;
  const explicit = asked.explicit ?? o.explicitCount > 0;
  if (asked.implied ?? o.protocolsImplied) return 0;
  if (explicit || o.verbose) ctx.out.err(`netstat: no support for \`${name}' on this system.\n`);
  return explicit ? 1 : 0;
}
