/**
 * Cases for inputs net-tools handles in ways of its own (issue 12):
 *  - `-l` and TCP sockets that are not listeners but have remote port 0 (the scenario holds
 *    two, made with TCP_REPAIR): net-tools counts them as servers;
 *  - long `-A`/`--protocol` arguments: net-tools reads only their first 255 bytes, and gathers
 *    the family names in a 256-byte list that refuses more with a message;
 *  - write errors: standard output on /dev/full, into a pipe closed before the start, into
 *    `head -c 1`, and standard error merged into standard output (`2>&1`), whose interleaving
 *    shows when stdio writes.
 * Byte-odd socket names and program names are in the scenario itself, so every listing case
 * meets them.
 */
import type { DiffCase } from '../harness';
import { caseOf, unique, words } from './common';
import { conntrackPresent } from './modes';

/** Server selections over the remote-port-0 sockets (and everything else). */
const REMOTE_PORT_ZERO = ['-l', '-tl', '-tln', '-tlp', '-tlnp', '-ltnW', '-tln4', '-tln6', '-tan', '-tanp', '-tn', '-a', '-lnp', '-tlneo'];

/** A comma-separated list of `inet` cut to `bytes - tail.length` bytes, then `tail`. */
function inetList(bytes: number, tail = ''): string {
  return 'inet,'.repeat(60).slice(0, bytes - tail.length) + tail;
}

const repeat = (word: string, n: number) => Array<string>(n).fill(word);

/** Long `-A` arguments and full family lists (argument lists, not fragments: some hold blanks or odd bytes). */
const LONG_FAMILY_LISTS: string[][] = [
  ['-A', inetList(255, 'x'), '-tn'], // read whole: `...inet,inx`, unknown
  ['-A', inetList(254), '-tn'], // 51 whole words in 254 bytes: accepted, and the gathered list is full
  ['-A', inetList(256, 'x'), '-tn'], // cut after a comma: the empty word
  ['-A', inetList(252) + 'inet6', '-tn'], // cut inside the last word: `inine`
  ['-A', inetList(250) + 'inet6x', '-n'], // `inet6x` cut to `inet6`: accepted
  [`--protocol=${inetList(300)}`, '-tn'],
  ['--protocol', inetList(260), '-tn'],
  [`-tA${inetList(280)}`],
  ['-A', 'x'.repeat(300)],
  ['-A', 'x'.repeat(254) + 'é'], // a two-byte character astride byte 255
  ['-A', 'é'],
  ['-A', 'inet,é,unix'],
  ['-A', 'inet, unix'],
  [...repeat('-4', 51), '-tn'], // 254 bytes gathered: full, but nothing refused
  [...repeat('-4', 52), '-tn'],
  [...repeat('-4', 52), '-x', '-6', '-n'], // refused names select nothing
  [...repeat('-4', 52), '-A', 'inet,bogus', '-n'], // the refusal ends the list: `bogus` is not read
  [...repeat('-4', 52), '-A', 'bogus', '-n'],
  [...repeat('-4', 49), '-A', 'ash,ash,econet', '-tn'], // exactly 255 bytes
  [...repeat('-4', 49), '-A', 'econet,econet,econet', '-A', 'econet', '-tn'], // one byte over
  [...repeat('-6', 42), '-4', '-tn'],
  [...repeat('--inet', 60), '-tn'],
  [...repeat('-4', 60), '-rn'], // -r lists the gathered families: 51 IPv4 tables
  [...repeat('-6', 45), '-rn'],
  [...repeat('-4', 52), '-s'], // -s needs the list to be exactly `inet`
  [...repeat('-x', 60), '-n'],
  [...repeat('-4', 52), '-q'], // the messages come before getopt's
  ['--tcpip', '-q'],
  ['--tcpip', '-?'],
];

/** Standard output on /dev/full, or into a pipe whose reader has gone. */
const WRITE_ERROR_ARGS = ['', '-a', '-tanp', '-l', '-q', '-V', '-h', '--tcpip -tn', '-A bogus', '-v', '-S', '-2', '-Z', '-x', '-ee'];
/**
 * Outputs over two 4096-byte pipe buffers (10-15 kB in the scenario), so `head -c 1` stops them
 * for sure. With UNIX sockets, the warning about the scenario's bogus /proc/net/unix line (a
 * path with a newline) is printed or not depending on where among the rows it comes.
 */
const HEAD_ARGS = ['-a', '-ap', '-aeepW', '-tuwaeepW', '-tuwaeeo', '-46aeepoW'];
/** Standard error between standard output lines: the bogus-line warning, -v notices, --tcpip, errors, usage. */
const MERGED_ARGS = ['-a', '-x', '-l', '-v', '-av', '-tv', '-tuwv', '-46v', '--tcpip -a', '-S', '-2', '-q', '-h', '-tuwaeepoWv'];

/** The same for the other modes (-M only where it is comparable, see modes.ts). */
const MODE_WRITE_ERROR_ARGS = ['-r', '-rn', '-rC', '-i', '-ie', '-g', '-s', '-st', '-s -A foo', '-ri'];

export function hardCases(): DiffCase[] {
  const writeErrors = (fragments: string[], more: Partial<DiffCase>[]) =>
    fragments.flatMap((f) => more.map((m) => caseOf(words(f), m)));
  return unique([
    ...REMOTE_PORT_ZERO.map((f) => caseOf(words(f))),
    ...['-tlp', '-l', '-tanp'].map((f) => caseOf(words(f), { user: 'nobody' })),
    ...LONG_FAMILY_LISTS.map((args) => caseOf(args)),
    ...writeErrors(WRITE_ERROR_ARGS, [{ stdout: 'full' }, { stdout: 'closed' }]),
    ...writeErrors(['-ap', '-tanp'], [{ stdout: 'full', user: 'nobody' }, { stdout: 'closed', user: 'nobody' }]),
    caseOf(['-tanp'], { merged: true, user: 'nobody' }),
    ...writeErrors(HEAD_ARGS, [{ stdout: 'head' }]),
    caseOf(['-ap'], { stdout: 'head', user: 'nobody' }),
    ...writeErrors(MERGED_ARGS, [{ merged: true }]),
    ...writeErrors(['-a', '-v', '-h', '-q'], [{ merged: true, stdout: 'closed' }, { merged: true, stdout: 'full' }]),
    caseOf(['-av'], { merged: true, stdout: 'head' }),
    ...writeErrors([...MODE_WRITE_ERROR_ARGS, ...(conntrackPresent() ? [] : ['-M'])], [{ stdout: 'full' }, { stdout: 'closed' }]),
    ...writeErrors(['-s', '-rn', '-ie'], [{ merged: true }]),
    // -c: a closed pipe ends it at the first pass (stdio is flushed after each); a full device never does.
    caseOf(['-c', '-tn'], { stdout: 'closed' }),
    caseOf(['-c', '-a'], { stdout: 'head' }),
    caseOf(['-c', '-rn'], { stdout: 'closed' }),
    caseOf(['-c', '-tn'], { stdout: 'full', continuous: true }),
    caseOf(['-c', '-v'], { merged: true, stdout: 'full', continuous: true }),
  ]);
}
