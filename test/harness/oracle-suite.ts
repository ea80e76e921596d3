/**
 * How a mode is compared with net-tools: over recorded trees (recordedOracleSuite), in a live
 * namespace (liveNamespaceSuite), and over generated trees (generatedTreeProperty).
 *
 * The recorded-oracle suite of a mode: for each /proc tree of a fixtures folder, net-tools' own
 * output for a list of argument lists is recorded in the tree's `expected.json` (taken from
 * /usr/bin/netstat with the tree mounted over /proc), and this netstat must print exactly that.
 * Where net-tools can run here, the recording is also checked live on the same tree, as root
 * and as nobody, together with this netstat's output. `NETSTAT_UPDATE_FIXTURES=1` re-records.
 *
 * Symbolic combinations (names from /etc/hosts and DNS, which depend on the machine) are not
 * recorded: they are compared live only, on one tree.
 */
import fc from 'fast-check';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModePass } from '../../src/modes/context';
import { ORACLE_ENV, type Run, oracleOverProc, oracleOverProcEach } from './commands';
import { runPass } from './modes';
import { type Holder, startScenario } from './namespaces';
import { skipReason } from './needs';
import { ORACLE } from './paths';

export interface RecordedOracle {
  /** The suite's title (a describe). */
  title: string;
  /** The folder of trees, each with a `net/` and an `expected.json`. */
  fixtures: string;
  /** The trees compared (default: every directory of `fixtures`, which must include `mustHave`). */
  trees?: readonly string[];
  mustHave?: readonly string[];
  /** The recorded argument lists. */
  args: readonly string[][];
  /** Those of them also run live as uid 65534 (default: all). */
  nobody?: readonly string[][];
  /** This netstat's output for `args` over the tree `dir`. */
  mine: (dir: string, args: string[]) => Promise<Run>;
  /** What of net-tools' output is compared (default: all of it). */
  oracleOutput?: (run: Run) => Run;
  /** Argument lists compared live only, on one tree. */
  symbolic?: { tree: string; args: readonly string[][] };
}

