#!/usr/bin/env node
/**
 * `netstat-exporter`: the only module of the exporter that prints or exits.
 * Exit status: 0 on success and on SIGTERM/SIGINT, 1 when collecting,
 * writing or listening fails, 2 on bad options.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Command, type CommonOptions, USAGE, UsageError, parseCommandLine } from './args';
import { type CollectOptions, CollectTimeoutError, collect } from './collect';
import { renderMetrics } from './metrics';
import type { Collection } from './snapshot';
import { createExporterServer } from './server';
import { writeAtomically } from './textfile';

const NAME = 'netstat-exporter';

function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function describe(error: unknown): string {
  if (error instanceof CollectTimeoutError) return error.message;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}

function fail(message: string, status: number): void {
  process.stderr.write(`${NAME}: ${message}\n`);
  process.exitCode = status;
}

function collectOptions(c: CommonOptions): CollectOptions {
  const options: CollectOptions = {
    byProcess: c.byProcess,
    topProcesses: c.topProcesses,
    maxListeners: c.maxListeners,
    byContainer: c.byContainer,
    topContainers: c.topContainers,
    timeoutSeconds: c.collectTimeoutSeconds,
  };
  if (c.netns !== undefined) options.netns = c.netns;
  return options;
}

/**
 * Collect, and warn once (per process) when `--by-container` meets a TCP
 * table served from /proc: no socket there has a cgroup.
 */
let warnedNoCgroups = false;
async function collectFor(c: CommonOptions): Promise<Collection> {
  const collection = await collect(collectOptions(c));
  if (c.byContainer && !warnedNoCgroups && collection.snapshots.some((s) => s.tables.some((t) => t.table.startsWith('tcp/') && t.status === 'ok' && t.backend === 'procfs'))) {
    warnedNoCgroups = true;
    process.stderr.write(`${NAME}: warning: --by-container needs the native engine (netlink backend); TCP sockets read from /proc have no cgroup and count as unattributed\n`);
  }
  return collection;
}

async function once(command: Extract<Command, { kind: 'once' }>): Promise<void> {
  const text = await renderMetrics(await collectFor(command), command.format);
  // A closed pipe (`… --once | head`) ends quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') fail(`writing to stdout: ${describe(error)}`, 1);
  });
  process.stdout.write(text);
}

async function textfile(command: Extract<Command, { kind: 'textfile' }>): Promise<void> {
  if (!command.path.endsWith('.prom')) process.stderr.write(`${NAME}: warning: node_exporter's textfile collector reads only files ending in .prom\n`);
  // With --interval, the timeouts so far are exported (a timed-out round writes nothing).
  let timeouts = 0;
  const writeOnce = async (): Promise<void> => {
    let collection: Collection;
    try {
      collection = await collectFor(command);
    } catch (error) {
      if (error instanceof CollectTimeoutError) timeouts++;
      throw error;
    }
    const text = await renderMetrics(collection, 'prometheus', command.intervalSeconds === undefined ? {} : { collectTimeouts: timeouts });
    await writeAtomically(command.path, text);
  };
  if (command.intervalSeconds === undefined) {
    await writeOnce();
    return;
  }
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const stop = (): void => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    wake?.();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  while (!stopped) {
    try {
      await writeOnce();
    } catch (error) {
      // Keep going: the next round may succeed (a full disk, a vanished directory).
      process.stderr.write(`${NAME}: writing ${command.path}: ${describe(error)}\n`);
    }
    if (stopped) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, command.intervalSeconds! * 1000);
    });
  }
  process.removeListener('SIGTERM', stop);
  process.removeListener('SIGINT', stop);
}

function serve(command: Extract<Command, { kind: 'serve' }>): void {
  const server = createExporterServer({
    collect: () => collectFor(command),
    onError: (error) => process.stderr.write(`${NAME}: ${describe(error)}\n`),
    version: version(),
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    const why =
      error.code === 'EADDRINUSE' ? 'the address is already in use (another exporter?)' :
      error.code === 'EACCES' ? 'permission denied (a port below 1024 needs CAP_NET_BIND_SERVICE)' :
      error.code === 'EADDRNOTAVAIL' ? 'no such local address' :
      describe(error);
    fail(`cannot listen on ${command.listen}: ${why}`, 1);
    server.close();
  });
  server.on('listening', () => {
    const address = server.address();
    if (address !== null && typeof address === 'object') {
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      process.stderr.write(`${NAME}: listening on http://${host}:${address.port}/metrics\n`);
    }
  });
  const shutdown = (signal: string): void => {
    process.stderr.write(`${NAME}: ${signal}: closing\n`);
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  server.listen({ host: command.host, port: command.port });
}

async function main(argv: readonly string[]): Promise<void> {
  let command: Command;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${NAME}: ${error.message}\nTry '${NAME} --help' for more information.\n`);
    process.exitCode = 2;
    return;
  }
  switch (command.kind) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return;
    case 'version':
      process.stdout.write(`${NAME} (netstat-native) ${version()}\n`);
      return;
    case 'once':
      return once(command);
    case 'textfile':
      return textfile(command);
    case 'serve':
      serve(command);
      return;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => fail(describe(error), 1));
