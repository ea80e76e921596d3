/**
 * Property-based argument lists for the differential suite: random grouping of short options,
 * long options cut to random prefixes (unique, ambiguous, or naming nothing), `-A`/`--protocol`
 * lists in every spelling (some past net-tools' 255-byte buffer), runs of 40-70 family options
 * (past its 255 bytes of gathered names), stray words, `--`, POSIXLY_CORRECT, and abbreviations of this
 * project's own options (which must stay net-tools' "unrecognized option": extension options
 * are recognised only in full, so their full names are never generated).
 *
 * The lists come from fast-check with a fixed seed, so CI runs the same cases every time:
 * NETSTAT_DIFF_GENERATED sets how many (default 150), NETSTAT_DIFF_SEED another seed.
 *
 * Left out on purpose: `-c`/`--continuous` (runs until stopped; the fixed cases compare it, see
 * sockets.ts), and -M where conntrack is loaded (this project lists NAT entries there, net-tools
 * fails; see modes.ts).
 */
import fc from 'fast-check';
import type { DiffCase } from '../harness';
import { caseOf, unique } from './common';
import { conntrackPresent } from './modes';

export const DEFAULT_COUNT = 150;
export const DEFAULT_SEED = 12;

/**
 * Short option letters by how often they come: the listing options mostly, the modes now and
 * then, and rarely those that end the run at once (help, version, -Z, Bluetooth) or that
 * net-tools does not know. No `c`.
 */
const LISTING_SHORT = 'tuUSwxlanNeepoWv46d';
const MODE_SHORT = 'CFrigsM';
const ENDING_SHORT = 'hVZ?2fqyk5';

/** net-tools' long options (spec §1.2) but `continuous`, in its table order. */
const LONG = [
  'ax25', 'x25', 'ip', 'ipx', 'appletalk', 'netrom', 'inet', 'inet6', 'ddp', 'rose', 'unix', 'bluetooth', 'tcpip',
  'version', 'interfaces', 'help', 'route', 'masquerade', 'protocol', 'tcp', 'sctp', 'udp', 'udplite', 'raw', 'unix',
  'l2cap', 'rfcomm', 'listening', 'all', 'timers', 'extend', 'programs', 'verbose', 'statistics', 'wide', 'numeric',
  'numeric-hosts', 'numeric-ports', 'numeric-users', 'symbolic', 'cache', 'fib', 'groups', 'context',
];

/** This project's options: only strict prefixes of them are generated. */
const EXTENSIONS = ['json', 'ndjson', 'sources', 'netns', 'all-netns', 'cgroups', 'watch', 'interval'];

/** Words of `-A` lists: every family word net-tools knows, and (rarely) some it does not. */
const FAMILY_WORDS = [
  'inet', 'inet6', 'unix', 'ip', 'ip6', 'tcpip', 'ipx', 'ax25', 'netrom', 'rose', 'x25', 'ddp', 'appletalk', 'econet',
  'ash', 'bluetooth',
];
const BAD_FAMILY_WORDS = ['', 'foo', 'INET', 'inet4', 'unix ', 'é'];

const STRAY = ['foo', 'inet', 'tcp', '-', 'x', '5', 'é', 'a b', ''];

/** Does an argument ask for -c? (Never meant to: this checks the generator's pools.) */
function continuousIn(arg: string): boolean {
  if (arg.startsWith('--')) {
    // `--con`..`--cont` are ambiguous (`--context`): from `--conti` on it is -c.
    const name = arg.slice(2).split('=')[0]!;
    return name.length >= 5 && 'continuous'.startsWith(name);
  }
  return /^-[^-]/.test(arg) && arg.slice(1).split('A')[0]!.includes('c');
}

const pick = <T>(items: readonly T[]) => fc.constantFrom(...items);
/** `arbitrary` once in `1 + absentWeight` times, else null. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, absentWeight: number) =>
  fc.oneof({ weight: absentWeight, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });

/** `-tulpn`: one to five letters, sometimes ending in `A` + a list. */
const cluster = (familyList: fc.Arbitrary<string>, short: string) =>
  fc
    .tuple(
      fc.array(
        fc.oneof({ weight: 20, arbitrary: pick([...LISTING_SHORT]) }, { weight: 3, arbitrary: pick([...short]) }, { weight: 1, arbitrary: pick([...ENDING_SHORT]) }),
        { minLength: 1, maxLength: 5 },
      ),
      sometimes(familyList, 5),
    )
    .map(([letters, list]) => ['-' + letters.join('') + (list === null ? '' : 'A' + list)]);

