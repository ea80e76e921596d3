/**
 * `netstat`: a drop-in for net-tools `netstat` 2.10 (started by `cli.ts`).
 * The only module that writes to the terminal or exits; everything it
 * prints is decided by the modes and printers it calls.
 */
import * as path from 'node:path';
import { chooseSources } from '../backends/choose';
import { nativeOutcome } from '../native';
import { NetstatError, errorCode } from '../errors';
import { argumentBytes, parseArgs } from './args';
import { engineLine, fallbackNotice } from './engine-report';
import { type ListingNamespaces, listingPass } from '../modes/listing';
import { Output } from './output';
import type { ModeContext, ModePass } from '../modes/context';
import type { Options } from '../modes/options';
import { procRoot } from '../procfs/root';
import { createResolvers } from '../resolve';

/**
 * What glibc would print as `argv[0]` in option errors. A script cannot see
 * the name it was started by (the kernel replaces it with the script's path),
 * so: `NETSTAT_ARGV0` if set; `netstat` when started through a file of that
 * name (the installed bin); otherwise — run as `node dist/cli.js` — the path
 * of the program this one stands in for, `/usr/bin/netstat`.
 */
function programName(env: NodeJS.ProcessEnv): string {
  if (env.NETSTAT_ARGV0) return env.NETSTAT_ARGV0;
  const script = process.argv[1] ?? '';
  return path.basename(script) === 'netstat' ? 'netstat' : '/usr/bin/netstat';
}

/**
 * The mode's pass, and whether `-c` repeats it (net-tools never repeats -s).
 * Modes other than the listing are loaded on demand: start-up time is part
 * of every `netstat` run.
 */
async function modeFor(options: Options): Promise<{ pass: ModePass; repeats: boolean }> {
  const otherMode = options.masquerade || options.statistics || options.route || options.interfaces;
  if ((options.netns !== undefined || options.allNetns) && otherMode) {
    throw new NetstatError('--netns and --all-netns apply to the socket listing only', 'ERR_INVALID_ARG_VALUE');
  }
  if (options.watch && (otherMode || options.json)) throw new NetstatError('--watch applies to the socket listing only, as text or --ndjson', 'ERR_INVALID_ARG_VALUE');
  if (options.masquerade) return { pass: (await import('../modes/masquerade')).masqueradePass, repeats: true };
  if (options.statistics) return { pass: (await import('../modes/statistics')).statisticsPass, repeats: false };
  if (options.route) return { pass: (await import('../modes/route')).routePass, repeats: true };
  if (options.interfaces) return { pass: await interfacesMode(), repeats: true };
  if (options.watch) {
    const { watchPass } = await import('./watch');
    return { pass: (ctx) => watchPass(ctx, options.intervalMs), repeats: false };
  }
  const sources = chooseSources();
  const netns = await listingNamespaces(options);
  return { pass: (ctx) => listingPass(ctx, sources, netns), repeats: true };
}

/**
 * `--netns` / `--all-netns`: the namespaces to list, found once (a `-c`
 * loop lists the same ones; a namespace gone by then reports its error).
 */
async function listingNamespaces(options: Options): Promise<ListingNamespaces | undefined> {
  if (options.netns === undefined && !options.allNetns) return undefined;
  const { listNamespacesAsync, resolveNamespaceAsync } = await import('../netns/discover');
  if (options.allNetns) return { namespaces: (await listNamespacesAsync()).namespaces, explicit: false };
  return { namespaces: [await resolveNamespaceAsync(options.netns!)], explicit: true };
}

/** `-i` over the interface facts source the engine seam chose (backends/interfaces/choose.ts). */
async function interfacesMode(): Promise<ModePass> {
  const { createInterfacesPass } = await import('../modes/interfaces');
  const { chooseInterfaceSource } = await import('../backends/interfaces/choose');
  return createInterfacesPass(chooseInterfaceSource());
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Everything goes through here: net-tools' handling of write errors (see cli/output.ts). */
const out = new Output();

async function main(): Promise<number> {
  const notice = fallbackNotice(nativeOutcome(), process.env);
  if (notice !== null) out.err(notice);
  const parsed = parseArgs(argumentBytes(), programName(process.env));
  if (parsed.kind === 'exit') {
    if (parsed.stderr) out.err(parsed.stderr);
    out.out(parsed.stdout);
    out.flush();
    return parsed.status;
  }
  for (const warning of parsed.warnings) out.err(warning);
  if (parsed.options.sources) out.err(engineLine(nativeOutcome()));

  const { pass, repeats } = await modeFor(parsed.options);
  const ctx: ModeContext = { options: parsed.options, out, resolvers: createResolvers(), procRoot: procRoot(), pass: 0 };
  for (;;) {
    const status = await pass(ctx);
    out.flush();
    if (status !== 0 || !parsed.options.continuous || !repeats) return status;
    await sleep(1000);
    ctx.pass++;
  }
}

main().then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    // Never a stack trace: one line naming the failure, status 1.
    const code = errorCode(error);
    const message = error instanceof Error ? error.message : String(error);
    const line = `netstat: ${message}${code && !message.includes(code) ? ` (${code})` : ''}\n`;
    // Output takes bytes, one per character; a message is text.
    out.err(Buffer.from(line, 'utf8').toString('latin1'));
    out.flush();
    process.exitCode = 1;
  },
);
