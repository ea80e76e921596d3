/**
 * `--watch`: the socket changes of the listing's selection, as they happen
 * (the library's `watchSockets`). Text: one line per event — an ISO time
 * stamp, `+` (added), `-` (removed) or `~` (changed), then the socket in
 * net-tools' row format for the listing's options; with `--ndjson`, one JSON
 * event per line. Runs until interrupted (SIGINT/SIGTERM) or stdout closes;
 * the first dump reports every socket present as added.
 */
import type { Selection } from '../filter';
import type { InetFamily, InetSocket, UnixSocket } from '../model';
import type { ModeContext } from '../modes/context';
import type { Options } from '../modes/options';
import { resolveHosts } from '../print/address';
import { jsonLine } from '../print/json';
import { InetRowFormatter, unixRow } from '../print/sockets';
import type { SocketProtocol, SocketQuery } from '../query/request';
import { type SocketEvent, watchSockets } from '../watch';
import { columnsOf } from '../modes/listing/columns';

const MARKS: Record<SocketEvent['type'], string> = { added: '+', removed: '-', changed: '~' };

/** The library query for the listing's options (the same tables and selection as a pass). */
export function watchQuery(o: Options): SocketQuery {
  const nothing = o.explicitCount === 0;
  const protocols: SocketProtocol[] = [];
  for (const p of ['tcp', 'udp', 'udplite', 'raw'] as const) if (nothing || o[p]) protocols.push(p);
  if (nothing || o.unix) protocols.push('unix');
  const families: InetFamily[] = [];
  if (nothing || o.inet) families.push('inet');
  if (nothing || o.inet6) families.push('inet6');
  const selection: Selection = o.all ? 'all' : o.listening ? 'listening' : 'connected';
  const query: SocketQuery = { protocols, families, selection, owners: o.programs, timers: o.timers };
  if (o.netns !== undefined) query.netns = o.netns;
  if (o.allNetns) query.netns = 'all';
  return query;
}

function onceSignalled(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** Watch until interrupted; returns the exit status. */
export async function watchPass(ctx: ModeContext, intervalMs: number): Promise<number> {
  const o = ctx.options;
  const columns = columnsOf(o);
  const watch = watchSockets(watchQuery(o), { intervalMs });
  void onceSignalled().then(() => watch.close());
  try {
    for await (const event of watch) {
      const stamp = new Date(event.time).toISOString();
      if (o.ndjson) {
        ctx.out.out(jsonLine({ time: stamp, event: event.type, kind: event.kind, ...(event.type === 'changed' ? { previous: event.previous } : {}), socket: event.socket }));
      } else if (event.kind === 'inet') {
        const socket = event.socket as InetSocket;
        const names = o.numericHosts ? null : await resolveHosts([socket.localAddress, socket.remoteAddress], ctx.resolvers);
        ctx.out.out(`${stamp} ${MARKS[event.type]} ${new InetRowFormatter(columns, names, ctx.resolvers).row(socket)}`);
      } else {
        ctx.out.out(`${stamp} ${MARKS[event.type]} ${unixRow(event.socket as UnixSocket, columns)}`);
      }
      ctx.out.flush();
      if (ctx.out.closed) break;
    }
  } finally {
    await watch.close();
  }
  return 0;
}
