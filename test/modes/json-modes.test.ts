/**
 * `--json` and `--ndjson` for `-r`, `-i`, `-g`, `-s` and `-M` (docs/json-modes.md).
 *
 * Every case runs the mode three times on the same data — text, `--json`,
 * `--ndjson` — on the fixture /proc trees (in-process, over the trees of
 * fixtures/route, fixtures/interfaces, fixtures/igmp, fixtures/snmp,
 * fixtures/conntrack and, as trees without any of these files,
 * fixtures/proc) and on this machine (the CLI's `run()` in-process, the
 * built CLI for `-c`, and the groups section in-process for `-g`, which the
 * CLI reaches through the socket listing). For each case:
 *
 * - every line validates against schema/modes.schema.json (ajv, draft 2020-12);
 *   `--json` prints one document per pass, `--ndjson` only records, and the
 *   records are the document's, flattened;
 * - stderr and the exit status are the text mode's, and where the text mode
 *   fails without printing anything on stdout, so does JSON;
 * - the JSON agrees with the text: the same rows, titles and values; on the
 *   fixture trees (stable data) the text printers, fed the JSON, reproduce
 *   the text byte for byte.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModePass } from '../../src/modes/context';
import { GROUPS_HEADER, groupsSection } from '../../src/modes/groups';
import { createInterfacesPass } from '../../src/modes/interfaces';
import { longBlock, SHORT_HEADER, shortRow } from '../../src/modes/interfaces/format';
import type { InterfaceRecord } from '../../src/modes/interfaces/record';
import { RTM_GETLINK, rtnetlinkFacts } from '../../src/backends/interfaces/rtnetlink';
import { sysfsFacts } from '../../src/backends/interfaces/sysfs';
import { masqueradePass } from '../../src/modes/masquerade';
import { routeExtendLevel, routePass } from '../../src/modes/route';
import type { RouteTable } from '../../src/modes/route/data';
import { routeTableText } from '../../src/modes/route/text';
import { statisticsPass } from '../../src/modes/statistics';
import { parseCounter, type StatSection } from '../../src/modes/statistics/read';
import { StatisticsPrinter } from '../../src/modes/statistics/text';
import { createResolvers } from '../../src/resolve';
import { runUntil } from '../harness/continuous';
import type { Run } from '../harness/commands';
import { runCli } from '../harness/cli';
import { captureContext } from '../harness/modes';
import { CLI } from '../harness/paths';

/** `-i` over the pure-TypeScript facts (sysfs + getifaddrs), as a run without the engine has it. */
const interfacesPass = createInterfacesPass(sysfsFacts());

const ROOT = path.resolve(__dirname, '../..');
const FIXTURES = path.join(ROOT, 'fixtures');
const schema = JSON.parse(readFileSync(path.join(ROOT, 'schema/modes.schema.json'), 'utf8')) as { $id: string };
const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(schema);
const definition = (name: string) => ajv.getSchema(`${schema.$id}#/$defs/${name}`)!;

type Mode = 'route' | 'interfaces' | 'groups' | 'statistics' | 'masquerade';
type Json = Record<string, unknown> & { mode: Mode };

/** The `--json` document's list, and the nested list of its groups (route tables, statistics sections). */
const LISTS: Record<Mode, { key: string; nested?: string }> = {
  route: { key: 'tables', nested: 'routes' },
  interfaces: { key: 'interfaces' },
  groups: { key: 'groups' },
  statistics: { key: 'sections', nested: 'counters' },
  masquerade: { key: 'connections' },
};
const DOCUMENT: Record<Mode, string> = {
  route: 'routeDocument',
  interfaces: 'interfacesDocument',
  groups: 'groupsDocument',
  statistics: 'statisticsDocument',
  masquerade: 'masqueradeDocument',
};

/** One case: the same data as text, `--json` and `--ndjson`. */
interface Triple {
  args: string[];
  text: Run;
  json: Run;
  ndjson: Run;
}

