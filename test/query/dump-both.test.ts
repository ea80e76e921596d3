/**
 * The engine reads TCP's two tables through one dump of both families
 * (dumpInetBoth) when the plan has both — packed for the CLI's listing,
 * records for the library's sync calls — and through the per-family dump
 * otherwise; off the main thread, through one stream per family (records
 * built while the kernel walks); every table keeps its own outcome and
 * recorded source. A fake
 * binding counts the calls; the dumps themselves are compared live in
 * test/native/dump-both.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { chooseSources } from '../../src/backends/choose';
import { type QueryPlan, type TableSpec, readTables, readTablesAsync } from '../../src/query/engine';
import { COMPACT_STRIDE, INET_STRIDE, InetField, NATIVE_LAYOUT_VERSION, type NativeBinding, type PackedInet, UNIX_STRIDE } from '../../src/native';

/** One ESTABLISHED row on port `port`. */
function oneRow(address: string, port: number): PackedInet {
  const fields = new Uint32Array(INET_STRIDE);
  fields[InetField.State] = 1;
  fields[InetField.Inode] = port;
  fields[InetField.LocalAddress] = 0;
  fields[InetField.RemoteAddress] = 0;
  fields[InetField.Ports] = (port << 16) | 40000;
  return { fields, addresses: [address] };
}

function fake(bothError?: Error) {
  const calls: string[] = [];
  const inet = (family: number, protocol: number) => {
    calls.push(`dumpInet ${family}/${protocol}`);
    return family === 2 ? oneRow('127.0.0.1', 22) : oneRow('::1', 80);
  };
  const both = (protocol: number) => {
    calls.push(`dumpInetBoth ${protocol}`);
    if (bothError !== undefined) throw bothError;
    return { inet: oneRow('127.0.0.1', 22), inet6: oneRow('::1', 80) };
  };
  const none = () => {
    throw new Error('not used here');
  };
  // A stream gives its family's one row in one batch.
  const streams = new Map<object, PackedInet>();
  const whole = (stream: object) => ({ ...streams.get(stream)!, addressBase: 0, done: true });
  const binding = {
    layoutVersion: NATIVE_LAYOUT_VERSION,
    inetStride: INET_STRIDE,
    unixStride: UNIX_STRIDE,
    compactStride: COMPACT_STRIDE,
    dumpInet: inet,
    dumpInetAsync: async (family: number, protocol: number) => inet(family, protocol),
    dumpInetBoth: both,
    dumpInetBothAsync: async (protocol: number) => both(protocol),
    openInetStream: (family: number, protocol: number) => {
      calls.push(`openInetStream ${family}/${protocol}`);
      const stream = { handle: {} };
      streams.set(stream, family === 2 ? oneRow('127.0.0.1', 22) : oneRow('::1', 80));
      return stream;
    },
    readInetStream: whole,
    receiveInetStreamAsync: async () => ({ done: true }),
    packInetStream: (stream: object) => ({ ...whole(stream), done: false }),
    closeInetStream: () => undefined,
    dumpInetCompact: none,
    dumpInetCompactAsync: none,
    dumpUnix: none,
    dumpUnixAsync: none,
    scanOwners: none,
    scanOwnersAsync: none,
    recordInet: none,
    recordUnix: none,
    decodeInet: none,
    decodeUnix: none,
    dumpRoute: none,
    watchDestroyed: none,
    readProcIn: none,
  } as unknown as NativeBinding;
  return { binding, calls };
}

const spec = (protocol: 'tcp' | 'udp', family: 'inet' | 'inet6'): TableSpec => ({ kind: 'inet', protocol, family, name: `${protocol}/${family}` });

function plan(binding: NativeBinding, tables: TableSpec[], packedInet: boolean): QueryPlan {
  return {
    tables,
    filter: { selection: 'all' },
    owners: false,
    ownerWalk: 'wanted',
    timers: false,
    packedInet,
    sources: chooseSources({ env: {}, procRoot: '/proc', native: { binding } }),
  };
}

const BOTH_TCP = [spec('tcp', 'inet'), spec('tcp', 'inet6'), spec('udp', 'inet'), spec('udp', 'inet6')];

describe('the engine reads both TCP tables from one dump', () => {
  it('packed (the CLI listing): one dumpInetBoth for TCP, per-family dumps for UDP; each table its rows and source', () => {
    const { binding, calls } = fake();
    const result = readTables(plan(binding, BOTH_TCP, true));
    expect(calls).toEqual(['dumpInetBoth 6', 'dumpInet 2/17', 'dumpInet 10/17']);
    const [v4, v6] = result.inet;
    expect(v4?.status === 'ok' && v4.table.packed?.dump.addresses).toEqual(['127.0.0.1']);
    expect(v6?.status === 'ok' && v6.table.packed?.dump.addresses).toEqual(['::1']);
    expect(result.inet.map((t) => [t.spec.name, t.status, t.source.backend])).toEqual([
      ['tcp/inet', 'ok', 'netlink'],
      ['tcp/inet6', 'ok', 'netlink'],
      ['udp/inet', 'ok', 'netlink'],
      ['udp/inet6', 'ok', 'netlink'],
    ]);
  });

  it('records (listSockets), sync and async', async () => {
    for (const [read, expected] of [
      [readTables, ['dumpInetBoth 6']],
      [readTablesAsync, ['openInetStream 2/6', 'openInetStream 10/6']],
    ] as const) {
      const { binding, calls } = fake();
      const result = await read(plan(binding, BOTH_TCP.slice(0, 2), false));
      expect(calls).toEqual(expected);
      expect(result.inet.map((t) => (t.status === 'ok' ? t.table.rows.map((s) => `${s.family} ${s.localAddress}:${s.localPort}`) : t.status))).toEqual([
        ['inet 127.0.0.1:22'],
        ['inet6 ::1:80'],
      ]);
    }
  });

  it('one family alone is read by the per-family dump; a failed combined dump by the per-family dumps', async () => {
    const alone = fake();
    readTables(plan(alone.binding, [spec('tcp', 'inet6')], true));
    expect(alone.calls).toEqual(['dumpInet 10/6']);
    const unsupported = Object.assign(new Error('no compat handler'), { code: 'EOPNOTSUPP', errno: 95, syscall: 'sock_diag' });
    for (const [read, expected] of [
      [readTables, ['dumpInetBoth 6', 'dumpInet 2/6', 'dumpInet 10/6']],
      [readTablesAsync, ['openInetStream 2/6', 'openInetStream 10/6']], // the combined request is not asked for
    ] as const) {
      const { binding, calls } = fake(unsupported);
      const result = await read(plan(binding, BOTH_TCP.slice(0, 2), true));
      expect(calls).toEqual(expected);
      expect(result.inet.map((t) => [t.spec.name, t.status, t.source.backend])).toEqual([
        ['tcp/inet', 'ok', 'netlink'],
        ['tcp/inet6', 'ok', 'netlink'],
      ]);
    }
  });
});
