/**
 * The sentences `netstat -s` prints for the counters it knows (spec §7).
 *
 * Each entry names a kernel counter as it appears in `/proc/net/snmp`,
 * `/proc/net/netstat`, `/proc/net/sctp/snmp` or `/proc/net/snmp6`, how it is
 * shown, and the sentence, where `%u` stands for the value.
 *
 * net-tools finds entries with a binary search over tables that are not fully
 * sorted, so a few of its entries can never be found and their counters fall
 * back to the raw `Name: value` form. Those are kept here with
 * `unreachable: true`: they print as that fallback, like in net-tools, and
 * their sentences (never printed) only say what the counter means.
 */

/**
 * How an entry prints:
 * - `always`: the sentence even for 0;
 * - `nonzero`: the sentence only for a non-zero value;
 * - `input` / `output`: an ICMP histogram line (title first when entering the histogram);
 * - `silent`: never printed (static settings such as DefaultTTL, limits such as MaxConn).
 */
export type EntryKind = 'always' | 'nonzero' | 'input' | 'output' | 'silent';

export interface StatEntry {
  name: string;
  kind: EntryKind;
  /** The sentence; `%u` is replaced by the value. Empty for silent entries. */
  text: string;
  /** True when net-tools' lookup can never find this entry (the counter prints as `Name: value`). */
  unreachable?: boolean;
}

/** Which `-t/-u/-w/-S` flag turns a known table on. */
export type TableFilter = 'raw' | 'tcp' | 'udp' | 'sctp';

export interface StatTable {
  title: string;
  filter: TableFilter;
  entries: ReadonlyMap<string, StatEntry>;
}

type Row = [name: string, kind: EntryKind, text: string, unreachable?: 'unreachable'];

function table(title: string, filter: TableFilter, rows: Row[]): StatTable {
  const entries = new Map<string, StatEntry>();
  for (const [name, kind, text, unreachable] of rows) {
    entries.set(name, unreachable === undefined ? { name, kind, text } : { name, kind, text, unreachable: true });
  }
  return { title, filter, entries };
}

const ip: Row[] = [
  ['Forwarding', 'silent', '', 'unreachable'],
  ['DefaultTTL', 'silent', ''],
  ['InReceives', 'always', '%u total packets received'],
  ['InHdrErrors', 'nonzero', '%u with invalid headers'],
  ['InAddrErrors', 'nonzero', '%u with invalid addresses'],
  ['ForwDatagrams', 'always', '%u forwarded'],
  ['InUnknownProtos', 'nonzero', '%u with unknown protocol'],
  ['InDiscards', 'always', '%u incoming packets discarded'],
  ['InDelivers', 'always', '%u incoming packets delivered'],
  ['OutRequests', 'always', '%u requests sent out'],
  ['OutDiscards', 'nonzero', '%u outgoing packets dropped'],
  ['OutNoRoutes', 'nonzero', '%u dropped because of missing route'],
  ['ReasmTimeout', 'nonzero', '%u fragments dropped after timeout'],
  ['ReasmReqds', 'nonzero', '%u reassemblies required'],
  ['ReasmOKs', 'nonzero', '%u packets reassembled ok'],
  ['ReasmFails', 'nonzero', '%u packet reassemblies failed'],
  ['FragOKs', 'nonzero', '%u outgoing packets fragmented ok'],
  ['FragFails', 'nonzero', '%u outgoing packets failed fragmentation'],
  ['FragCreates', 'nonzero', '%u fragments created'],
];

