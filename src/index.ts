/**
 * netstat-native as a library: list a machine's sockets in one typed model,
 * from the kernel's sock_diag netlink interface when the native engine is
 * available, else from /proc. Only the API and its types are exported.
 *
 * ```ts
 * import { listSockets, findListeners, countSockets } from 'netstat-native';
 * const { inet } = await listSockets({ protocols: ['tcp'], states: ['LISTEN'], owners: true });
 * const onPort80 = await findListeners(80);
 * const { groups } = await countSockets({ protocols: ['tcp'] }, { by: 'state' });
 * ```
 */
export {
  INET_FAMILIES,
  INET_PROTOCOLS,
  TCP_STATE_NAMES,
  TcpState,
  TimerKind,
  UNIX_FLAG_ACCEPTCON,
  UNIX_FLAG_NOSPACE,
  UNIX_FLAG_WAITDATA,
  UnixState,
  UnixType,
  type InetFamily,
  type InetProtocol,
  type CgroupRef,
  type ContainerRef,
  type InetSocket,
  type NetnsRef,
  type ProcessRef,
  type SocketBase,
  type SocketTimer,
  type UnixSocket,
} from './model';
export { NetstatError } from './errors';
export {
  countSockets,
  countSocketsSync,
  findListeners,
  listSockets,
  listSocketsSync,
  socketsOfProcess,
  type CountKey,
  type CountOptions,
  type CountRow,
  type SumKey,
  type ListenerQuery,
  type SocketCounts,
  type NamespaceReport,
  type SocketList,
  type TableReport,
  type UnreadableOwner,
} from './api';
export { socketKey, watchSockets, type SocketChange, type SocketEvent, type SocketWatch, type WatchOptions, type WatchStats, type WatchedSocket } from './watch';
export type { AddressSpec, PortSpec, SocketProtocol, SocketQuery, StateName, TcpStateName, UnixStateName } from './query/request';
export type { SourceChoice } from './backends/choose';
export type { Selection } from './filter';