/** Runs in-process over `procRoot`, the three variants sharing one set of resolvers (name look-ups once). */
async function inProcess(pass: ModePass, procRoot: string, args: string[]): Promise<Triple> {
  const resolvers = createResolvers();
  const run = async (extra: string[]): Promise<Run> => {
    const ctx = captureContext(procRoot, [...args, ...extra], resolvers);
    const status = await pass(ctx);
    return { stdout: ctx.out.stdout, stderr: ctx.out.stderr, status };
  };
  return { args, text: await run([]), json: await run(['--json']), ndjson: await run(['--ndjson']) };
}

const lines = (stdout: string): Json[] =>
  stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(Buffer.from(line, 'latin1').toString('utf8')) as Json);

/** The records of a `--json` document, as `--ndjson` prints them. */
function flatten(doc: Json): Json[] {
  const { key, nested } = LISTS[doc.mode];
  if (!(key in doc)) return [doc]; // a record standing for the whole pass
  const { mode, [key]: items, ...head } = doc;
  return (items as Array<Record<string, unknown>>).flatMap((item) => {
    if (nested === undefined || !(nested in item)) return [{ mode, ...head, ...item }];
    const { [nested]: records, ...fields } = item;
    return (records as object[]).map((record) => ({ mode, ...head, ...fields, ...record }));
  });
}

/** The checks every case passes; returns the `--json` document, if any. */
function checkTriple(mode: Mode, { args, text, json, ndjson }: Triple, stable = true): Json | undefined {
  const name = args.join(' ');
  for (const [style, run] of [['--json', json], ['--ndjson', ndjson]] as const) {
    expect(run.status, `${name} ${style}: status`).toBe(text.status);
    expect(run.stderr, `${name} ${style}: stderr`).toBe(text.stderr);
    // A failure without a word on stdout stays so (an empty -M table, status 0, is still a document).
    if (text.stdout === '' && text.status !== 0) expect(run.stdout, `${name} ${style}: stdout`).toBe('');
    for (const line of lines(run.stdout)) {
      expect(validate(line), `${name} ${style}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(line).slice(0, 400)}`).toBe(true);
      expect(line.mode).toBe(mode);
    }
  }
  const documents = lines(json.stdout);
  const records = lines(ndjson.stdout);
  expect(documents.length, `${name}: --json documents`).toBeLessThanOrEqual(1);
  const doc = documents[0];
  if (doc === undefined) {
    expect(records).toEqual([]);
    return undefined;
  }
  const isDocument = definition(DOCUMENT[mode]);
  const whole = !(LISTS[mode].key in doc);
  if (!whole) expect(isDocument(doc), `${name}: --json prints a document`).toBe(true);
  for (const record of records) if (!whole) expect(isDocument(record), `${name}: --ndjson prints records`).toBe(false);
  // Live counters (-i, -s) move between the two runs: there the structure is compared, not the figures.
  const figures = (value: unknown) => (stable ? value : JSON.parse(JSON.stringify(value), (_k, v: unknown) => (typeof v === 'number' ? 0 : v)));
  expect(figures(records), `${name}: --ndjson lines are the document's records`).toEqual(figures(flatten(doc)));
  return doc;
}

/** Text lines (without their newline). */
const textLines = (stdout: string): string[] => stdout.split('\n').slice(0, -1);

// ---------------------------------------------------------------- -r