const icmp: Row[] = [
  ['InMsgs', 'always', '%u ICMP messages received'],
  ['InErrors', 'always', '%u input ICMP message failed'],
  ['InDestUnreachs', 'input', 'destination unreachable: %u'],
  ['InTimeExcds', 'input', 'timeout in transit: %u'],
  ['InParmProbs', 'input', 'wrong parameters: %u'],
  ['InSrcQuenchs', 'input', 'source quenches: %u'],
  ['InRedirects', 'input', 'redirects: %u'],
  ['InEchos', 'input', 'echo requests: %u'],
  ['InEchoReps', 'input', 'echo replies: %u'],
  ['InTimestamps', 'input', 'timestamp request: %u'],
  ['InTimestampReps', 'input', 'timestamp reply: %u'],
  ['InAddrMasks', 'input', 'address mask request: %u'],
  ['InAddrMaskReps', 'input', 'address mask replies: %u'],
  ['OutMsgs', 'always', '%u ICMP messages sent'],
  ['OutErrors', 'always', '%u ICMP messages failed'],
  ['OutDestUnreachs', 'output', 'destination unreachable: %u'],
  ['OutTimeExcds', 'output', 'time exceeded: %u'],
  ['OutParmProbs', 'output', 'wrong parameters: %u'],
  ['OutSrcQuenchs', 'output', 'source quench: %u'],
  ['OutRedirects', 'output', 'redirect: %u'],
  ['OutEchos', 'output', 'echo requests: %u'],
  ['OutEchoReps', 'output', 'echo replies: %u'],
  ['OutTimestamps', 'output', 'timestamp requests: %u'],
  ['OutTimestampReps', 'output', 'timestamp replies: %u'],
  ['OutAddrMasks', 'output', 'address mask requests: %u'],
  ['OutAddrMaskReps', 'output', 'address mask replies: %u'],
];

const tcp: Row[] = [
  ['RtoAlgorithm', 'silent', ''],
  ['RtoMin', 'silent', ''],
  ['RtoMax', 'silent', ''],
  ['MaxConn', 'silent', ''],
  ['ActiveOpens', 'always', '%u active connection openings'],
  ['PassiveOpens', 'always', '%u passive connection openings'],
  ['AttemptFails', 'always', '%u failed connection attempts'],
  ['EstabResets', 'always', '%u connection resets received'],
  ['CurrEstab', 'always', '%u connections established'],
  ['InSegs', 'always', '%u segments received'],
  ['OutSegs', 'always', '%u segments sent out'],
  ['RetransSegs', 'always', '%u segments retransmitted'],
  ['InErrs', 'always', '%u bad segments received'],
  ['OutRsts', 'always', '%u resets sent'],
];

const udp: Row[] = [
  ['InDatagrams', 'always', '%u packets received'],
  ['NoPorts', 'always', '%u packets to unknown port received'],
  ['InErrors', 'always', '%u packet receive errors'],
  ['OutDatagrams', 'always', '%u packets sent'],
  ['RcvbufErrors', 'always', '%u receive buffer errors'],
  ['SndbufErrors', 'always', '%u send buffer errors'],
];

