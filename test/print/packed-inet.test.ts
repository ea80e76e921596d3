/**
 * The packed printer (src/print/packed-inet.ts) against the path it replaces:
 * for any packed dump and any listing options, its bytes must be exactly
 * `inetRows()` (the netlink backend's records, with its row selection) then
 * `InetRowFormatter.row()` for each record. Generated dumps cover every
 * protocol and family, TIME_WAIT sub-states and states no name exists for,
 * u32 queues, ports 0–65535, v4, v6, v4-mapped and long IPv6 addresses (the
 * 23-column cut), names with bytes ≥ 0x80, uids ≥ 2^31 and every timer kind;
 * the options every combination of -e, -p, -o, -W, -n/--numeric-hosts/
 * --numeric-ports/--numeric-users, selection, and chunk sizes down to rows
 * longer than a chunk. Then the same comparison on this machine's real dumps.
 */
import fc from 'fast-check';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inetRows } from '../../src/backends/netlink';
import type { Selection } from '../../src/backends/types';
import type { InetFamily, InetProtocol, ProcessRef } from '../../src/model';
import { INET_STRIDE, InetField, type PackedInet, loadNative } from '../../src/native';
import { PackedInetWriter, keptAddresses } from '../../src/print/packed-inet';
import { type Columns, InetRowFormatter, programLabel } from '../../src/print/sockets';
import { HostResolver, NetworkNames, ServiceNames, UserNames, type Resolvers, createResolvers } from '../../src/resolve';

const db = (name: string) => path.join(__dirname, '..', '..', 'fixtures', 'names', name);

/** Name databases with names of every length and some bytes ≥ 0x80 (as latin1, the way the real readers give them). */
function resolvers(): Resolvers {
  const services = new ServiceNames(db('services'), db('protocols'));
  services.name = (port) => (port % 7 === 0 ? `svc${port}` : port % 11 === 0 ? `a-long-service-name-${port}-x` : port % 13 === 0 ? `s\xe9rvice${port}` : null);
  const users = new UserNames(db('passwd'));
  users.name = (uid) => (uid % 3 === 0 ? `user${uid}` : uid % 5 === 0 ? `a-long-user-name-${uid}` : uid % 7 === 0 ? `\xfcser${uid}` : null);
  const hosts = new HostResolver();
  hosts.name = () => Promise.reject(new Error('names come from the map given to the printers'));
  return { hosts, networks: new NetworkNames(db('networks')), services, users };
}

const byte = fc.nat({ max: 255 });
const hex16 = fc.nat({ max: 0xffff }).map((n) => n.toString(16));
const v4 = fc.oneof(
  fc.constantFrom('0.0.0.0', '127.0.0.1', '0.1.2.0', '0.0.0.1', '255.255.255.255'),
  fc.tuple(byte, byte, byte, byte).map((b) => b.join('.')),
);
const v6 = fc.oneof(
  fc.constantFrom('::', '::1', 'fe80::1', 'fd00:1234:5678:9abc:def0:1234:5678:9abc', '2001:db8::', '::ffff:0.1.2.0'),
  v4.map((a) => `::ffff:${a}`),
  fc.array(hex16, { minLength: 8, maxLength: 8 }).map((g) => g.join(':')),
);
/** Distinct addresses of a family, as a dump interns them. */
const addressesOf = (family: InetFamily) => fc.uniqueArray(family === 'inet' ? v4 : v6, { minLength: 1, maxLength: 12 });

const u32 = fc.oneof(fc.constantFrom(0, 1, 9, 10, 99999, 100000, 999999, 1000000, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1), fc.nat({ max: 2 ** 32 - 1 }));
/** Kernel states: every TCP state (TIME_WAIT sockets report their sub-state, FIN_WAIT2 or TIME_WAIT), 12, and states no name exists for. */
const state = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 13 }) }, { weight: 1, arbitrary: u32 });
const port = fc.oneof(fc.constantFrom(0, 1, 7, 11, 13, 80, 8080, 65535), fc.nat({ max: 65535 }));

type Row = Record<keyof typeof InetField, number>;
const row = (addresses: number): fc.Arbitrary<Row> =>
  fc.record({
    State: state,
    RecvQueue: u32,
    SendQueue: u32,
    Uid: u32,
    Inode: fc.oneof(fc.constant(0), u32),
    Timer: fc.integer({ min: 0, max: 6 }),
    ExpiresMs: fc.oneof(fc.constantFrom(0, 4, 5, 9, 10, 995, 1005, 123456), u32),
    DiagRetrans: fc.nat({ max: 300 }),
    HasInfo: fc.nat({ max: 1 }),
    InfoRetransmits: byte,
    InfoProbes: byte,
    LocalAddress: fc.nat({ max: addresses - 1 }),
    RemoteAddress: fc.nat({ max: addresses - 1 }),
    Ports: fc.tuple(port, port).map(([local, remote]) => ((local << 16) | remote) >>> 0),
    CookieLow: u32,
    CookieHigh: fc.nat({ max: 0x1fffff }),
    CgroupLow: u32,
    CgroupHigh: fc.nat({ max: 0x1fffff }),
  });

