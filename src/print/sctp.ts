/**
 * The SCTP rows of the socket listing (`-S`), column for column as net-tools
 * 2.10 prints them (spec §2.12). Pure and synchronous, like `sockets.ts`:
 * host names are resolved beforehand (`resolveHosts`), and the owners, when
 * `-p` asks for them, are on the records.
 *
 * An endpoint is one line per local address; an association one line per
 * local/remote address pair. The first line carries the ports and the state,
 * the optional columns (`-e`, `-p`, `-o`) follow the last one:
 *
 *     sctp                ADDR:PORT (%-47s)                               STATE (%-11s)
 *                         ADDR:PORT (%-47s)
 *     sctp  RECVQ  SENDQ  LOCAL:PORT (%-23s) REMOTE:PORT (%-23s)          STATE
 *                         LOCAL      (%-23s) REMOTE      (%-23s)
 */
import { type SctpAddress, type SctpAssociation, type SctpBase, type SctpEndpoint, sctpStateName } from '../model';
import type { Resolvers } from '../resolve';
import { hostText } from './address';
import { type Columns, programLabel } from './sockets';

/** Every address of the rows, for `resolveHosts`. */
export function* sctpAddressesToName(rows: Iterable<SctpEndpoint | SctpAssociation>): Generator<string> {
  for (const row of rows) {
    for (const a of row.localAddresses) yield a.address;
    if (row.kind === 'association') for (const a of row.remoteAddresses) yield a.address;
  }
}

/** One endpoint: its lines and the optional columns, newline included. */
export function sctpEndpointRow(
  endpoint: SctpEndpoint,
  columns: Columns,
  hostNames: ReadonlyMap<string, string | null> | null,
  resolvers: Resolvers,
): string {
  const port = portText(endpoint.localPort);
  let row = '';
  endpoint.localAddresses.forEach((local, index) => {
    const first = index === 0;
    row += first ? 'sctp                ' : '\n                    ';
    row += `${host(local, hostNames, resolvers)}:${port}`.padEnd(47);
    row += ' ' + (first ? sctpStateName(endpoint.state) : '').padEnd(11);
  });
  return row + trailer(endpoint, columns, resolvers);
}

/** One association: its lines and the optional columns, newline included. */
export function sctpAssociationRow(
  association: SctpAssociation,
  columns: Columns,
  hostNames: ReadonlyMap<string, string | null> | null,
  resolvers: Resolvers,
): string {
  const { localAddresses: locals, remoteAddresses: remotes } = association;
  let row = '';
  for (let i = 0; i < Math.max(locals.length, remotes.length); i++) {
    const first = i === 0;
    const local = locals[i];
    const remote = remotes[i];
    row += first ? `sctp  ${String(association.recvQueue).padStart(6)} ${String(association.sendQueue).padStart(6)} ` : '\n                    ';
    // Only the first line has ports.
    const localText = local === undefined ? '' : host(local, hostNames, resolvers) + (first ? ':' + portText(association.localPort) : '');
    const remoteText = remote === undefined ? '' : host(remote, hostNames, resolvers) + (first ? ':' + portText(association.remotePort) : '');
    row += localText.padEnd(23) + ' ' + remoteText.padEnd(23);
    row += ' ' + (first ? sctpStateName(association.state) : '').padEnd(11);
  }
  return row + trailer(association, columns, resolvers);
}

/**
 * An address as net-tools prints it: numeric or a name like any Internet
 * address, cut to the 63 characters of its `local_addr[64]` buffer.
 */
function host(address: SctpAddress, hostNames: ReadonlyMap<string, string | null> | null, resolvers: Resolvers): string {
  return hostText(address.address, address.family, hostNames, resolvers).slice(0, 63);
}

/** SCTP ports are never looked up (no service list has them): the number, or `*` for 0. */
function portText(port: number): string {
  return port === 0 ? '*' : String(port);
}

/** The `-e`, `-p` and `-o` columns (an SCTP row has no timer text) and the newline. */
function trailer(row: SctpBase, columns: Columns, resolvers: Resolvers): string {
  let text = '';
  if (columns.extended) {
    const user = columns.numericUsers ? null : resolvers.users.name(row.uid);
    // A signed int, like the Internet rows' uid.
    text += ' ' + (user ?? String(row.uid | 0)).padEnd(10) + ' ' + String(row.inode).padEnd(10);
  }
  if (columns.programs) text += ' ' + programLabel(row.owners).padEnd(20);
  if (columns.timers) text += ' ';
  return text + '\n';
}