function checkRoute(triple: Triple, stable: boolean): void {
  const doc = checkTriple('route', triple);
  if (doc === undefined) return;
  const tables = doc.tables as RouteTable[];
  const extend = routeExtendLevel(captureContext('/', triple.args).options.extend);
  // Row counts: each table's heading lines, then one line per route (none at -eee).
  let expected = 0;
  for (const table of tables) {
    if (table.kind === 'unavailable') expected += 1;
    else if (table.kind === 'inet6' || table.kind === 'inet6-cache') expected += 2 + table.routes.length;
    else {
      const headings = 1 + (extend === 1 || extend === 2 ? 1 : 0) + (table.kind === 'inet-cache' && table.warning !== undefined ? 1 : 0);
      const extraHeading = extend >= 3 && (table.kind === 'inet' || (table.kind === 'inet-cache' && table.layout !== null)) ? 1 : 0;
      expected += headings + extraHeading + (extend === 0 ? 0 : table.routes.length);
    }
  }
  expect(textLines(triple.text.stdout).length, `${triple.args.join(' ')}: text lines`).toBe(expected);
  // The first column: what the text shows for each destination.
  const rows = textLines(triple.text.stdout);
  for (const table of tables) {
    if (table.kind !== 'inet' && table.kind !== 'inet6') continue;
    for (const route of table.routes) {
      const shown =
        table.kind === 'inet'
          ? (route.destinationName ?? route.destination).slice(0, 15)
          : `${route.destinationName ?? route.destination.replace(/^::ffff:(?=\d+\.)/, '')}/${'prefixLength' in route ? route.prefixLength : ''}`;
      if (extend !== 0 || table.kind === 'inet6') expect(rows.some((row) => row.split(' ')[0] === shown), shown).toBe(true);
    }
  }
  if (stable) {
    const rendered = tables.map((table) => routeTableText(table, extend)).join('');
    expect(rendered, `${triple.args.join(' ')}: the text printer over the JSON`).toBe(triple.text.stdout);
  }
}

const ROUTE_ARGS = [
  '-r', '-rn', '-rne', '-rnee', '-rneee', '-rnC', '-rnCe', '-rnCee', '-rnCF', '-rn6', '-rn6C', '-rn6CF', '-r6', '-rC',
  '-rn -A inet,inet6', '-rnee -A inet6,inet -C -F', '-rN',
];

describe('-r as JSON on fixtures/route trees', () => {
  for (const tree of ['synthetic', 'empty', 'namespace']) {
    for (const args of ROUTE_ARGS) {
      it(`${tree}: netstat ${args}`, async () => {
        checkRoute(await inProcess(routePass, path.join(FIXTURES, 'route', tree), args.split(' ')), true);
      });
    }
  }

  it('names: destinationName/gatewayName without -n (`default`, networks, hosts), none with -n', async () => {
    const dir = path.join(FIXTURES, 'route', 'synthetic');
    const symbolic = lines((await inProcess(routePass, dir, ['-r'])).json.stdout)[0]!;
    const numeric = lines((await inProcess(routePass, dir, ['-rn'])).json.stdout)[0]!;
    const first = (doc: Json) => (doc.tables as Array<{ routes: Array<Record<string, unknown>> }>)[0]!.routes[0]!;
    expect(first(symbolic)).toMatchObject({ destination: '0.0.0.0', destinationName: 'default', genmask: '0.0.0.0' });
    expect(first(numeric)).not.toHaveProperty('destinationName');
    expect(first(numeric)).not.toHaveProperty('gatewayName');
    expect(first(numeric).flagNames).toEqual(['RTF_UP', 'RTF_GATEWAY']);
  });

  it('follows the -e column sets', async () => {
    const dir = path.join(FIXTURES, 'route', 'synthetic');
    const route = async (args: string[]) =>
      (lines((await inProcess(routePass, dir, args)).json.stdout)[0]!.tables as Array<{ routes: object[] }>)[0]!.routes[0]!;
    expect(Object.keys(await route(['-rn']))).toEqual(expect.arrayContaining(['mss', 'window', 'irtt']));
    expect(await route(['-rn'])).not.toHaveProperty('metric');
    expect(Object.keys(await route(['-rne']))).toEqual(expect.arrayContaining(['metric', 'refCnt', 'use']));
    expect(await route(['-rne'])).not.toHaveProperty('mss');
    expect(Object.keys(await route(['-rnee']))).toEqual(expect.arrayContaining(['metric', 'refCnt', 'use', 'mss', 'window', 'irtt']));
  });
});

// ---------------------------------------------------------------- -i

