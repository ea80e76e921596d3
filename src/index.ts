/**
 * netstat-native as a library: list a machine's sockets in one typed model,
 * from the kernel's sock_diag netlink interface when the native engine is
 * available, else from /proc.
 *
 * ```ts
 * import { listSockets } from 'netstat-native';
 * const { inet } = await listSockets({ protocols: ['tcp'], selection: 'listening', owners: true });
 * ```
 */
export * from './model';
export { NetstatError } from './errors';
export { listSockets, listSocketsSync, type SocketList, type SocketRequest } from './query';
export { type Selection, showInet, showUnix } from './select';
export { chooseSources, type ChooseOptions, type SourceChoice, type Sources } from './backends/choose';
export type { BackendName, InetQuery, OwnerScan, OwnerSource, SocketBackend, Table, UnixQuery } from './backends/types';
