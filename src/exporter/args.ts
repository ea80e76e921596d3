/**
 * The exporter's command line (node:util `parseArgs`, strict): what to do,
 * or a `UsageError` whose message says what is wrong (main prints it and
 * exits 2).
 */
import { parseArgs } from 'node:util';

export const DEFAULT_PORT = 9814;
export const DEFAULT_LISTEN = `127.0.0.1:${DEFAULT_PORT}`;
export const DEFAULT_MAX_LISTENERS = 200;
export const DEFAULT_TOP_PROCESSES = 10;
export const DEFAULT_TOP_CONTAINERS = 10;
export const DEFAULT_COLLECT_TIMEOUT = 10;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CommonOptions {
  byProcess: boolean;
  topProcesses: number;
  maxListeners: number;
  byContainer: boolean;
  topContainers: number;
  /** `--all-netns` (`'all'`) or `--netns` (a name or path, or a PID); undefined: the exporter's own namespace. */
  netns?: 'all' | string | number;
  /** `--collect-timeout`; 0: none. */
  collectTimeoutSeconds: number;
}

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | ({ kind: 'serve'; host: string | undefined; port: number; listen: string } & CommonOptions)
  | ({ kind: 'once'; format: 'prometheus' | 'openmetrics' } & CommonOptions)
  | ({ kind: 'textfile'; path: string; intervalSeconds: number | undefined } & CommonOptions);

export const USAGE = `Usage: netstat-exporter [options]

Exports this host's socket counts to Prometheus (netstat-native).

Modes (one of):
  --listen ADDR:PORT    serve /metrics over HTTP (the default, on ${DEFAULT_LISTEN});
                        [IPv6]:PORT for IPv6, :PORT for every address
  --once                print the exposition to stdout and exit
  --textfile PATH       write the exposition to PATH atomically (temporary file
                        + rename), for node_exporter's textfile collector (PATH
                        should end in .prom), and exit
  --interval SECONDS    with --textfile: rewrite it every SECONDS until SIGTERM

Options:
  --format FORMAT       with --once: prometheus (default) or openmetrics
  --max-listeners N     at most N listening (protocol, family, address class,
                        port) series (default ${DEFAULT_MAX_LISTENERS}; lowest ports first)
  --by-process          sockets per program name (reads /proc/*/fd: root sees
                        every process, another user only its own)
  --top-processes N     with --by-process: the N programs holding the most
                        sockets (default ${DEFAULT_TOP_PROCESSES})
  --by-container        sockets per container (docker, containerd, cri-o,
                        podman) or systemd unit, from each socket's cgroup;
                        needs the native engine (netlink)
  --top-containers N    with --by-container: the N containers holding the most
                        sockets (default ${DEFAULT_TOP_CONTAINERS})
  --all-netns           every network namespace in use, each namespace's series
                        labelled netns="NAME" or netns="net:[INODE]" (root:
                        entering a namespace needs CAP_SYS_ADMIN)
  --netns NS            one other network namespace: a name under /run/netns,
                        a namespace file's path, or a PID (labelled as above)
  --collect-timeout S   abandon a collection after S seconds: the scrape gets
                        503 (default ${DEFAULT_COLLECT_TIMEOUT}; 0: no limit)
  -h, --help            show this help and exit
  -V, --version         show the version and exit

Exit status: 0 on success (and on SIGTERM/SIGINT), 1 when collecting, writing
or listening fails (e.g. the port is in use), 2 on bad options.
Environment: NETSTAT_BACKEND=netlink|procfs forces a backend.`;

function integer(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`option '--${name}' needs a whole number (got '${text}')`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`option '--${name}' must be between ${min} and ${max} (got ${text})`);
  return n;
}

/** `--collect-timeout`: 0 (no limit), or 0.001 to 86400 seconds. */
function seconds(name: string, text: string): number {
  const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(n === 0 || (n >= 0.001 && n <= 86400))) throw new UsageError(`option '--${name}' needs a number of seconds from 0.001 to 86400, or 0 for no limit (got '${text}')`);
  return n;
}

/** `--netns`: digits are a PID, anything else a name under /run/netns or a path. */
function netnsArgument(text: string): string | number {
  if (text === '') throw new UsageError(`option '--netns' needs a namespace name, path or PID`);
  if (/^\d+$/.test(text)) return integer('netns', text, 1, 0x7fffffff);
  return text;
}