function interfacesText(records: InterfaceRecord[], long: boolean): string {
  return 'Kernel Interface table\n' + (long ? '' : SHORT_HEADER) + records.map((r) => (long ? longBlock(r) : shortRow(r))).join('');
}

function checkInterfaces(triple: Triple, stable: boolean): void {
  const doc = checkTriple('interfaces', triple, stable);
  expect(doc, 'the text always prints its table').toBeDefined();
  const records = doc!.interfaces as InterfaceRecord[];
  const long = captureContext('/', triple.args).options.extend >= 2;
  const rows = textLines(triple.text.stdout);
  if (long) {
    const names = rows.filter((row) => /^\S+: flags=/.test(row)).map((row) => row.slice(0, row.indexOf(': flags=')));
    expect(names).toEqual(records.map((r) => r.name));
    for (const record of records) {
      expect(rows).toContain(`${record.name}: flags=${record.flags}<${record.flagNames.join(',')}${record.flagNames.length ? '>' : ''}  mtu ${record.mtu}`);
      if (record.ipv4) expect(triple.text.stdout).toContain(`inet ${record.ipv4.address}  netmask ${record.ipv4.netmask}`);
    }
  } else {
    expect(rows.slice(2).map((row) => row.slice(0, 15).trimEnd())).toEqual(records.map((r) => r.name.slice(0, 15)));
    for (const record of records) expect(record).not.toHaveProperty('hardware');
  }
  if (stable) expect(interfacesText(records, long), `${triple.args.join(' ')}: the text printer over the JSON`).toBe(triple.text.stdout);
}

const INTERFACE_ARGS = ['-i', '-ia', '-ie', '-iea', '-iee', '-ian'];

describe('-i as JSON on fixtures/interfaces/rtnetlink (recorded rtnetlink dumps)', () => {
  const dir = path.join(FIXTURES, 'interfaces', 'rtnetlink');
  const dump = (type: number): Buffer => readFileSync(path.join(dir, type === RTM_GETLINK ? 'link.bin' : 'addr.bin'));
  const pass = createInterfacesPass(rtnetlinkFacts(dump));
  for (const args of INTERFACE_ARGS) {
    it(`netstat ${args}`, async () => {
      checkInterfaces(await inProcess(pass, path.join(dir, 'proc'), args.split(' ')), true);
    });
  }

  it('carries -e facts: addresses, hardware, device map, all sixteen counters', async () => {
    const records = lines((await inProcess(pass, path.join(dir, 'proc'), ['-iea'])).json.stdout)[0]!.interfaces as InterfaceRecord[];
    const lo = records.find((r) => r.name === 'lo')!;
    expect(lo.flagNames).toEqual(expect.arrayContaining(['UP', 'LOOPBACK', 'RUNNING']));
    expect(lo.hardware).toMatchObject({ type: 772, name: 'loop', title: 'Local Loopback', address: null });
    expect(lo.ipv4).toMatchObject({ address: '127.0.0.1', netmask: '255.0.0.0', broadcast: null, destination: null });
    expect(Object.keys(lo.statistics!)).toHaveLength(16);
    const short = lines((await inProcess(pass, path.join(dir, 'proc'), ['-ia'])).json.stdout)[0]!.interfaces as InterfaceRecord[];
    expect(Object.keys(short.find((r) => r.name === 'lo')!.statistics!)).toHaveLength(8);
  });
});

// ---------------------------------------------------------------- -g

function checkGroups(triple: Triple): void {
  const doc = checkTriple('groups', triple);
  expect(doc, 'the text always prints its header').toBeDefined();
  const groups = doc!.groups as Array<{ interface: string; refCnt: number; group: string; groupName?: string | null }>;
  // net-tools' `%-15s %-6d %s` over the JSON: the text's rows (a device name may hold a newline, see the quirks tree).
  const shown = (g: (typeof groups)[number]): string => g.groupName ?? g.group.replace(/^::ffff:(?=\d+\.)/, '');
  const rows = groups.map((g) => `${g.interface.padEnd(15)} ${String(g.refCnt).padEnd(6)} ${shown(g)}\n`).join('');
  expect(GROUPS_HEADER + rows, `${triple.args.join(' ')}: rows from the JSON`).toBe(triple.text.stdout);
}

