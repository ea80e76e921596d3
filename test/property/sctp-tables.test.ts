/**
 * Hostile input for the SCTP table parsers (src/procfs/sctp-table.ts). Their
 * acceptance rule is net-tools' `strtok` one (spec §2.12): the text up to the
 * first NUL is split at blanks, tabs and newlines, and a line is taken iff it
 * has at least 8 (eps) / 13 (assocs) such tokens; otherwise it is counted in
 * `malformed`. Numbers convert as `atoi`/`strtoul` and addresses as
 * `inet_addr` / `%04X` groups, so whatever the bytes, every address comes out
 * as valid address text.
 */
import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { SctpAssociation, SctpEndpoint } from '../../src/model';
import { runToEnd } from '../../src/procfs/slices';
import { parseSctpAssociations, parseSctpEndpoints } from '../../src/procfs/sctp-table';
import { blanks } from './generators';
import { runs } from './runs';

const EPS_HEADER = ' ENDPT     SOCK   STY SST HBKT LPORT   UID INODE LADDRS\n';
const ASSOCS_HEADER = ' ASSOC     SOCK   STY SST ST HBKT ASSOC-ID TX_QUEUE RX_QUEUE UID INODE LPORT RPORT LADDRS <-> RADDRS\n';

const eps = (text: string) => runToEnd(parseSctpEndpoints(Buffer.from(EPS_HEADER + text, 'latin1')));
const assocs = (text: string) => runToEnd(parseSctpAssociations(Buffer.from(ASSOCS_HEADER + text, 'latin1')));

/** strtok's count of fields: tokens between blanks, tabs and newlines, up to the first NUL. */
function tokens(line: string): number {
  return line.split('\0')[0]!.split(/[ \t\n]+/).filter((t) => t !== '').length;
}

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
/** The kernel's IPv6 text here: eight `%04x` groups (net-tools reads them back with `%04X`). */
const v6Groups = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 });
const v6Text = (groups: number[]) => groups.map((g) => g.toString(16).padStart(4, '0')).join(':');
const address = fc.oneof(v4.map((text) => ({ text, want: text })), v6Groups.map((g) => ({ text: v6Text(g), want: v6Canonical(g) })));

/** Canonical text of eight groups, by Node's own IPv6 parser (independent of src/inet-text.ts for this check). */
function v6Canonical(groups: number[]): string {
  return new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(1, -1);
}

const number = fc.nat({ max: 2 ** 31 - 1 });

const hostileChar = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('0', '1', '7', '9', 'x', 'f', '.', ':', '*', '<', '-', '>', ' ', '\t', '+') },
  { weight: 1, arbitrary: fc.nat({ max: 255 }).map((b) => String.fromCharCode(b)) },
);
const hostileLine = fc.array(hostileChar, { maxLength: 150 }).map((chars) => chars.join('').replace(/\n/g, ' '));

describe('SCTP endpoints: /proc/net/sctp{,6}/eps', () => {
  it('well-formed lines round-trip port, uid, inode, state and the address list', () => {
    // Fields split at any blanks; the list (up to a tab) follows the kernel's spaces.
    fc.assert(
      fc.property(number, fc.nat(0xffff), number, number, fc.array(address, { maxLength: 4 }), fc.array(blanks, { minLength: 1, maxLength: 1 }), fc.constantFrom(' ', '  ', '    '), (state, port, uid, inode, addrs, g, before) => {
        const line = ['ffff888003a1c000', 'ffff888003a1c800', '2', String(state), '29', String(port), String(uid), String(inode)].join(g[0]!) + before + addrs.map((a) => a.text).join(' ') + ' ';
        expect(eps(line + '\n')).toMatchObject({
          malformed: 0,
          rows: [{ state, localPort: port, uid, inode, localAddresses: addrs.map((a) => ({ address: a.want })) }],
        });
      }),
      { numRuns: runs(1000) },
    );
  });

  it('a line is taken iff it has at least 8 tokens before any NUL; addresses are always valid text', () => {
    fc.assert(
      fc.property(fc.array(hostileLine, { maxLength: 10 }), (lines) => {
        const table = eps(lines.map((l) => l + '\n').join(''));
        expect(table.malformed).toBe(lines.filter((l) => tokens(l) < 8).length);
        expect(table.rows.length).toBe(lines.filter((l) => tokens(l) >= 8).length);
        expect(table.rows.flatMap(rowProblems)).toEqual([]);
      }),
      { numRuns: runs(1500) },
    );
  });
});

describe('SCTP associations: /proc/net/sctp{,6}/assocs', () => {
  it('well-formed lines round-trip queues, ports, uid, inode and both address lists (primary marked)', () => {
    fc.assert(
      fc.property(
        fc.array(number, { minLength: 7, maxLength: 7 }),
        fc.array(address, { minLength: 1, maxLength: 3 }),
        fc.array(address, { minLength: 1, maxLength: 3 }),
        (n, local, remote) => {
          const [state, tx, rx, uid, inode, lport, rport] = n as [number, number, number, number, number, number, number];
          const fields = ['ffff888003a2c000', 'ffff888003a2c800', '0', String(state), '4', '1', '1', String(tx), String(rx), String(uid), String(inode), String(lport & 0xffff), String(rport & 0xffff)];
          const list = (addrs: typeof local) => addrs.map((a, i) => (i === 0 ? '*' : '') + a.text).join(' ');
          const line = `${fields.join(' ')} ${list(local)} <-> ${list(remote)} \t    1000    10    10   10    0    0        0        1        0   212992   212992`;
          const texts = (addrs: typeof local) => addrs.map((a, i) => ({ address: a.want, primary: i === 0 }));
          expect(assocs(line + '\n')).toMatchObject({
            malformed: 0,
            rows: [{ state, sendQueue: tx, recvQueue: rx, uid, inode, localPort: lport & 0xffff, remotePort: rport & 0xffff, localAddresses: texts(local), remoteAddresses: texts(remote) }],
          });
        },
      ),
      { numRuns: runs(1000) },
    );
  });

  it('a line is taken iff it has at least 13 tokens before any NUL; numbers are C-sized', () => {
    fc.assert(
      fc.property(fc.array(hostileLine, { maxLength: 10 }), (lines) => {
        const table = assocs(lines.map((l) => l + '\n').join(''));
        expect(table.malformed).toBe(lines.filter((l) => tokens(l) < 13).length);
        const cSized = (a: SctpAssociation) => [a.localPort, a.remotePort].every((port) => port >= 0 && port <= 0xffff) && [a.sendQueue, a.recvQueue, a.uid].every((value) => value >= 0 && value <= 0xffffffff);
        expect(table.rows.flatMap(rowProblems)).toEqual([]);
        expect((table.rows as SctpAssociation[]).filter((a) => !cSized(a))).toEqual([]);
      }),
      { numRuns: runs(1500) },
    );
  });
});

/** What is wrong with a row: addresses that are not valid text of their family, a state or inode no C type holds. */
function rowProblems(row: SctpEndpoint | SctpAssociation): string[] {
  const lists = row.kind === 'association' ? [row.localAddresses, row.remoteAddresses] : [row.localAddresses];
  const problems = lists
    .flat()
    .filter((a) => isIP(a.address) !== (a.family === 'inet' ? 4 : 6))
    .map((a) => `${a.family} address ${a.address}`);
  if (!(Number.isInteger(row.state) && Math.abs(row.state) <= 2 ** 31)) problems.push(`state ${row.state}`);
  if (!(Number.isFinite(row.inode) && row.inode >= 0)) problems.push(`inode ${row.inode}`);
  return problems;
}
