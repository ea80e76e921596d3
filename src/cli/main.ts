/**
 * `netstat`: a drop-in for net-tools `netstat` 2.10. `run()` is the whole
 * program; the entry point (`cli.ts`) only hands it this process's argv,
 * environment and descriptors, so tests can run the same program in-process.
 * The only module that writes to the terminal; everything it prints is
 * decided by the modes and printers it calls.
 */
import * as path from 'node:path';
import { chooseSources } from '../backends/choose';
import { nativeOutcome } from '../native';
import { NetstatError, errorCode } from '../errors';
import { argumentBytes, parseArgs } from './args';
import { engineLine, fallbackNotice } from './engine-report';
import { type ListingNamespaces, listingPass } from '../modes/listing';
import { Output, dieOfSigpipe } from './output';
import type { ModeContext, ModePass } from '../modes/context';
import type { Options } from '../modes/options';
import { procRoot } from '../procfs/root';
import { createResolvers } from '../resolve';

/** Where the program writes, and what a write into a pipe nobody reads does. */
export interface CliIo {
  /** Descriptor of standard output. */
  stdout: number;
  /** Descriptor of standard error. */
  stderr: number;
  /** Called when a write finds no reader (EPIPE); net-tools dies of SIGPIPE there. */
  onBrokenPipe: () => void;
}

/** This process's standard output and error, with net-tools' death by SIGPIPE. */
export const PROCESS_IO: CliIo = { stdout: 1, stderr: 2, onBrokenPipe: dieOfSigpipe };

/**
 * This process's argv as `run()` takes it: argv[0] as glibc would print it
 * in option errors, then the arguments as bytes (one character per byte,
 * read from /proc/self/cmdline so that any byte is echoed exactly).
 *
 * A script cannot see the name it was started by (the kernel replaces it
 * with the script's path), so argv[0] is `NETSTAT_ARGV0` if set; `netstat`
 * when started through a file of that name (the installed bin); otherwise —
 * run as `node dist/cli.js` — the path of the program this one stands in
 * for, `/usr/bin/netstat`.
 */
export function processArgv(env: NodeJS.ProcessEnv = process.env): string[] {
  const script = process.argv[1] ?? '';
  const name = env.NETSTAT_ARGV0 || (path.basename(script) === 'netstat' ? 'netstat' : '/usr/bin/netstat');
  return [name, ...argumentBytes()];
}

/**
 * The mode's pass, and whether `-c` repeats it (net-tools never repeats -s).
 * Modes other than the listing are loaded on demand: start-up time is part
 * of every `netstat` run.
 */
async function modeFor(options: Options, env: NodeJS.ProcessEnv): Promise<{ pass: ModePass; repeats: boolean }> {
  const otherMode = options.masquerade || options.statistics || options.route || options.interfaces;
  if ((options.netns !== undefined || options.allNetns) && otherMode) {
    throw new NetstatError('--netns and --all-netns apply to the socket listing only', 'ERR_INVALID_ARG_VALUE');
  }
  if (options.watch && (otherMode || options.json)) throw new NetstatError('--watch applies to the socket listing only, as text or --ndjson', 'ERR_INVALID_ARG_VALUE');
  if (options.masquerade) return { pass: (await import('../modes/masquerade')).masqueradePass, repeats: true };
  if (options.statistics) return { pass: (await import('../modes/statistics')).statisticsPass, repeats: false };
  if (options.route) return { pass: (await import('../modes/route')).routePass, repeats: true };
  if (options.interfaces) return { pass: await interfacesMode(env), repeats: true };
  if (options.watch) {
    const { watchPass } = await import('./watch');
    return { pass: (ctx) => watchPass(ctx, options.intervalMs), repeats: false };
  }
  const sources = chooseSources({ env });
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
async function interfacesMode(env: NodeJS.ProcessEnv): Promise<ModePass> {
  const { createInterfacesPass } = await import('../modes/interfaces');
  const { chooseInterfaceSource } = await import('../backends/interfaces/choose');
  return createInterfacesPass(chooseInterfaceSource({ env }));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Run `netstat` with `argv` (argv[0] the name for messages, then the
 * arguments as bytes: see processArgv), reading settings from `env` and
 * writing to `io`; resolves to the exit status. It never rejects: a failure
 * is one line on standard error and status 1, as net-tools would end. The
 * native engine is the process's (loaded once, by the process's environment).
 */
export async function run(argv: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  // Everything goes through here: net-tools' handling of write errors (see cli/output.ts).
  const out = new Output(io.stdout, io.stderr, io.onBrokenPipe);
  try {
    return await program(argv, env, out);
  } catch (error) {
    // Never a stack trace: one line naming the failure, status 1.
    const code = errorCode(error);
    const message = error instanceof Error ? error.message : String(error);
    const line = `netstat: ${message}${code && !message.includes(code) ? ` (${code})` : ''}\n`;
    // Output takes bytes, one per character; a message is text.
    out.err(Buffer.from(line, 'utf8').toString('latin1'));
    out.flush();
    return 1;
  }
}

async function program(argv: readonly string[], env: NodeJS.ProcessEnv, out: Output): Promise<number> {
  const notice = fallbackNotice(nativeOutcome(), env);
  if (notice !== null) out.err(notice);
  const parsed = parseArgs(argv.slice(1), argv[0] ?? 'netstat', env);
  if (parsed.kind === 'exit') {
    if (parsed.stderr) out.err(parsed.stderr);
    out.out(parsed.stdout);
    out.flush();
    return parsed.status;
  }
  for (const warning of parsed.warnings) out.err(warning);
  if (parsed.options.sources) out.err(engineLine(nativeOutcome()));

  const { pass, repeats } = await modeFor(parsed.options, env);
  const ctx: ModeContext = { options: parsed.options, out, resolvers: createResolvers(), procRoot: procRoot(env), pass: 0 };
  for (;;) {
    const status = await pass(ctx);
    out.flush();
    if (status !== 0 || !parsed.options.continuous || !repeats) return status;
    await sleep(1000);
    ctx.pass++;
  }
}