describe('-g as JSON on fixtures/igmp trees', () => {
  const trees = readdirSync(path.join(FIXTURES, 'igmp'), { withFileTypes: true }).filter((e) => e.isDirectory());
  for (const { name: tree } of trees) {
    for (const args of ['-gn', '-gn4', '-gn6', '-gn -A inet,inet6']) {
      it(`${tree}: netstat ${args}`, async () => {
        checkGroups(await inProcess(groupsSection, path.join(FIXTURES, 'igmp', tree), args.split(' ')));
      });
    }
  }

  it('kernel-6.18-netns: names without -n (groupName), v4 and v6 memberships', async () => {
    const triple = await inProcess(groupsSection, path.join(FIXTURES, 'igmp', 'kernel-6.18-netns'), ['-g']);
    checkGroups(triple);
    const groups = lines(triple.json.stdout)[0]!.groups as Array<Record<string, unknown>>;
    expect(groups.every((g) => 'groupName' in g)).toBe(true);
    expect(new Set(groups.map((g) => g.family))).toEqual(new Set(['inet', 'inet6']));
    expect(groups).toContainEqual(expect.objectContaining({ interface: 'veth-longname15', refCnt: 1, group: '239.1.2.3' }));
  });
});

// ---------------------------------------------------------------- -s

const u64 = (counter: { value: number; exact?: Record<string, string> }): bigint =>
  parseCounter(counter.exact?.value ?? String(counter.value));

function checkStatistics(triple: Triple, stable: boolean): void {
  const doc = checkTriple('statistics', triple, stable);
  if (doc === undefined || !('sections' in doc)) return;
  const sections = doc.sections as Array<Omit<StatSection, 'selected'>>;
  const rows = textLines(triple.text.stdout);
  // The same sections, in order.
  expect(rows.filter((row) => /^\S/.test(row)).map((row) => row.replace(/:$/, ''))).toEqual(sections.map((s) => s.section));
  // Every `Name: value` the text shows is a counter of its section, with that value (when the tables are stable).
  let current: (typeof sections)[number] | undefined;
  let index = -1;
  for (const row of rows) {
    if (/^\S/.test(row)) current = sections[++index];
    const fallback = /^ +([A-Z][A-Za-z0-9_]*): ([0-9]+)$/.exec(row); // a kernel name, not a histogram sentence
    if (fallback === null) continue;
    // Live counters move between the text run and the JSON run: there only the name is checked.
    const counter = current!.counters.find((c) => c.name === fallback[1] && (!stable || u64(c) === BigInt(fallback[2]!)));
    expect(counter, `${triple.args.join(' ')}: ${row} in ${current!.section}`).toBeDefined();
  }
  const options = captureContext('/', triple.args).options;
  const filtered = !(options.tcp && options.udp && options.raw && options.sctp);
  if (stable && !filtered) {
    const printer = new StatisticsPrinter();
    const rendered = sections.map((s) => printer.section({ ...s, selected: true })).join('');
    expect(rendered, `${triple.args.join(' ')}: the text printer over the JSON`).toBe(triple.text.stdout);
  }
}

const STATISTICS_ARGS = ['-s', '-st', '-su', '-sw', '-sS', '-stw', '-s6', '-s6t', '-s6u', '-s -A inet6', '-s -A inet,inet6', '-sx', '-s -A ipx'];