/** `127.0.0.1:9814`, `[::1]:9814`, `:9814` (every address), `localhost:9814`. */
export function parseListen(text: string): { host: string | undefined; port: number } {
  let host: string;
  let port: string;
  const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(text);
  if (bracketed !== null) {
    host = bracketed[1] as string;
    port = bracketed[2] as string;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) throw new UsageError(`option '--listen' needs ADDR:PORT (got '${text}')`);
    host = text.slice(0, colon);
    port = text.slice(colon + 1);
    if (host.includes(':')) throw new UsageError(`option '--listen': write an IPv6 address in brackets, [ADDR]:PORT (got '${text}')`);
  }
  if (!/^\d+$/.test(port)) throw new UsageError(`option '--listen' needs a port number after the colon (got '${text}')`);
  const n = Number(port);
  if (n > 65535) throw new UsageError(`option '--listen': port ${port} is out of range (0-65535)`);
  return { host: host === '' ? undefined : host, port: n };
}

export function parseCommandLine(argv: readonly string[]): Command {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        listen: { type: 'string' },
        once: { type: 'boolean' },
        textfile: { type: 'string' },
        interval: { type: 'string' },
        format: { type: 'string' },
        'max-listeners': { type: 'string' },
        'by-process': { type: 'boolean' },
        'top-processes': { type: 'string' },
        'by-container': { type: 'boolean' },
        'top-containers': { type: 'string' },
        'all-netns': { type: 'boolean' },
        netns: { type: 'string' },
        'collect-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    }));
  } catch (error) {
    // parseArgs' messages name the option; drop its advice about '--' (we take no arguments).
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, '') : String(error);
    throw new UsageError(message);
  }
  if (values.help === true) return { kind: 'help' };
  if (values.version === true) return { kind: 'version' };

  const modes = [values.listen !== undefined && '--listen', values.once === true && '--once', values.textfile !== undefined && '--textfile'].filter(
    (m): m is string => m !== false,
  );
  if (modes.length > 1) throw new UsageError(`options ${modes.join(' and ')} cannot be used together`);
  if (values.interval !== undefined && values.textfile === undefined) throw new UsageError(`option '--interval' needs '--textfile'`);
  if (values.format !== undefined && values.once !== true) throw new UsageError(`option '--format' is for '--once' (a scraper chooses its format with its Accept header; a textfile is always the Prometheus text format)`);
  if (values['top-processes'] !== undefined && values['by-process'] !== true) throw new UsageError(`option '--top-processes' needs '--by-process'`);
  if (values['top-containers'] !== undefined && values['by-container'] !== true) throw new UsageError(`option '--top-containers' needs '--by-container'`);
  if (values['all-netns'] === true && values.netns !== undefined) throw new UsageError(`options --all-netns and --netns cannot be used together`);

  const common: CommonOptions = {
    byProcess: values['by-process'] === true,
    topProcesses: values['top-processes'] === undefined ? DEFAULT_TOP_PROCESSES : integer('top-processes', values['top-processes'], 1, 10000),
    maxListeners: values['max-listeners'] === undefined ? DEFAULT_MAX_LISTENERS : integer('max-listeners', values['max-listeners'], 0, 100000),
    byContainer: values['by-container'] === true,
    topContainers: values['top-containers'] === undefined ? DEFAULT_TOP_CONTAINERS : integer('top-containers', values['top-containers'], 1, 10000),
    collectTimeoutSeconds: values['collect-timeout'] === undefined ? DEFAULT_COLLECT_TIMEOUT : seconds('collect-timeout', values['collect-timeout']),
  };
  if (values['all-netns'] === true) common.netns = 'all';
  if (values.netns !== undefined) common.netns = netnsArgument(values.netns);

  if (values.once === true) {
    const format = values.format ?? 'prometheus';
    if (format !== 'prometheus' && format !== 'openmetrics') throw new UsageError(`option '--format' must be prometheus or openmetrics (got '${format}')`);
    return { kind: 'once', format, ...common };
  }
  if (values.textfile !== undefined) {
    if (values.textfile === '') throw new UsageError(`option '--textfile' needs a path`);
    let intervalSeconds: number | undefined;
    if (values.interval !== undefined) {
      const n = /^\d+(\.\d+)?$/.test(values.interval) ? Number(values.interval) : NaN;
      if (!(n >= 0.01 && n <= 86400)) throw new UsageError(`option '--interval' needs a number of seconds from 0.01 to 86400 (got '${values.interval}')`);
      intervalSeconds = n;
    }
    return { kind: 'textfile', path: values.textfile, intervalSeconds, ...common };
  }
  const listen = values.listen ?? DEFAULT_LISTEN;
  return { kind: 'serve', listen, ...parseListen(listen), ...common };
}