export function recordedOracleSuite(spec: RecordedOracle): void {
  const unavailable = skipReason(`${spec.title}: the live comparison with ${ORACLE}`, { unshare: ['mount'], oracle: true, commands: ['python3'] });
  const update = process.env.NETSTAT_UPDATE_FIXTURES === '1';
  const cut = spec.oracleOutput ?? ((run: Run) => run);
  const nobody = spec.nobody ?? spec.args;

  const trees =
    spec.trees ??
    readdirSync(spec.fixtures, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();

  describe(spec.title, () => {
    if (spec.mustHave !== undefined) {
      it('has the fixture trees', () => {
        expect(trees).toEqual(expect.arrayContaining([...spec.mustHave!]));
      });
    }
    for (const tree of trees) {
      const dir = path.join(spec.fixtures, tree);
      const expectedFile = path.join(dir, 'expected.json');
      describe(tree, () => {
        if (update && unavailable === undefined) {
          const recorded: Record<string, Run> = {};
          for (const args of spec.args) recorded[args.join(' ')] = cut(oracleOverProc(dir, args));
          writeFileSync(expectedFile, `${JSON.stringify(recorded, null, 1)}\n`);
        }
        const expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as Record<string, Run>;

        for (const args of spec.args) {
          const name = args.join(' ');
          it(`netstat ${name} matches the recorded net-tools output`, async () => {
            expect(expected[name], `no recorded output for ${name}; run with NETSTAT_UPDATE_FIXTURES=1`).toBeDefined();
            expect(await spec.mine(dir, args)).toEqual(expected[name]);
          });
        }

        it.skipIf(unavailable !== undefined)('the recording and this netstat match /usr/bin/netstat live (root and nobody)', async () => {
          const lists = [...spec.args.map((args) => [args, 'root'] as const), ...nobody.map((args) => [args, 'nobody'] as const)];
          const live = oracleOverProcEach(dir, lists.map(([args, user]) => ({ args, user })));
          for (const [k, [args, user]] of lists.entries()) {
            const name = args.join(' ');
            const theirs = cut(live[k]!);
            expect(theirs, `${user}: ${name} (the recording)`).toEqual(expected[name]);
            expect(await spec.mine(dir, args), `${user}: ${name}`).toEqual(theirs);
          }
        });

        if (spec.symbolic?.tree === tree) {
          const symbolic = spec.symbolic.args;
          it.skipIf(unavailable !== undefined)('symbolic combinations match /usr/bin/netstat live', async () => {
            const live = oracleOverProcEach(dir, symbolic.map((args) => ({ args })));
            for (const [k, args] of symbolic.entries()) expect(await spec.mine(dir, args), args.join(' ')).toEqual(cut(live[k]!));
          });
        }
      });
    }
  });
}

export interface LiveNamespace {
  /** The suite's title (a describe), and what a skip names. */
  title: string;
  /** The socket scenario (test/scenario/) that makes and holds the namespace. */
  scenario: string;
  /** Argument lists, each run as root and as nobody. */
  args: readonly string[][];
  /** The mode, run in-process over the holder's `/proc/PID`. */
  pass: ModePass;
  /** What of net-tools' output is compared (default: all of it). */
  oracleOutput?: (run: Run) => Run;
  /** Checks that the scenario is what it claims, given this netstat's output for some arguments. */
  sanity: { title: string; args: string[]; check: (run: Run) => void };
}

/**
 * A mode against net-tools on a live private network namespace: a holder process keeps it
 * alive (the scenario); net-tools runs inside it (`nsenter -n`), this mode reads the same files
 * through `/proc/<holder>/net`. Every argument list, as root and as nobody.
 */
export function liveNamespaceSuite(spec: LiveNamespace): void {
  const skip = skipReason(spec.title, { unshare: ['net'], oracle: true, commands: ['nsenter', 'setpriv', 'python3'] });
  const cut = spec.oracleOutput ?? ((run: Run) => run);

  describe.skipIf(skip !== undefined)(spec.title, () => {
    let holder: Holder;
    beforeAll(async () => {
      holder = await startScenario(spec.scenario, {}, { isolation: { net: true, loUp: true } });
    });
    afterAll(async () => {
      await holder?.stop();
    });

    const oracle = (args: string[], user: 'root' | 'nobody') => cut(holder.run([ORACLE, ...args], { env: ORACLE_ENV, user }));
    const mine = (args: string[]) => runPass(spec.pass, `/proc/${holder.pid}`, args);

    it(spec.sanity.title, async () => spec.sanity.check(await mine(spec.sanity.args)));

    for (const user of ['root', 'nobody'] as const) {
      for (const args of spec.args) {
        it(`${user === 'nobody' ? '[nobody] ' : ''}netstat ${args.join(' ')}`, async () => {
          expect(await mine(args)).toEqual(oracle(args, user));
        });
      }
    }
  });
}

export interface GeneratedTree<T> {
  /** The property's title (an it), and what a skip names. */
  title: string;
  arbitrary: fc.Arbitrary<T>;
  /** The files a generated value makes: path below the tree → content (one character per byte). */
  files: (value: T) => Record<string, string>;
  /** A tree the files are written over (copied first); default: an empty one with `net/`. */
  base?: string;
  args: readonly string[][];
  pass: ModePass;
  /** What of net-tools' output is compared (default: all of it). */
  oracleOutput?: (run: Run) => Run;
  numRuns: number;
}

/**
 * A property: over the /proc tree a generated value makes, the mode prints exactly what
 * net-tools prints for every argument list (net-tools with the tree mounted over /proc).
 */
export function generatedTreeProperty<T>(spec: GeneratedTree<T>): void {
  const unavailable = skipReason(spec.title, { unshare: ['mount'], oracle: true });
  const cut = spec.oracleOutput ?? ((run: Run) => run);
  it.skipIf(unavailable !== undefined)(
    spec.title,
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'netstat-property-'));
      try {
        if (spec.base !== undefined) cpSync(spec.base, dir, { recursive: true });
        else mkdirSync(path.join(dir, 'net'));
        await fc.assert(
          fc.asyncProperty(spec.arbitrary, async (value) => {
            for (const [file, content] of Object.entries(spec.files(value))) writeFileSync(path.join(dir, file), content, 'latin1');
            const reference = oracleOverProcEach(dir, spec.args.map((args) => ({ args })));
            for (const [i, args] of spec.args.entries()) {
              expect(await runPass(spec.pass, dir, args), `netstat ${args.join(' ')}`).toEqual(cut(reference[i]!));
            }
          }),
          // No shrinking: each step would run net-tools again; the whole tree is reported.
          { numRuns: spec.numRuns, endOnFailure: true },
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
}
