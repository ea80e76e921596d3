/**
 * `netstat -s`: the kernel's SNMP-style counters (spec §7). IPv4 reads
 * `/proc/net/snmp`, `/proc/net/netstat` and `/proc/net/sctp/snmp`; IPv6
 * (`-6`, `-A inet6`) reads `/proc/net/snmp6` and the `Tcp` section of
 * `/proc/net/snmp`. Each file is read into sections (read.ts),
 * which are then printed in net-tools' wording (text.ts) or as
 * JSON, before the next file is read: complaints about a file come after
 * what was printed before it, as with net-tools' line-buffered stdout.
 */
import { perrorText, strerror } from '../../errors';
import type { Options } from '../options';
import { readProcText } from '../../procfs/read';
import type { ModePass } from '../context';
import { JsonPass, wantsJson } from '../json-output';
import { filtersOf, pairSections, sctpSection, snmp6Sections, type StatSection } from './read';
import { StatisticsPrinter } from './text';

/** Which report the `-A` list asks for, or null when `-s` has none for it. */
function reportFamily(options: Options): 'inet' | 'inet6' | null {
  const list = options.afList.join(',');
  if (list === '' || list === 'inet') return 'inet';
  if (list === 'inet6') return 'inet6';
  return null;
}

/**
 * One `-s` report. net-tools runs it once (it ignores `-c`) and returns 0
 * once it has started reading, even when files are missing.
 */
export const statisticsPass: ModePass = async (ctx) => {
  const { options, out } = ctx;
  const family = reportFamily(options);
  // JSON: `{"mode":"statistics","family":…,"sections":[{"section":…,"file":…,"counters":[…]}]}`, or one counter per line.
  const json = wantsJson(options) ? new JsonPass(ctx, 'statistics', 'sections', { family }) : null;
  if (family === null) {
    // net-tools prints this on standard output.
    const message = `netstat: No statistics support for specified address family: ${options.afList.join(',')}`;
    if (json === null) out.out(`${message}\n`);
    else json.only({ kind: 'unavailable', family: options.afList.join(','), message });
    return 1;
  }
  const printer = new StatisticsPrinter();
  const print = (sections: StatSection[]): void => {
    for (const section of sections) {
      if (json === null) out.out(printer.section(section));
      else if (section.selected) {
        const { selected: _, counters, ...fields } = section;
        json.group(fields, 'counters', counters);
      }
    }
  };
  const filters = filtersOf(options);
  const readError = (file: string, result: { code: string }): void => out.err(`${perrorText(`/proc/${file}`, result.code)}\n`);

  const first = family === 'inet' ? 'net/snmp' : 'net/snmp6';
  const main = readProcText(first, ctx.procRoot);
  if (!main.ok && !main.opened) {
    out.err(`cannot open /proc/${first}: ${strerror(main.code)}\n`);
    return 0;
  }
  if (!main.ok) readError(first, main);

  if (family === 'inet') {
    if (main.ok) {
      const snmp = pairSections(main.text, '/proc/net/snmp', filters);
      print(snmp.sections);
      if (!snmp.complete) out.err('Problem while parsing /proc/net/snmp\n');
    }
    const netstat = readProcText('net/netstat', ctx.procRoot);
    if (netstat.ok) {
      const extended = pairSections(netstat.text, '/proc/net/netstat', filters);
      print(extended.sections);
      if (!extended.complete) out.err('Problem while parsing /proc/net/netstat\n');
    }
    if (!netstat.ok && netstat.opened) readError('net/netstat', netstat);
    const sctp = readProcText('net/sctp/snmp', ctx.procRoot);
    // A file that opens but cannot be read still has its title printed before the complaint.
    if (sctp.ok || sctp.opened) print([sctpSection(sctp.ok ? sctp.text : '', filters)]);
    if (!sctp.ok && sctp.opened) readError('net/sctp/snmp', sctp);
  } else {
    if (main.ok) print(snmp6Sections(main.text, filters));
    const snmp = readProcText('net/snmp', ctx.procRoot);
    // A malformed pair ends the Tcp part silently in the IPv6 report.
    if (snmp.ok) print(pairSections(snmp.text, '/proc/net/snmp', filters, 'Tcp').sections);
    else if (snmp.opened) readError('net/snmp', snmp);
    else out.err(`cannot open /proc/net/snmp: ${strerror(snmp.code)}\n`);
  }
  json?.end();
  return 0;
};
