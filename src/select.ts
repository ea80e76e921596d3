/**
 * net-tools' notion of "server" sockets, which decides what `-l`, `-a` and
 * the default listing show (spec §2.3). The library's `selection` option
 * means the same thing.
 */
import { UNIX_FLAG_ACCEPTCON, UnixState, type InetSocket, type UnixSocket } from './model';
import type { Selection } from './backends/types';

export type { Selection } from './backends/types';

/** Whether net-tools shows an Internet row under the selection (servers: TCP by remote port, others by remote address). */
export function showInet(socket: InetSocket, selection: Selection): boolean {
  if (selection === 'all') return true;
  const server = socket.protocol === 'tcp' ? socket.remotePort === 0 : socket.remoteAddress === '0.0.0.0' || socket.remoteAddress === '::';
  return selection === 'listening' ? server : !server;
}

/** Whether net-tools shows a UNIX row under the selection (servers: unconnected and accepting). */
export function showUnix(socket: UnixSocket, selection: Selection): boolean {
  if (selection === 'all') return true;
  const server = socket.state === UnixState.UNCONNECTED && (socket.flags & UNIX_FLAG_ACCEPTCON) !== 0;
  return selection === 'listening' ? server : !server;
}