const tcpExt: Row[] = [
  ['SyncookiesSent', 'nonzero', '%u SYN cookies sent'],
  ['SyncookiesRecv', 'nonzero', '%u SYN cookies received'],
  ['SyncookiesFailed', 'nonzero', '%u invalid SYN cookies received'],
  ['EmbryonicRsts', 'nonzero', '%u resets received for embryonic SYN_RECV sockets'],
  ['PruneCalled', 'nonzero', '%u packets pruned from receive queue because of socket buffer overrun'],
  ['RcvPruned', 'nonzero', '%u packets pruned from receive queue'],
  ['OfoPruned', 'nonzero', '%u packets dropped from out-of-order queue because of socket buffer overrun'],
  ['OutOfWindowIcmps', 'nonzero', '%u ICMP packets dropped because they were out-of-window'],
  ['LockDroppedIcmps', 'nonzero', '%u ICMP packets dropped because socket was locked'],
  ['TW', 'nonzero', '%u TCP sockets finished time wait in fast timer'],
  ['TWRecycled', 'nonzero', '%u time wait sockets recycled by time stamp'],
  ['TWKilled', 'nonzero', '%u TCP sockets finished time wait in slow timer', 'unreachable'],
  ['PAWSActive', 'nonzero', '%u active connections rejected because of time stamp'],
  ['PAWSPassive', 'nonzero', '%u passive connections rejected because of time stamp'],
  ['PAWSEstab', 'nonzero', '%u packets rejected in established connections because of timestamp'],
  ['DelayedACKs', 'nonzero', '%u delayed acks sent'],
  ['DelayedACKLocked', 'nonzero', '%u delayed acks further delayed because of locked socket'],
  ['DelayedACKLost', 'nonzero', 'Quick ack mode was activated %u times'],
  ['ListenOverflows', 'nonzero', '%u times the listen queue of a socket overflowed'],
  ['ListenDrops', 'nonzero', '%u SYNs to LISTEN sockets dropped'],
  ['TCPPrequeued', 'nonzero', '%u packets directly queued to recvmsg prequeue'],
  ['TCPDirectCopyFromBacklog', 'nonzero', '%u bytes directly in process context from backlog'],
  ['TCPDirectCopyFromPrequeue', 'nonzero', '%u bytes directly received in process context from prequeue', 'unreachable'],
  ['TCPPrequeueDropped', 'nonzero', '%u packets dropped from prequeue', 'unreachable'],
  ['TCPHPHits', 'always', '%u packet headers predicted'],
  ['TCPHPHitsToUser', 'nonzero', '%u packet headers predicted and directly queued to user'],
  ['SockMallocOOM', 'nonzero', 'Ran %u times out of system memory during packet sending'],
  ['TCPPureAcks', 'nonzero', '%u acknowledgments not containing data payload received'],
  ['TCPHPAcks', 'nonzero', '%u predicted acknowledgments'],
  ['TCPRenoRecovery', 'nonzero', '%u times recovered from packet loss due to fast retransmit'],
  ['TCPSackRecovery', 'nonzero', '%u times recovered from packet loss by selective acknowledgements', 'unreachable'],
  ['TCPSACKReneging', 'nonzero', '%u bad SACK blocks received', 'unreachable'],
  ['TCPFACKReorder', 'nonzero', 'Detected reordering %u times using FACK'],
  ['TCPSACKReorder', 'nonzero', 'Detected reordering %u times using SACK'],
  ['TCPTSReorder', 'nonzero', 'Detected reordering %u times using time stamp'],
  ['TCPRenoReorder', 'nonzero', 'Detected reordering %u times using reno fast retransmit'],
  ['TCPFullUndo', 'nonzero', '%u congestion windows fully recovered without slow start'],
  ['TCPPartialUndo', 'nonzero', '%u congestion windows partially recovered using Hoe heuristic'],
  ['TCPDSackUndo', 'nonzero', '%u congestion window recovered without slow start using DSACK', 'unreachable'],
  ['TCPDSACKUndo', 'nonzero', '%u congestion window recovered without slow start using DSACK', 'unreachable'],
  ['TCPLossUndo', 'nonzero', '%u congestion windows recovered without slow start after partial ack'],
  // The kernel calls this counter TCPLostRetransmit, so net-tools' entry never matches.
  ['TCPLostRetransmits', 'nonzero', '%u retransmits lost'],
  ['TCPRenoFailures', 'nonzero', '%u timeouts after reno fast retransmit'],
  ['TCPSackFailures', 'nonzero', '%u timeouts after SACK recovery', 'unreachable'],
  ['TCPLossFailures', 'nonzero', '%u timeouts in loss state'],
  ['TCPFastRetrans', 'nonzero', '%u fast retransmits'],
  ['TCPForwardRetrans', 'nonzero', '%u forward retransmits'],
  ['TCPSlowStartRetrans', 'nonzero', '%u retransmits in slow start'],
  ['TCPTimeouts', 'nonzero', '%u other TCP timeouts', 'unreachable'],
  ['TCPRenoRecoveryFailed', 'nonzero', '%u reno fast retransmits failed', 'unreachable'],
  ['TCPRenoRecoveryFail', 'nonzero', '%u classic Reno fast retransmits failed', 'unreachable'],
  ['TCPSackRecoveryFail', 'nonzero', '%u SACK retransmits failed', 'unreachable'],
  ['TCPSchedulerFailed', 'nonzero', '%u times receiver scheduled too late for direct processing'],
  ['TCPRcvCollapsed', 'nonzero', '%u packets collapsed in receive queue due to low socket buffer'],
  ['TCPDSACKOldSent', 'nonzero', '%u DSACKs sent for old packets', 'unreachable'],
  ['TCPDSACKOfoSent', 'nonzero', '%u DSACKs sent for out of order packets', 'unreachable'],
  ['TCPDSACKRecv', 'nonzero', '%u DSACKs received', 'unreachable'],
  ['TCPDSACKOfoRecv', 'nonzero', '%u DSACKs for out of order packets received', 'unreachable'],
  ['TCPAbortOnSyn', 'nonzero', '%u connections reset due to unexpected SYN'],
  ['TCPAbortOnData', 'nonzero', '%u connections reset due to unexpected data'],
  ['TCPAbortOnClose', 'nonzero', '%u connections reset due to early user close'],
  ['TCPAbortOnMemory', 'nonzero', '%u connections aborted due to memory pressure'],
  ['TCPAbortOnTimeout', 'nonzero', '%u connections aborted due to timeout'],
  ['TCPAbortOnLinger', 'nonzero', '%u connections aborted after user close in linger timeout'],
  ['TCPAbortFailed', 'nonzero', '%u times unable to send RST due to no memory'],
  ['TCPMemoryPressures', 'nonzero', 'TCP ran low on memory %u times'],
  ['TCPLoss', 'nonzero', '%u TCP data loss events', 'unreachable'],
];