/** A long option cut to a random prefix (at least one letter), rarely with `=value`. */
const longOption = (names: readonly string[]) =>
  fc
    .tuple(pick(names), fc.nat(), sometimes(pick(['1', 'inet', '']), 9))
    .map(([name, cut, value]) => {
      const prefix = name.slice(0, 1 + (cut % name.length));
      return [`--${prefix}${value === null ? '' : `=${value}`}`];
    });

/** An abbreviation of an extension option: a strict prefix, so that net-tools' reading applies. */
const extensionAbbreviation = fc
  .tuple(pick(EXTENSIONS), fc.nat(), fc.boolean())
  .map(([name, cut, withValue]) => [`--${name.slice(0, 1 + (cut % (name.length - 1)))}${withValue ? '=1' : ''}`]);

/** The spellings of an `-A` list. */
const FAMILY_SPELLINGS: ((list: string) => string[])[] = [
  (l) => ['-A', l], (l) => [`-A${l}`], (l) => [`-A=${l}`], (l) => ['--protocol', l], (l) => [`--protocol=${l}`],
  (l) => [`--proto=${l}`], (l) => ['--pro', l], (l) => ['-tA', l], (l) => [`-nA${l}`],
];
const familyOption = (familyList: fc.Arbitrary<string>) =>
  fc.tuple(pick(FAMILY_SPELLINGS), familyList).map(([spell, list]) => spell(list));

/** One argument list. */
function argumentList(modes: string, longNames: readonly string[]): fc.Arbitrary<string[]> {
  const word = fc.oneof({ weight: 12, arbitrary: pick(FAMILY_WORDS) }, { weight: 1, arbitrary: pick(BAD_FAMILY_WORDS) });
  // Now and then a list past net-tools' 255-byte buffer, which it cuts.
  const familyList = fc
    .oneof({ weight: 12, arbitrary: fc.array(word, { minLength: 1, maxLength: 4 }) }, { weight: 1, arbitrary: fc.array(pick(FAMILY_WORDS), { minLength: 40, maxLength: 70 }) })
    .map((words) => words.join(','));
  // And many family options, past the 255 bytes of names net-tools gathers.
  const manyFamilies = fc.tuple(pick(['-4', '-6', '-x', '--inet', '-Aunix']), fc.integer({ min: 40, max: 70 })).map(([option, n]) => Array<string>(n).fill(option));
  const piece = fc.oneof(
    { weight: 12, arbitrary: cluster(familyList, modes) },
    { weight: 6, arbitrary: longOption(longNames) },
    { weight: 2, arbitrary: extensionAbbreviation },
    { weight: 4, arbitrary: familyOption(familyList) },
    { weight: 3, arbitrary: pick(STRAY).map((w) => [w]) },
    { weight: 1, arbitrary: fc.constant(['--']) },
    { weight: 1, arbitrary: manyFamilies },
  );
  return fc.array(piece, { minLength: 1, maxLength: 4 }).map((pieces) => pieces.flat());
}

export interface GeneratedOptions {
  count?: number;
  seed?: number;
  /** Leave -M out (conntrack loaded: this project and net-tools differ there by design). */
  withoutMasquerade?: boolean;
}

/** The generated cases: mostly as root, some as nobody, some with POSIXLY_CORRECT. */
export function generatedCases(opts: GeneratedOptions = {}): DiffCase[] {
  const count = opts.count ?? (Number(process.env.NETSTAT_DIFF_GENERATED) || DEFAULT_COUNT);
  const seed = opts.seed ?? (process.env.NETSTAT_DIFF_SEED !== undefined ? Number(process.env.NETSTAT_DIFF_SEED) : DEFAULT_SEED);
  const withoutMasquerade = opts.withoutMasquerade ?? conntrackPresent();
  const modes = withoutMasquerade ? MODE_SHORT.replace('M', '') : MODE_SHORT;
  const longNames = withoutMasquerade ? LONG.filter((n) => n !== 'masquerade') : LONG;
  const generated = fc.tuple(argumentList(modes, longNames), fc.nat(19));
  const cases = fc.sample(generated, { seed, numRuns: count }).map(([args, roll]) => {
    if (roll === 0) return caseOf(args, { env: { POSIXLY_CORRECT: '1' } });
    if (roll <= 3) return caseOf(args, { user: 'nobody' });
    return caseOf(args);
  });
  for (const c of cases) {
    const bad = c.args.find(continuousIn);
    if (bad !== undefined) throw new Error(`generated -c (${bad}): the generator's pools are wrong`);
  }
  return unique(cases);
}
