/**
 * The SCTP part of the socket listing (`-S`, spec §2.12): which tables a pass
 * reads, net-tools' messages and statuses when they are missing or cannot be
 * read, and the order of the output. The tables are read and parsed by
 * `procfs/sctp-table.ts` and the rows written by `print/sctp.ts`. Kernels
 * without the sctp module have none of these files, in which case only
 * net-tools' "no support" behaviour is visible.
 */
import { errorCode, perrorText } from '../../errors';
import type { InetFamily, ProcessRef, SctpAssociation, SctpEndpoint } from '../../model';
import type { ModeContext } from '../context';
import { resolveHosts } from '../../print/address';
import { sctpAddressesToName, sctpAssociationRow, sctpEndpointRow } from '../../print/sctp';
import { columnsOf } from './columns';
import { noSupport } from '../no-support';
import { isAbsent } from '../../procfs/read';
import { readSctpAssociations, readSctpEndpoints, type SctpTableKind, sctpTablePath } from '../../procfs/sctp-table';

export { sctpPresent } from '../../procfs/sctp-table';

/** What net-tools names the tables in its "bogus line" warnings. */
const WARNING_NAME: Record<SctpTableKind, string> = { eps: 'eps', assocs: 'assoc' };

/**
 * Print the SCTP part of one pass. Returns net-tools' status: 1 when SCTP was
 * asked for explicitly and the kernel has none, 255 on other open errors.
 */
export async function sctpSection(ctx: ModeContext, owners?: ReadonlyMap<number, readonly ProcessRef[]>): Promise<number> {
  const o = ctx.options;
  const nothing = o.explicitCount === 0;
  const tables: SctpTableKind[] = [];
  if (o.all || o.listening) tables.push('eps');
  if (o.all || !o.listening) tables.push('assocs');

  for (const kind of tables) {
    let status = 0;
    for (const family of ['inet', 'inet6'] as const) {
      if (!(nothing || (family === 'inet' ? o.inet : o.inet6))) continue;
      let table: { rows: Array<SctpEndpoint | SctpAssociation>; malformed: number };
      try {
        table = read(kind, family, ctx.procRoot);
      } catch (error) {
        if (family === 'inet6') continue; // a missing IPv6 file is silent
        const code = errorCode(error);
        if (!isAbsent(code)) {
          ctx.out.err(`${perrorText(sctpTablePath(kind, family, ctx.procRoot), code ?? 'EIO')}\n`);
          return 255;
        }
        status = noSupport(ctx, 'AF INET (sctp)') || status;
        continue;
      }
      for (let k = 0; k < table.malformed; k++) ctx.out.err(`warning, got bogus sctp ${WARNING_NAME[kind]} line.\n`);
      await printRows(ctx, table.rows, owners);
    }
    if (status !== 0) return status;
  }
  return 0;
}

function read(kind: SctpTableKind, family: InetFamily, root: string) {
  return kind === 'eps' ? readSctpEndpoints(family, root) : readSctpAssociations(family, root);
}

async function printRows(
  ctx: ModeContext,
  rows: Array<SctpEndpoint | SctpAssociation>,
  owners: ReadonlyMap<number, readonly ProcessRef[]> | undefined,
): Promise<void> {
  const o = ctx.options;
  const columns = columnsOf(o);
  // net-tools passes all its numeric flags to the address printer: any of them makes SCTP addresses numeric.
  const numeric = o.numericHosts || o.numericPorts || o.numericUsers || o.symbolic;
  const hostNames = numeric ? null : await resolveHosts(sctpAddressesToName(rows), ctx.resolvers);
  for (const row of rows) {
    if (o.programs) {
      const holders = owners?.get(row.inode);
      if (holders !== undefined) row.owners = [...holders];
    }
    ctx.out.out(row.kind === 'endpoint' ? sctpEndpointRow(row, columns, hostNames, ctx.resolvers) : sctpAssociationRow(row, columns, hostNames, ctx.resolvers));
  }
}