const sctp: Row[] = [
  ['SctpCurrEstab', 'always', '%u Current Associations'],
  ['SctpActiveEstabs', 'always', '%u Active Associations'],
  ['SctpPassiveEstabs', 'always', '%u Passive Associations'],
  ['SctpAborteds', 'always', '%u Number of Aborteds '],
  ['SctpShutdowns', 'always', '%u Number of Graceful Terminations'],
  ['SctpOutOfBlues', 'always', '%u Number of Out of Blue packets'],
  ['SctpChecksumErrors', 'always', '%u Number of Packets with invalid Checksum'],
  ['SctpOutCtrlChunks', 'always', '%u Number of control chunks sent'],
  ['SctpOutOrderChunks', 'always', '%u Number of ordered chunks sent'],
  ['SctpOutUnorderChunks', 'always', '%u Number of Unordered chunks sent'],
  ['SctpInCtrlChunks', 'always', '%u Number of control chunks received'],
  ['SctpInOrderChunks', 'always', '%u Number of ordered chunks received'],
  ['SctpInUnorderChunks', 'always', '%u Number of Unordered chunks received'],
  ['SctpFragUsrMsgs', 'always', '%u Number of messages fragmented'],
  ['SctpReasmUsrMsgs', 'always', '%u Number of messages reassembled '],
  ['SctpOutSCTPPacks', 'always', '%u Number of SCTP packets sent'],
  ['SctpInSCTPPacks', 'always', '%u Number of SCTP packets received'],
];

/** The IPv4 tables (`/proc/net/snmp`, `/proc/net/netstat`, `/proc/net/sctp/snmp`). */
export const INET_TABLES: readonly StatTable[] = [
  table('Ip', 'raw', ip),
  table('Icmp', 'raw', icmp),
  table('Tcp', 'tcp', tcp),
  table('Udp', 'udp', udp),
  table('Sctp', 'sctp', sctp),
  table('TcpExt', 'tcp', tcpExt),
];

const ip6: Row[] = [
  ['Ip6InReceives', 'always', '%u total packets received'],
  ['Ip6InHdrErrors', 'nonzero', '%u with invalid headers'],
  ['Ip6InTooBigErrors', 'nonzero', '%u with packets too big'],
  ['Ip6InNoRoutes', 'nonzero', '%u incoming packets with no route'],
  ['Ip6InAddrErrors', 'nonzero', '%u with invalid addresses'],
  ['Ip6InUnknownProtos', 'nonzero', '%u with unknown protocol'],
  ['Ip6InTruncatedPkts', 'nonzero', '%u with truncated packets'],
  ['Ip6InDiscards', 'always', '%u incoming packets discarded'],
  ['Ip6InDelivers', 'always', '%u incoming packets delivered'],
  ['Ip6OutForwDatagrams', 'always', '%u forwarded'],
  ['Ip6OutRequests', 'always', '%u requests sent out'],
  ['Ip6OutDiscards', 'nonzero', '%u outgoing packets dropped'],
  ['Ip6OutNoRoutes', 'nonzero', '%u dropped because of missing route'],
  ['Ip6ReasmTimeout', 'nonzero', '%u fragments dropped after timeout'],
  ['Ip6ReasmReqds', 'nonzero', '%u reassemblies required'],
  ['Ip6ReasmOKs', 'nonzero', '%u packets reassembled ok'],
  ['Ip6ReasmFails', 'nonzero', '%u packet reassemblies failed'],
  ['Ip6FragOKs', 'nonzero', '%u outgoing packets fragmented ok'],
  ['Ip6FragFails', 'nonzero', '%u outgoing packets failed fragmentation'],
  ['Ip6FragCreates', 'nonzero', '%u fragments created'],
  ['Ip6InMcastPkts', 'nonzero', '%u incoming multicast packets'],
  ['Ip6OutMcastPkts', 'nonzero', '%u outgoing multicast packets'],
];

