import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args';
import { ROUTABLE_FAMILIES, USAGE, VERSION } from '../../src/cli/texts';

const run = (...args: string[]) => parseArgs(args, 'netstat', {});
const options = (...args: string[]) => {
  const outcome = run(...args);
  if (outcome.kind !== 'run') throw new Error(`expected options, got exit ${outcome.status}: ${outcome.stderr}`);
  return outcome.options;
};
const firstErrorLine = (...args: string[]) => {
  const outcome = run(...args);
  if (outcome.kind !== 'exit') throw new Error('expected an exit');
  return { status: outcome.status, line: outcome.stderr.split('\n')[0] };
};

describe('getopt_long semantics', () => {
  it('groups short flags and takes -A arguments glued or separate', () => {
    const o = options('-tulpn', '-Ainet6');
    expect([o.tcp, o.udp, o.listening, o.programs, o.numericHosts, o.numericPorts, o.numericUsers]).toEqual([true, true, true, true, true, true, true]);
    expect(o.afList).toEqual(['inet6']);
    expect(options('-tA', 'inet').afList).toEqual(['inet']);
  });

  it('permutes: options after non-options count, non-options are ignored', () => {
    const o = options('foo', 'bar', '-x');
    expect(o.unix).toBe(true);
    expect(o.explicitCount).toBe(1);
  });

  it('stops at the first non-option under POSIXLY_CORRECT and at --', () => {
    const posix = parseArgs(['foo', '-x'], 'netstat', { POSIXLY_CORRECT: '1' });
    expect(posix.kind === 'run' && posix.options.unix).toBe(false);
    expect(options('--', '-x').unix).toBe(false);
  });

  it('accepts unique abbreviations and identical-meaning prefixes', () => {
    expect(options('--int').interfaces).toBe(true);
    expect(options('--stat').statistics).toBe(true);
    expect(options('--numeric-u').numericUsers).toBe(true);
    // --inet and --inet6 report the same value, so --ine is not ambiguous and means --inet.
    expect(options('--ine').afList).toEqual(['inet']);
    expect(options('--protocol=inet6').afList).toEqual(['inet6']);
    expect(options('--prot', 'unix').afList).toEqual(['unix']);
  });

  it('prints glibc messages for bad options, then the usage, with status 3', () => {
    expect(firstErrorLine('-q')).toEqual({ status: 3, line: "netstat: invalid option -- 'q'" });
    expect(firstErrorLine('--bogus=3')).toEqual({ status: 3, line: "netstat: unrecognized option '--bogus=3'" });
    expect(firstErrorLine('-tA')).toEqual({ status: 3, line: "netstat: option requires an argument -- 'A'" });
    expect(firstErrorLine('--prot')).toEqual({ status: 3, line: "netstat: option '--protocol' requires an argument" });
    expect(firstErrorLine('--ro=1')).toEqual({ status: 3, line: "netstat: option '--ro=1' is ambiguous; possibilities: '--rose' '--route'" });
    expect(firstErrorLine('--route=1')).toEqual({ status: 3, line: "netstat: option '--route' doesn't allow an argument" });
    expect(firstErrorLine('--u').line).toBe("netstat: option '--u' is ambiguous; possibilities: '--unix' '--udp' '--udplite' '--unix'");
    expect(firstErrorLine('--n').line).toBe(
      "netstat: option '--n' is ambiguous; possibilities: '--netrom' '--numeric' '--numeric-hosts' '--numeric-ports' '--numeric-users'",
    );
    const outcome = run('-q');
    expect(outcome.kind === 'exit' && outcome.stderr).toBe("netstat: invalid option -- 'q'\n" + USAGE + ROUTABLE_FAMILIES);
  });

  it('treats -? as a valid option that asks for the error usage without a message', () => {
    expect(run('-?')).toEqual({ kind: 'exit', status: 3, stdout: '', stderr: USAGE + ROUTABLE_FAMILIES });
  });
});