describe('-s as JSON on fixtures/snmp trees', () => {
  const trees = readdirSync(path.join(FIXTURES, 'snmp'), { withFileTypes: true }).filter((e) => e.isDirectory());
  for (const { name: tree } of trees) {
    for (const args of STATISTICS_ARGS) {
      it(`${tree}: netstat ${args}`, async () => {
        checkStatistics(await inProcess(statisticsPass, path.join(FIXTURES, 'snmp', tree), args.split(' ')), true);
      });
    }
  }

  it('keeps values beyond 2^53 exact, and the kernel\'s -1 as -1', async () => {
    const doc = lines((await inProcess(statisticsPass, path.join(FIXTURES, 'snmp', 'quirks'), ['-s'])).json.stdout)[0]!;
    const counters = (doc.sections as Array<{ section: string; counters: Array<Record<string, unknown>> }>).flatMap((s) =>
      s.counters.map((c) => ({ section: s.section, ...c })),
    );
    expect(counters).toContainEqual({ section: 'Ip', name: 'InReceives', value: -1 });
    expect(counters).toContainEqual({
      section: 'Icmp',
      name: 'InMsgs',
      value: 99999999999999999999999,
      exact: { value: '99999999999999999999999' },
    });
  });

  it('an address family without a report: one `unavailable` record, alike for --json and --ndjson', async () => {
    const triple = await inProcess(statisticsPass, path.join(FIXTURES, 'snmp', 'kernel-6.18-netns'), ['-s', '-A', 'unix']);
    const record = { mode: 'statistics', kind: 'unavailable', family: 'unix', message: 'netstat: No statistics support for specified address family: unix' };
    expect(lines(triple.json.stdout)).toEqual([record]);
    expect(lines(triple.ndjson.stdout)).toEqual([record]);
    expect(triple.json.status).toBe(1);
  });
});

// ---------------------------------------------------------------- -M

function checkMasquerade(triple: Triple): void {
  const doc = checkTriple('masquerade', triple);
  if (doc === undefined) return;
  const connections = doc.connections as Array<Record<string, unknown>>;
  const rows = textLines(triple.text.stdout).slice(2);
  expect(rows).toHaveLength(connections.length);
  connections.forEach((c, i) => {
    const row = rows[i]!;
    expect(row.startsWith(String(c.protocol))).toBe(true);
    const port = (n: unknown, name: unknown) => (n === 0 ? '*' : ((name as string | null | undefined) ?? String(n)));
    expect(row.endsWith(`${port(c.sourcePort, c.sourcePortName)} -> ${port(c.destinationPort, c.destinationPortName)} (${port(c.masqueradePort, c.masqueradePortName)})`)).toBe(true);
    expect(row).toContain(String(c.sourceName ?? c.source));
    if ('initialSequence' in c) expect(row).toContain(` ${(c.exact as Record<string, string> | undefined)?.initialSequence ?? String(c.initialSequence)} `);
  });
}

describe('-M as JSON on fixtures/conntrack trees', () => {
  const trees = readdirSync(path.join(FIXTURES, 'conntrack'), { withFileTypes: true }).filter((e) => e.isDirectory());
  for (const { name: tree } of trees) {
    for (const args of ['-Mn', '-Mne', '-M --numeric-hosts', '-Mn6']) {
      it(`${tree}: netstat ${args}`, async () => {
        checkMasquerade(await inProcess(masqueradePass, path.join(FIXTURES, 'conntrack', tree), args.split(' ')));
      });
    }
  }

  it('handmade: ports named (tcp, udp) unless --numeric-ports, expiry in hundredths', async () => {
    const triple = await inProcess(masqueradePass, path.join(FIXTURES, 'conntrack', 'handmade'), ['-M', '--numeric-hosts']);
    checkMasquerade(triple);
    const connections = lines(triple.json.stdout)[0]!.connections as Array<Record<string, unknown>>;
    expect(connections).toContainEqual(
      expect.objectContaining({ protocol: 'tcp', source: '10.0.0.2', destination: '192.0.2.80', destinationPort: 80, destinationPortName: 'http', masqueradePort: 61000, expiresHundredths: 11700 }),
    );
    const numeric = lines((await inProcess(masqueradePass, path.join(FIXTURES, 'conntrack', 'handmade'), ['-Mn'])).json.stdout)[0]!;
    expect((numeric.connections as object[])[0]).not.toHaveProperty('sourcePortName');
  });

  it('masq-stream: 64-bit values keep their exact text', async () => {
    const doc = lines((await inProcess(masqueradePass, path.join(FIXTURES, 'conntrack', 'masq-stream'), ['-Mne'])).json.stdout)[0]!;
    expect(doc.connections).toContainEqual(expect.objectContaining({ initialSequence: 18446744073709552000, exact: expect.objectContaining({ initialSequence: '18446744073709551615' }) }));
  });
});

