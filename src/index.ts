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
  type InetSocket,
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
  type SocketList,
  type TableReport,
} from './api';
export type { AddressSpec, PortSpec, SocketProtocol, SocketQuery, StateName, TcpStateName, UnixStateName } from './query/request';
export type { SourceChoice } from './backends/choose';
export type { Selection } from './backends/types';
