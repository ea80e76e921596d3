/**
 * What of a query's filter the kernel can apply during an inet_diag dump, as
 * bytecode (`INET_DIAG_REQ_BYTECODE`, see `bytecode.ts`): ports and address
 * prefixes, and net-tools' TCP "server" rule (remote port 0). The state mask
 * is separate (`stateMask` in `netlink.ts`). Whatever is asked here is a
 * narrowing only: the keep-test of `filter.ts` still decides each row.
 */
import type { PortRange, SocketFilter } from '../filter';
import type { InetProtocol } from '../model';
import { type KernelFilter, compileBytecode } from './bytecode';

/** The ranges common to two lists of ranges (undefined = no condition). */
function intersect(a: readonly PortRange[] | undefined, b: readonly PortRange[]): PortRange[] {
  if (a === undefined) return b.slice();
  const out: PortRange[] = [];
  for (const [lowA, highA] of a) {
    for (const [lowB, highB] of b) {
      const low = Math.max(lowA, lowB);
      const high = Math.min(highA, highB);
      if (low <= high) out.push([low, high]);
    }
  }
  return out;
}

/** The bytecode for one table's dump, or null when the kernel needs none. */
export function kernelFilter(protocol: InetProtocol, filter: SocketFilter): Buffer | null {
  const wanted: KernelFilter = {};
  if (filter.localPorts !== undefined) wanted.localPorts = filter.localPorts;
  if (filter.localAddresses !== undefined) wanted.localAddresses = filter.localAddresses;
  if (filter.remoteAddresses !== undefined) wanted.remoteAddresses = filter.remoteAddresses;
  if (filter.cgroupIds !== undefined) wanted.cgroupIds = [...filter.cgroupIds].map((id) => BigInt(id));
  // A RAW socket's "remote port" is 0 in the records whatever the kernel holds: the keep-test decides.
  if (protocol !== 'raw') {
    let remotePorts = filter.remotePorts;
    // net-tools' TCP server: remote port 0, in any state.
    if (protocol === 'tcp' && filter.selection === 'listening') remotePorts = intersect(remotePorts, [[0, 0]]);
    if (remotePorts !== undefined) wanted.remotePorts = remotePorts;
  }
  try {
    return compileBytecode(wanted);
  } catch (error) {
    // Too many alternatives for one attribute (its length is 16 bits): dump
    // without it; the keep-test filters.
    if (error instanceof RangeError) return null;
    throw error;
  }
}