function pack(addresses: string[], rows: Row[]): PackedInet {
  const fields = new Uint32Array(rows.length * INET_STRIDE);
  rows.forEach((values, i) => {
    for (const [name, value] of Object.entries(values)) fields[i * INET_STRIDE + InetField[name as keyof typeof InetField]] = value;
  });
  return { fields, addresses };
}

interface Table {
  protocol: InetProtocol;
  family: InetFamily;
  packed: PackedInet;
}
const table: fc.Arbitrary<Table> = fc
  .record({ protocol: fc.constantFrom<InetProtocol>('tcp', 'udp', 'udplite', 'raw'), family: fc.constantFrom<InetFamily>('inet', 'inet6') })
  .chain(({ protocol, family }) =>
    addressesOf(family).chain((addresses) =>
      fc.array(row(addresses.length), { maxLength: 12 }).map((rows) => ({ protocol, family, packed: pack(addresses, rows) })),
    ),
  );

const columns: fc.Arbitrary<Columns> = fc.record({
  extended: fc.boolean(),
  programs: fc.boolean(),
  timers: fc.boolean(),
  wide: fc.boolean(),
  numericHosts: fc.boolean(),
  numericPorts: fc.boolean(),
  numericUsers: fc.boolean(),
});
const selection = fc.constantFrom<Selection>('all', 'listening', 'connected');
/** A host name for some addresses: short, long (past the cut), with bytes ≥ 0x80 (UTF-8 text, as NSS gives it). */
const hostName = fc.option(fc.constantFrom('localhost', 'h', 'a-rather-long-host-name.example.org', 'hôte.example', 'ünïcode-name-that-is-long.example'), { nil: null });

/** The owners the query engine would have joined: some inodes held by one or two processes. */
function ownersOf(tables: Table[]): Map<number, ProcessRef[]> {
  const owners = new Map<number, ProcessRef[]>();
  for (const { packed } of tables) {
    for (let o = 0; o < packed.fields.length; o += INET_STRIDE) {
      const inode = packed.fields[o + InetField.Inode]!;
      if (inode % 3 === 0) continue;
      const program = inode % 2 === 0 ? 'a-program-with-a-long-name' : `pr\xf6g`;
      owners.set(inode, inode % 5 === 0 ? [{ pid: inode % 100000, program }, { pid: 1, program: 'init' }] : [{ pid: inode % 4194304, program }]);
    }
  }
  return owners;
}

/** The old path: records, the selection, one string per row. */
function expected(tables: Table[], cols: Columns, sel: Selection, hostNames: Map<string, string | null> | null, r: Resolvers, owners: Map<number, ProcessRef[]>): string {
  const formatter = new InetRowFormatter(cols, hostNames, r);
  let text = '';
  for (const { protocol, family, packed } of tables) {
    text += `-- ${protocol}/${family}\n`;
    for (const socket of inetRows(packed, protocol, family, { selection: sel })) {
      socket.owners = owners.get(socket.inode) ?? [];
      text += formatter.row(socket);
    }
  }
  return text;
}

/** The packed path, through a writer with the given chunk size; returns the bytes as latin1 text. */
function written(
  tables: Table[],
  cols: Columns,
  sel: Selection,
  hostNames: Map<string, string | null> | null,
  r: Resolvers,
  owners: Map<number, ProcessRef[]>,
  chunkSize?: number,
): string {
  const chunks: Buffer[] = [];
  const writer = new PackedInetWriter({ columns: cols, hostNames, resolvers: r, ownerLabel: (inode) => programLabel(owners.get(inode)) }, (chunk) => {
    if (chunkSize !== undefined) expect(chunk.length).toBeLessThanOrEqual(Math.max(chunkSize, 4096));
    chunks.push(Buffer.from(chunk)); // the chunk is the writer's buffer: copy it
  }, chunkSize);
  for (const { protocol, family, packed } of tables) {
    writer.text(`-- ${protocol}/${family}\n`);
    writer.table(packed, protocol, family, { selection: sel });
  }
  writer.flush();
  return Buffer.concat(chunks).toString('latin1');
}