// ---------------------------------------------------------------- failures

describe('failures: stderr and status as the text gives them, no stdout where the text has none', () => {
  const empty = mkdtempSync(path.join(tmpdir(), 'json-modes-empty-'));
  afterAll(() => rmSync(empty, { recursive: true, force: true }));
  const socketTrees = readdirSync(path.join(FIXTURES, 'proc'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => path.join(FIXTURES, 'proc', e.name));

  const cases: Array<[Mode, ModePass, string]> = [
    ['route', routePass, '-r'], ['route', routePass, '-r6'], ['route', routePass, '-rC'], ['route', routePass, '-r -A ipx'],
    ['route', routePass, '-r -A rose'], ['route', routePass, '-r -A ax25'], ['route', routePass, '-r -A netrom'],
    ['route', routePass, '-r -A x25'], ['route', routePass, '-r -A ddp'], ['route', routePass, '-r -A unix'],
    ['route', routePass, '-r -A bluetooth'], ['route', routePass, '-r -A inet6,ipx,inet'],
    ['interfaces', interfacesPass, '-i'], ['interfaces', interfacesPass, '-iea'],
    ['groups', groupsSection, '-g'], ['groups', groupsSection, '-gn4'],
    ['statistics', statisticsPass, '-s'], ['statistics', statisticsPass, '-s6'], ['statistics', statisticsPass, '-s -A ipx'],
    ['masquerade', masqueradePass, '-M'],
  ];
  for (const tree of [empty, ...socketTrees]) {
    const label = tree === empty ? 'an empty /proc' : path.relative(ROOT, tree);
    for (const [mode, pass, args] of cases) {
      it(`${label}: netstat ${args}`, async () => {
        const triple = await inProcess(pass, tree, args.split(' '));
        checkTriple(mode, triple);
      });
    }
  }

  it('-r -A ipx: net-tools\' stdout message becomes an `unavailable` table; -r -A rose prints nothing', async () => {
    const ipx = await inProcess(routePass, empty, ['-r', '-A', 'ipx']);
    expect(ipx.json.status).toBe(1);
    expect(lines(ipx.json.stdout)).toEqual([
      { mode: 'route', tables: [{ kind: 'unavailable', family: 'ipx', message: 'IPX routing not in file /proc/net/ipx/route or /proc/net/ipx_route found.' }] },
    ]);
    const rose = await inProcess(routePass, empty, ['-r', '-A', 'rose']);
    expect(rose.json).toEqual({ stdout: '', stderr: rose.text.stderr, status: 1 });
    expect(rose.text.stderr).toContain('ROSE not configured');
  });

  it('missing files of the mode\'s own trees', async () => {
    const ghost = await inProcess(interfacesPass, path.join(FIXTURES, 'interfaces', 'ghost'), ['-ia']);
    checkTriple('interfaces', ghost);
    const nodev = await inProcess(interfacesPass, path.join(FIXTURES, 'interfaces', 'nodev'), ['-ie']);
    checkTriple('interfaces', nodev);
    expect(nodev.json.stderr).toContain('Warning: cannot open /proc/net/dev');
    for (const tree of ['missing-igmp', 'eloop-igmp']) checkGroups(await inProcess(groupsSection, path.join(FIXTURES, 'igmp', tree), ['-gn']));
    const eloop = await inProcess(groupsSection, path.join(FIXTURES, 'igmp', 'eloop-igmp'), ['-gn']);
    expect(eloop.json.status).toBe(255);
    for (const tree of ['masq-format-error', 'masq-eisdir', 'masq-eloop', 'none']) {
      const triple = await inProcess(masqueradePass, path.join(FIXTURES, 'conntrack', tree), ['-Mn']);
      checkTriple('masquerade', triple);
      expect(triple.json.stdout).toBe('');
      expect(triple.json.status).not.toBe(0);
    }
  });
});

// ---------------------------------------------------------------- this machine, through the CLI

/** This netstat on this machine, in-process (`run()`, what dist/cli.js calls), as `cli(args)` runs it. */
function cli(args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' };
  delete env.NETSTAT_PROC_ROOT;
  return runCli(args, { env });
}

const viaCli = async (args: string): Promise<Triple> => {
  const list = args.split(' ');
  return { args: list, text: await cli(list), json: await cli([...list, '--json']), ndjson: await cli([...list, '--ndjson']) };
};

describe('this machine: the CLI with --json / --ndjson', () => {
  // Routes are stable between the three runs; counters (-i, -s) are not, so those compare structure only.
  for (const args of ['-r', '-rn', '-rne', '-rnee', '-rn6', '-r6', '-rnC', '-rn -A inet,inet6', '-r -A inet,ipx']) {
    it(`netstat ${args}`, async () => checkRoute(await viaCli(args), true));
  }
  for (const args of INTERFACE_ARGS) it(`netstat ${args}`, async () => checkInterfaces(await viaCli(args), false));
  for (const args of ['-s', '-st', '-su', '-sw', '-s6', '-s6t', '-s -A unix']) it(`netstat ${args}`, async () => checkStatistics(await viaCli(args), false));
  for (const args of ['-M', '-Mn', '-Mne']) it(`netstat ${args}`, async () => checkMasquerade(await viaCli(args)));

  it('-c: one --json document per pass (-r), -s ignores -c', async () => {
    // -c repeats until interrupted: the built CLI as a process, stopped with SIGINT.
    const routes = await runUntil(process.execPath, [CLI, '-rnc', '--json'], '\n', 2);
    const docs = lines(routes.stdout);
    expect(docs.length).toBeGreaterThanOrEqual(2);
    for (const doc of docs) expect(validate(doc)).toBe(true);
    // One pass per second: the second document comes at least a second after the first.
    expect(routes.marks[1]! - routes.marks[0]!).toBeGreaterThanOrEqual(900);
    // -s is not repeated: it prints one document and returns by itself.
    const statistics = await cli(['-sc', '--json']);
    expect(statistics.status).toBe(0);
    expect(lines(statistics.stdout)).toHaveLength(1);
  });

  for (const args of ['-g', '-gn', '-gn6']) {
    it(`netstat ${args} (in-process on /proc: the CLI reaches -g through the socket listing)`, async () => {
      checkGroups(await inProcess(groupsSection, '/proc', args.split(' ')));
    });
  }
});

describe('the schema rejects what it should', () => {
  it('closed records, typed fields, known modes', () => {
    const route = { mode: 'route', kind: 'inet', destination: '0.0.0.0', gateway: '0.0.0.0', genmask: '0.0.0.0', flags: 1, flagNames: ['RTF_UP'], iface: 'lo' };
    expect(validate(route)).toBe(true);
    expect(validate({ ...route, extra: 1 })).toBe(false);
    expect(validate({ ...route, flags: '1' })).toBe(false);
    expect(validate({ ...route, kind: 'inet6' })).toBe(false);
    expect(validate({ ...route, mode: 'sockets' })).toBe(false);
    expect(validate({ mode: 'interfaces', interfaces: [{ name: 'lo', mtu: 1, flags: 0, flagNames: [], statistics: { rxPackets: '1' } }] })).toBe(false);
    expect(validate({ mode: 'statistics', family: 'inet', section: 'Ip', file: '/proc/net/snmp', name: 'X', value: 1.5 })).toBe(false);
  });
});
