/**
 * Hostile input for `-M` (src/modes/masquerade.ts, spec §6): net-tools reads
 * `/proc/net/ip_masquerade` with one `fscanf` per record
 * (`%s %X:%X %X:%X %X %X %d [%d] %lu`), the `PDelta` column when the header
 * names it; a record whose conversions do not all succeed is "format error"
 * and an unknown protocol word "unknown type" (exit status 1, the whole file
 * refused). Properties:
 * - arbitrary text never throws anything but the documented file error;
 * - well-formed records round-trip;
 * - `netstat -Mn` over generated files (odd blanks, either hex case, bytes
 *   that are blanks only to a Unicode-minded reader, bad records) prints
 *   exactly what net-tools prints.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { masqueradePass, parseIpMasquerade } from '../../src/modes/masquerade';
import { generatedTreeProperty } from '../harness/oracle-suite';
import { hexText } from './generators';
import { runs } from './runs';

const HEADER = 'Prc FromIP   FPrt ToIP     TPrt Masq Init-seq  Delta Expires\n';
const HEADER_PDELTA = 'Prc FromIP   FPrt ToIP     TPrt Masq Init-seq  Delta PDelta Expires (free=0,0,0)\n';

interface Record_ {
  proto: string;
  src: number;
  sport: number;
  dst: number;
  dport: number;
  mport: number;
  initseq: number;
  delta: number;
  pdelta: number;
  expires: number;
  lower: boolean;
  gap: string;
}

const record: fc.Arbitrary<Record_> = fc.record({
  proto: fc.constantFrom('TCP', 'UDP', 'ICMP', 'IP', 'GRE', 'ESP'),
  src: fc.nat({ max: 0xffffffff }),
  sport: fc.nat({ max: 0xffff }),
  dst: fc.nat({ max: 0xffffffff }),
  dport: fc.nat({ max: 0xffff }),
  mport: fc.nat({ max: 0xffff }),
  initseq: fc.nat({ max: 0xffffffff }),
  delta: fc.integer({ min: -32768, max: 32767 }),
  pdelta: fc.integer({ min: -32768, max: 32767 }),
  expires: fc.nat({ max: 10_000_000 }),
  lower: fc.boolean(),
  gap: fc.constantFrom(' ', '  ', '\t', '\n', ' \v'),
});

function recordText(r: Record_, pdelta: boolean): string {
  const h = (v: number, w: number) => hexText(v, w, r.lower);
  const fields = [r.proto, `${h(r.src, 8)}:${h(r.sport, 4)}`, `${h(r.dst, 8)}:${h(r.dport, 4)}`, h(r.mport, 4), h(r.initseq, 8), String(r.delta)];
  if (pdelta) fields.push(String(r.pdelta));
  fields.push(String(r.expires));
  return fields.join(r.gap);
}

const dotted = (v: number) => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].join('.');

describe('ip_masquerade parser', () => {
  it('well-formed records round-trip, with or without PDelta', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(record, { maxLength: 8 }), (pdelta, records) => {
        const rows = parseIpMasquerade((pdelta ? HEADER_PDELTA : HEADER) + records.map((r) => recordText(r, pdelta) + '\n').join(''));
        expect(rows).toMatchObject(
          records.map((r) => ({
            protocol: r.proto.toLowerCase(),
            source: dotted(r.src),
            destination: dotted(r.dst),
            sourcePort: r.sport,
            destinationPort: r.dport,
            masqueradePort: r.mport,
            initialSequence: BigInt(r.initseq),
            delta: r.delta,
            previousDelta: pdelta ? r.pdelta : null,
            expires: BigInt(r.expires),
          })),
        );
      }),
      { numRuns: runs(1000) },
    );
  });

  it('arbitrary text gives rows or the documented file error, nothing else', () => {
    const char = fc.oneof(fc.constantFrom('T', 'C', 'P', '0', 'f', ':', ' ', '\n', '-', 'x'), fc.nat({ max: 255 }).map((b) => String.fromCharCode(b)));
    fc.assert(
      fc.property(fc.constantFrom(HEADER, HEADER_PDELTA, ''), fc.array(char, { maxLength: 200 }), (header, chars) => {
        try {
          parseIpMasquerade(header + chars.join(''));
        } catch (err) {
          expect((err as Error).message).toMatch(/^(ip_masquerade format error|ip_masquerade unknown type|fgets\(\) failed)$/);
          expect((err as { where?: unknown }).where).toBeDefined();
        }
      }),
      { numRuns: runs(1500) },
    );
  });
});

/** A record, or one net-tools refuses: cut short, an unknown type, a non-C blank between fields. */
const fileRecord = fc.oneof(
  { weight: 8, arbitrary: record.map((r) => ({ r, spoil: '' })) },
  { weight: 1, arbitrary: record.map((r) => ({ r, spoil: 'cut' })) },
  { weight: 1, arbitrary: record.map((r) => ({ r: { ...r, proto: 'XYZ' }, spoil: '' })) },
  { weight: 1, arbitrary: fc.tuple(record, fc.constantFrom('\xa0', '\x85', ' \xa0 ')).map(([r, gap]) => ({ r: { ...r, gap }, spoil: '' })) },
);

describe('netstat -M over generated ip_masquerade files', () => {
  generatedTreeProperty({
    title: 'prints what net-tools prints',
    arbitrary: fc.tuple(fc.boolean(), fc.array(fileRecord, { maxLength: 12 })),
    files: ([pdelta, records]) => {
      const body = records
        .map(({ r, spoil }) => {
          const text = recordText(r, pdelta);
          return spoil === 'cut' ? text.slice(0, text.length >> 1) : text;
        })
        .join('\n');
      return { 'net/ip_masquerade': (pdelta ? HEADER_PDELTA : HEADER) + body + '\n' };
    },
    args: [['-Mn'], ['-Mne']],
    pass: masqueradePass,
    numRuns: runs(12),
  });
});