describe('packed rows against inetRows() + InetRowFormatter.row()', () => {
  it('the same bytes for any tables and options', () => {
    fc.assert(
      fc.property(
        fc.array(table, { minLength: 1, maxLength: 4 }),
        columns,
        selection,
        fc.func(hostName),
        fc.option(fc.integer({ min: 1, max: 600 }), { nil: undefined }),
        (tables, cols, sel, nameOf, chunkSize) => {
          const r = resolvers();
          const owners = ownersOf(tables);
          let hostNames: Map<string, string | null> | null = null;
          if (!cols.numericHosts) {
            hostNames = new Map();
            for (const t of tables) for (const a of t.packed.addresses) hostNames.set(a, nameOf(a));
          }
          expect(written(tables, cols, sel, hostNames, r, owners, chunkSize)).toBe(expected(tables, cols, sel, hostNames, r, owners));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('names the addresses of exactly the kept rows (what resolveHosts is asked)', () => {
    fc.assert(
      fc.property(table, selection, ({ protocol, family, packed }, sel) => {
        const want = new Set(inetRows(packed, protocol, family, { selection: sel }).flatMap((s) => [s.localAddress, s.remoteAddress]));
        expect(keptAddresses(packed, protocol, { selection: sel })).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });

  it('counts the rows it wrote, and needs a label source for -p', () => {
    const packed = pack(['0.0.0.0', '127.0.0.1'], [
      { ...zeroRow(), State: 10, LocalAddress: 1, Ports: (80 << 16) >>> 0 },
      { ...zeroRow(), State: 1, LocalAddress: 1, RemoteAddress: 1, Ports: ((80 << 16) | 5000) >>> 0 },
    ]);
    const cols: Columns = { extended: false, programs: false, timers: false, wide: false, numericHosts: true, numericPorts: true, numericUsers: true };
    const writer = new PackedInetWriter({ columns: cols, hostNames: null, resolvers: resolvers() }, () => undefined);
    expect(writer.table(packed, 'tcp', 'inet', { selection: 'listening' })).toBe(1);
    expect(writer.table(packed, 'tcp', 'inet')).toBe(2);
    expect(() => new PackedInetWriter({ columns: { ...cols, programs: true }, hostNames: null, resolvers: resolvers() }, () => undefined)).toThrow(TypeError);
  });
});

function zeroRow(): Row {
  const values = {} as Row;
  for (const key of Object.keys(InetField).filter((k) => Number.isNaN(Number(k)))) values[key as keyof typeof InetField] = 0;
  return values;
}

const outcome = loadNative();
const missing = 'binding' in outcome ? undefined : `native addon ${outcome.reason}`;

describe.skipIf(missing !== undefined)("this machine's dumps", () => {
  const binding = 'binding' in outcome ? outcome.binding : undefined;
  const PROTOCOLS: Record<InetProtocol, number> = { tcp: 6, udp: 17, udplite: 136, raw: 255 };
  const ALL_STATES = 0x1ffe;

  it('TCP and UDP over IPv4 and IPv6: the same bytes both ways, for each option set', () => {
    const tables: Table[] = [];
    for (const protocol of ['tcp', 'udp'] as const) {
      for (const family of ['inet', 'inet6'] as const) {
        const packed = binding!.dumpInet(family === 'inet' ? 2 : 10, PROTOCOLS[protocol], ALL_STATES, protocol === 'tcp', null, null, null);
        tables.push({ protocol, family, packed });
      }
    }
    expect(tables.reduce((n, t) => n + t.packed.fields.length / INET_STRIDE, 0)).toBeGreaterThan(0);
    // Real name databases; host names made up (no look-ups from a test).
    const r = createResolvers();
    const hostNames = new Map<string, string | null>();
    for (const t of tables) for (const a of t.packed.addresses) hostNames.set(a, a.length % 2 === 0 ? `host-${a.length}.example` : null);
    const owners = ownersOf(tables);
    const options: Array<Partial<Columns>> = [
      {},
      { numericHosts: false, numericPorts: false, numericUsers: false },
      { extended: true, programs: true, timers: true },
      { extended: true, numericUsers: false, timers: true, wide: true, numericHosts: false },
    ];
    for (const extra of options) {
      const cols: Columns = { extended: false, programs: false, timers: false, wide: false, numericHosts: true, numericPorts: true, numericUsers: true, ...extra };
      const names = cols.numericHosts ? null : hostNames;
      for (const sel of ['all', 'listening', 'connected'] as const) {
        expect(written(tables, cols, sel, names, r, owners)).toBe(expected(tables, cols, sel, names, r, owners));
      }
    }
  });
});