describe("netstat's option actions, in order", () => {
  it('exits at -V or -h as soon as it is reached', () => {
    expect(run('-V', '-q')).toEqual({ kind: 'exit', status: 0, stdout: VERSION, stderr: '' });
    expect(run('-h', '-V')).toEqual({ kind: 'exit', status: 0, stdout: USAGE, stderr: ROUTABLE_FAMILIES });
    expect(firstErrorLine('-q', '-V').status).toBe(3);
  });

  it('rejects unknown address families with status 1', () => {
    expect(run('-A', 'foo')).toEqual({ kind: 'exit', status: 1, stdout: '', stderr: "Unknown address family `foo'.\n" });
    expect(run('-A', 'inet,')).toEqual({ kind: 'exit', status: 1, stdout: '', stderr: "Unknown address family `'.\n" });
    expect(run('-A', 'ec')).toMatchObject({ status: 1, stderr: "Unknown address family `ec'.\n" });
  });

  it('maps family words to canonical names, keeping order and duplicates', () => {
    expect(options('-A', 'ip,ip6,tcpip,appletalk,econet', '-4', '-x').afList).toEqual(['inet', 'inet6', 'inet', 'ddp', 'ec', 'inet', 'unix']);
  });

  it('reads only the first 255 bytes of an -A argument, as net-tools copies it into a 256-byte buffer', () => {
    const list = (bytes: number) => ('inet,'.repeat(60).slice(0, bytes - 1) + 'x');
    // 255 bytes: the whole list is read, the last word is unknown.
    expect(run('-A', list(255))).toMatchObject({ status: 1, stderr: "Unknown address family `inetx'.\n" });
    // 256 and more: cut after the comma, the last word read is empty.
    expect(run('-A', list(256))).toMatchObject({ status: 1, stderr: "Unknown address family `'.\n" });
    expect(run(`--protocol=${list(300)}`)).toMatchObject({ status: 1, stderr: "Unknown address family `'.\n" });
    // Cut inside a word: the stump is what is named.
    // Cut inside a word: an unknown word can become a known one (`inet6x` read as `inet6`).
    expect(options('-A', 'inet,'.repeat(50) + 'inet6x').afList.slice(-2)).toEqual(['inet', 'inet6']);
    expect(run('-A', 'x'.repeat(300))).toMatchObject({ stderr: `Unknown address family \`${'x'.repeat(255)}'.\n` });
    // Bytes, not characters: a two-byte character astride byte 255 is cut in half.
    expect(run('-A', 'x'.repeat(254) + '\xc3\xa9')).toMatchObject({ stderr: `Unknown address family \`${'x'.repeat(254)}\xc3'.\n` });
  });

  it('refuses a family once the gathered list is full (255 bytes), says so, and goes on', () => {
    const fours = (n: number) => Array<string>(n).fill('-4');
    // 51 x inet is 254 bytes with the commas: full enough that no name fits.
    const full = run(...fours(51), '-x', '-A', 'inet6,bogus', '-tn');
    expect(full.kind === 'run' && [full.warnings, full.options.afList.length, full.options.unix, full.options.inet6]).toEqual([
      ['Too much address family arguments.\n', 'Too much address family arguments.\n'],
      51,
      false,
      false,
    ]);
    // 2 + 252 + 1 = 255 still fits, 2 + 253 + 1 = 256 does not.
    const fits = run(...fours(49), '-A', 'ash,ash,econet');
    expect(fits.kind === 'run' && [fits.warnings, fits.options.afList.join(',').length]).toEqual([[], 255]);
    const over = run(...fours(49), '-A', 'econet,econet,econet', '-A', 'econet');
    expect(over.kind === 'run' && over.warnings).toEqual(['Too much address family arguments.\n']);
    // An unknown word is still an error, after the warnings so far.
    expect(run(...fours(52), '-A', 'bogus')).toEqual({
      kind: 'exit',
      status: 1,
      stdout: '',
      stderr: "Too much address family arguments.\nUnknown address family `bogus'.\n",
    });
  });

  it('warns about --tcpip and carries on', () => {
    const outcome = run('--tcpip', '-t');
    expect(outcome.kind).toBe('run');
    expect(outcome.kind === 'run' && outcome.warnings).toEqual(["netstat.c: Internal Error `longopts 1 range'.\n"]);
    // The warning is printed as parsing goes: before a later option error, too.
    expect(run('--tcpip', '-q')).toMatchObject({ status: 3, stderr: expect.stringMatching(/^netstat\.c: Internal Error `longopts 1 range'\.\nnetstat: invalid option -- 'q'\n/) });
    expect(run('--tcpip', '-?')).toMatchObject({ status: 3, stderr: expect.stringMatching(/^netstat\.c: Internal Error `longopts 1 range'\.\nusage:/) });
  });

  it('fails -Z as SELinux is disabled', () => {
    expect(run('-Z', '-V')).toEqual({ kind: 'exit', status: 1, stdout: '', stderr: 'SELinux is not enabled on this machine.\n' });
  });

  it('counts -e and treats mode options as counters (-rr conflicts)', () => {
    expect(options('-ee').extend).toBe(3);
    expect(run('-rr')).toMatchObject({ status: 3, stderr: USAGE + ROUTABLE_FAMILIES });
    expect(run('-r', '-i')).toMatchObject({ status: 3 });
    expect(options('-r', '-g').route).toBe(true);
  });
});

describe('derived selections (spec 1.5)', () => {
  it('-4 implies every inet protocol, IPv4 only, and no UNIX section', () => {
    const o = options('-4');
    expect([o.tcp, o.udp, o.udplite, o.raw, o.sctp, o.inet, o.inet6, o.unix, o.protocolsImplied]).toEqual([
      true, true, true, true, true, true, false, false, true,
    ]);
    expect(o.explicitCount).toBe(5);
  });

  it('-t selects both families', () => {
    const o = options('-t');
    expect([o.inet, o.inet6, o.protocolsImplied, o.explicitCount]).toEqual([true, true, false, 1]);
  });

  it('-g alone selects both families and counts as a request', () => {
    const o = options('-g');
    expect([o.inet, o.inet6, o.tcp, o.explicitCount]).toEqual([true, true, false, 1]);
  });

  it('nothing requested lists everything', () => {
    expect(options().explicitCount).toBe(0);
    expect(options('-A', 'ddp').explicitCount).toBe(0);
  });

  it('--bluetooth implies both bluetooth protocols', () => {
    const o = options('--bluetooth');
    expect([o.l2cap, o.rfcomm, o.explicitCount]).toEqual([true, true, 2]);
  });
});
