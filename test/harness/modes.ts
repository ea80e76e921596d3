/**
 * One pass of a mode (src/modes/) in-process over a /proc tree, with what it writes kept: the
 * unit under the CLI, for tests of a mode on fixture trees.
 */
import { parseArgs } from '../../src/cli/args';
import { Output } from '../../src/cli/output';
import { GROUPS_HEADER } from '../../src/modes/groups';
import type { ModeContext, ModePass } from '../../src/modes/context';
import { createResolvers, type Resolvers } from '../../src/resolve';
import type { Run } from './commands';

/** An Output that collects stdout and stderr text. */
export class CapturedOutput extends Output {
  stdout = '';
  stderr = '';
  override out(text: string): void {
    this.stdout += text;
  }
  override bytes(chunk: Uint8Array): void {
    this.stdout += Buffer.from(chunk).toString('latin1');
  }
  override err(text: string): void {
    this.stderr += text;
  }
  override flush(): void {}
}

/** A mode context over `procRoot` for netstat's `args`, writing into a CapturedOutput. */
export function captureContext(
  procRoot: string,
  args: string[],
  resolvers: Resolvers = createResolvers(),
  pass = 0,
): ModeContext & { out: CapturedOutput } {
  const parsed = parseArgs(args, 'netstat', {});
  if (parsed.kind !== 'run') throw new Error(`arguments rejected: ${args.join(' ')}`);
  return { options: parsed.options, out: new CapturedOutput(), resolvers, procRoot, pass };
}

/** One pass of a mode over `procRoot`, as a Run. */
export async function runPass(pass: ModePass, procRoot: string, args: string[]): Promise<Run> {
  const ctx = captureContext(procRoot, args);
  const status = await pass(ctx);
  return { stdout: ctx.out.stdout, stderr: ctx.out.stderr, status };
}

/**
 * `-g` is a section of the socket listing: net-tools prints the Internet section first when
 * `-4`/`-6` select it, which is the listing's business. Its stdout counts from the groups
 * header on.
 */
export function groupsSectionOf(run: Run): Run {
  const start = run.stdout.indexOf(GROUPS_HEADER);
  return { ...run, stdout: start < 0 ? run.stdout : run.stdout.slice(start) };
}