const icmp6: Row[] = [
  ['Icmp6InMsgs', 'always', '%u ICMP messages received'],
  ['Icmp6InErrors', 'always', '%u input ICMP message failed'],
  ['Icmp6OutMsgs', 'always', '%u ICMP messages sent'],
  ['Icmp6InDestUnreachs', 'input', 'destination unreachable: %u'],
  ['Icmp6InPktTooBigs', 'input', 'packets too big: %u'],
  ['Icmp6InTimeExcds', 'input', 'received ICMPv6 time exceeded: %u'],
  ['Icmp6InParmProblems', 'input', 'parameter problem: %u'],
  ['Icmp6InEchos', 'input', 'echo requests: %u'],
  ['Icmp6InEchoReplies', 'input', 'echo replies: %u'],
  ['Icmp6InGroupMembQueries', 'input', 'group member queries: %u'],
  ['Icmp6InGroupMembResponses', 'input', 'group member responses: %u'],
  ['Icmp6InGroupMembReductions', 'input', 'group member reductions: %u'],
  ['Icmp6InRouterSolicits', 'input', 'router solicits: %u'],
  ['Icmp6InRouterAdvertisements', 'input', 'router advertisement: %u'],
  ['Icmp6InNeighborSolicits', 'input', 'neighbour solicits: %u'],
  ['Icmp6InNeighborAdvertisements', 'input', 'neighbour advertisement: %u'],
  ['Icmp6InRedirects', 'input', 'redirects: %u'],
  ['Icmp6OutDestUnreachs', 'output', 'destination unreachable: %u'],
  ['Icmp6OutPktTooBigs', 'output', 'packets too big: %u'],
  ['Icmp6OutTimeExcds', 'output', 'sent ICMPv6 time exceeded: %u'],
  ['Icmp6OutParmProblems', 'output', 'parameter problem: %u'],
  ['Icmp6OutEchos', 'output', 'echo requests: %u'],
  ['Icmp6OutEchoReplies', 'output', 'echo replies: %u'],
  ['Icmp6OutGroupMembQueries', 'output', 'group member queries: %u'],
  ['Icmp6OutGroupMembResponses', 'output', 'group member responses: %u'],
  ['Icmp6OutGroupMembReductions', 'output', 'group member reductions: %u'],
  ['Icmp6OutRouterSolicits', 'output', 'router solicits: %u'],
  // net-tools stores this name with a trailing blank, so the kernel's counter never matches it.
  ['Icmp6OutRouterAdvertisements', 'output', 'router advertisement: %u', 'unreachable'],
  ['Icmp6OutNeighborSolicits', 'output', 'neighbor solicits: %u'],
  ['Icmp6OutNeighborAdvertisements', 'output', 'neighbor advertisements: %u'],
  ['Icmp6OutRedirects', 'output', 'redirects: %u'],
];

const udp6: Row[] = [
  ['Udp6InDatagrams', 'always', '%u packets received'],
  ['Udp6NoPorts', 'always', '%u packets to unknown port received'],
  ['Udp6InErrors', 'always', '%u packet receive errors'],
  ['Udp6OutDatagrams', 'always', '%u packets sent'],
];

/** The IPv6 tables (`/proc/net/snmp6`); `Tcp6` has no counters but is a known section. */
export const INET6_TABLES: readonly StatTable[] = [
  table('Ip6', 'raw', ip6),
  table('Icmp6', 'raw', icmp6),
  table('Udp6', 'udp', udp6),
  table('Tcp6', 'tcp', []),
];

/** Where a section's counters come from: `/proc/net/snmp6` has the IPv6 tables, the other files the IPv4 ones. */
export type StatFile = '/proc/net/snmp' | '/proc/net/netstat' | '/proc/net/sctp/snmp' | '/proc/net/snmp6';

/** The known table of a section, if net-tools knows it. */
export function knownTable(title: string, file: StatFile): StatTable | undefined {
  return (file === '/proc/net/snmp6' ? INET6_TABLES : INET_TABLES).find((t) => t.title === title);
}
